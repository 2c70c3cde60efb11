"""Webhooks delivered by the server itself: gunicorn's workers each run the delivery thread, a
receiver that is down is retried, and a restart of the server in between loses nothing."""

from __future__ import annotations

import json
import time
import urllib.request

from portal.accounts.tokens import TokenStore
from portal.accounts.users import UserStore
from portal.events import webhooks
from portal.store.sql.engine import make_engine, migrate
from tests.gunicorn_proc import Gunicorn, free_port, server_env
from tests.records import metric
from tests.test_events import DESCRIPTION
from tests.webhook_receiver import Receiver

COMMAND = ["gunicorn", "--config", "gunicorn.conf.py", "portal.wsgi:server"]


def _request(method: str, url: str, token: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - a local test server
        return response.status


def test_server_processes_deliver_and_a_restart_loses_nothing(tmp_path):
    database = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_engine(database)
    migrate(engine)
    account = UserStore(engine).add("pipe", "pipeline", "a long enough password", "Pipe")
    token = TokenStore(engine).create(account, "test")[0]
    receiver = Receiver().start()
    hook, secret = webhooks.add_webhook(engine, receiver.url, ["all"], by="root")
    receiver.stop()  # down: every attempt is refused until it comes back

    port = free_port()
    env = server_env(database=database, secret_key="s" * 40, data_dir=str(tmp_path / "data"), workers="2",
                     bind=f"127.0.0.1:{port}", webhook_poll_seconds="0.2", webhook_backoff="0.3",
                     webhook_timeout="2")
    server = Gunicorn(COMMAND, env, tmp_path / "gunicorn.log", port).start()
    try:
        assert _request("PUT", f"{server.base}/api/v1/assets/ecephys_5", token, {"data_description": DESCRIPTION}) \
            == 201
        assert _request("POST", f"{server.base}/api/v1/assets/ecephys_5/qc/metrics", token,
                        {"metrics": [metric("drift", "Fail", evaluator="Pipe")]}) == 200
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the workers try, and fail, while the receiver is down
            (shown,) = webhooks.list_webhooks(engine)
            if shown.counts["pending"] == 3 and all(d.attempts >= 1 for d in shown.last):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"no attempts made: {shown}\n{server.output()[-3000:]}")
        assert all("ConnectionError" in (d.last_error or "") for d in shown.last)
    finally:
        server.stop()  # the restart: the queue stays in the database

    receiver.start()
    server = Gunicorn(COMMAND, env, tmp_path / "gunicorn2.log", port).start()
    try:
        got = receiver.wait_for(3, timeout=30)
        time.sleep(1.0)  # nothing more comes: each event once
        assert len(receiver.received) == 3
        assert sorted(r.json()["type"] for r in got) == ["asset_created", "metric_added", "metric_failed"]
        assert all(r.signed_by(secret) for r in got)
        assert len({r.json()["id"] for r in got}) == 3
        (shown,) = webhooks.list_webhooks(engine)
        assert shown.counts == {"pending": 0, "delivered": 3, "failed": 0}
        assert "Traceback" not in server.output()
    finally:
        server.stop()
        receiver.stop()
        engine.dispose()
