"""Webhooks against a real receiver on 127.0.0.1: signed deliveries of the chosen events, retries
with backoff from the queue in the database, leases that survive a dying process, the last
results, the command line and the admin page."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from components import ids
from portal import create_app
from portal.cli.main import main
from portal.errors import InvalidInput
from portal.events import delivery, webhooks
from portal.events.delivery import Policy, run_once
from portal.store.protocol import Annotation, MetricEdit
from portal.store.sql.engine import make_engine
from portal.store.sql.store import SqlAssetStore
from tests.auth_helpers import add_user, login
from tests.dash_client import DashClient
from tests.records import metric, record
from tests.webhook_receiver import Receiver

POLICY = Policy(timeout=2.0, attempts=3, backoff=30.0)


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    store = SqlAssetStore(engine)
    store.upsert_many([record("a", metrics=[metric("drift", "Pass"), metric("rms", "Pass")])])
    yield store
    engine.dispose()


def soon(seconds: float = 1.0) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def fail(store, name="drift", version=1, history=1):
    store.annotate(Annotation("a", version, (MetricEdit(name, status="Fail", seen_history=history),)), user="ann")


def test_deliveries_are_signed_posts_of_the_chosen_events(store, receiver):
    fail(store)  # before the webhook: not sent
    hook, secret = webhooks.add_webhook(store.engine, receiver.url, ["metric_failed"], by="root")
    assert len(secret) >= 40 and hook.events == ("metric_failed",)
    fail(store, "rms", version=2)
    store.delete_asset("a", user="root")  # another type: not sent
    done = run_once(store.engine, POLICY)
    assert (done.queued, done.delivered) == (1, 1)
    (got,) = receiver.wait_for(1)
    assert got.path == "/hook" and got.signed_by(secret) and not got.signed_by(secret + "x")
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-QC-Portal-Event"] == "metric_failed"
    event = got.json()
    assert (event["type"], event["asset"], event["metric"], event["user"]) == (
        "metric_failed", "a", "rms [ecephys, Raw data]", "ann")
    from portal.events import feed

    listed = [feed.event_json(e) for e in feed.page(store.engine).events]
    assert event in listed  # the body is the event exactly as GET /api/v1/events lists it
    assert int(got.headers["X-QC-Portal-Delivery"]) == webhooks.get_webhook(store.engine, hook.id).last[0].id
    assert run_once(store.engine, POLICY) == delivery.Round()  # nothing twice
    result = webhooks.get_webhook(store.engine, hook.id)
    assert result.counts == {"pending": 0, "delivered": 1, "failed": 0}
    assert (result.last[0].state, result.last[0].last_code, result.last[0].attempts) == ("delivered", 200, 1)


def test_failures_are_retried_with_backoff_then_given_up(store, receiver):
    hook, _ = webhooks.add_webhook(store.engine, receiver.url, ["all"], by="root")
    receiver.answers = [500, 503, 500]
    fail(store)  # annotation + metric_failed
    t0 = soon()
    first = run_once(store.engine, POLICY, now=t0)
    assert (first.queued, first.retried) == (2, 2)
    assert run_once(store.engine, POLICY, now=t0 + timedelta(seconds=29)).retried == 0  # not due yet
    second = run_once(store.engine, POLICY, now=t0 + timedelta(seconds=30))  # backoff: 30 s after attempt 1
    assert (second.retried, second.delivered) == (1, 1)
    shown = webhooks.get_webhook(store.engine, hook.id)
    pending = [d for d in shown.last if d.state == "pending"]
    assert len(pending) == 1 and pending[0].last_code == 500
    assert pending[0].last_error == "HTTP 500 Internal Server Error"
    assert pending[0].next_at == t0 + timedelta(seconds=30 + 60)  # then 60 s after attempt 2
    receiver.answers = [500]
    third = run_once(store.engine, POLICY, now=t0 + timedelta(seconds=90))
    assert third.failed == 1  # the third attempt was the last (QC_PORTAL_WEBHOOK_ATTEMPTS)
    assert webhooks.get_webhook(store.engine, hook.id).counts == {"pending": 0, "delivered": 1, "failed": 1}
    assert run_once(store.engine, POLICY, now=t0 + timedelta(days=1)) == delivery.Round()
    assert delivery.retry_failed(store.engine, hook.id) == 1  # `webhooks retry`: attempts start over
    assert run_once(store.engine, POLICY).delivered == 1
    assert len(receiver.received) == 6
    assert [POLICY.delay(n) for n in (1, 2, 3, 10)] == [30, 60, 120, 3600]


@pytest.mark.parametrize("trouble", ["down", "redirect", "slow"])
def test_a_receiver_that_is_down_redirects_or_is_too_slow_is_a_failed_attempt(store, receiver, trouble):
    webhooks.add_webhook(store.engine, receiver.url, ["metric_failed"], by="root")
    fail(store)
    if trouble == "down":
        receiver.stop()
    elif trouble == "redirect":
        receiver.answers = [302]
    else:
        receiver.delay = 3.0  # the policy's timeout is 2 s
    t0 = soon()
    assert run_once(store.engine, POLICY, now=t0).retried == 1
    (shown,) = webhooks.list_webhooks(store.engine)
    error = shown.last[0].last_error
    assert {"down": "ConnectionError", "redirect": "HTTP 302", "slow": "Timeout"}[trouble] in error
    receiver.delay = 0
    if trouble == "down":
        receiver.start()
    assert run_once(store.engine, POLICY, now=t0 + timedelta(seconds=30)).delivered == 1


def test_a_process_dying_mid_delivery_loses_nothing(store, receiver, tmp_path):
    """A claimed delivery whose process dies (no result recorded) is due again once its lease
    ends, and any other process, or the restarted one, delivers it: the queue is in the database."""
    webhooks.add_webhook(store.engine, receiver.url, ["metric_failed"], by="root")
    fail(store)
    assert delivery.enqueue(store.engine) == 1
    t0 = soon()
    claimed = delivery.claim(store.engine, POLICY, now=t0)
    assert len(claimed) == 1  # ...and then the process is killed before it POSTs or records anything
    assert delivery.claim(store.engine, POLICY, now=t0 + timedelta(seconds=10)) == []  # leased to the dead one
    # A new process (its own engine, as after a restart) finds it again after the lease.
    restarted = make_engine(store.engine.url.render_as_string(hide_password=False))
    lease_end = t0 + timedelta(seconds=(POLICY.timeout + 5) * 10 + 31)
    done = run_once(restarted, POLICY, now=lease_end)
    assert done.delivered == 1
    (got,) = receiver.wait_for(1)
    assert got.json()["id"] == claimed[0].event.id
    # The dead process's late result (had it answered after all) changes nothing: the lease is not its own.
    assert delivery.record(store.engine, claimed[0], (500, "late"), POLICY, now=lease_end) == "pending"
    (shown,) = webhooks.list_webhooks(restarted)
    assert (shown.last[0].state, shown.last[0].attempts) == ("delivered", 2)
    restarted.dispose()


def test_paused_webhooks_keep_their_place(store, receiver):
    hook, _ = webhooks.add_webhook(store.engine, receiver.url, ["metric_failed"], by="root")
    webhooks.set_webhook_active(store.engine, hook.id, False)
    fail(store)
    assert run_once(store.engine, POLICY) == delivery.Round()
    webhooks.set_webhook_active(store.engine, hook.id, True)
    assert run_once(store.engine, POLICY).delivered == 1
    webhooks.remove_webhook(store.engine, hook.id)
    assert webhooks.list_webhooks(store.engine) == []


@pytest.mark.parametrize(("url", "types", "message"), [
    ("ftp://example.org/x", ["all"], "http:// or https://"),
    ("https://user:pw@example.org/x", ["all"], "credentials"),
    ("https://example.org/a b", ["all"], "no spaces"),
    ("https://example.org/x", [], "choose the events"),
    ("https://example.org/x", ["metric_failed,nope"], "unknown event type 'nope'"),
])
def test_bad_webhooks_are_refused(store, url, types, message):
    with pytest.raises(InvalidInput, match=message):
        webhooks.add_webhook(store.engine, url, types, by="root")
    with pytest.raises(InvalidInput, match="at least 16"):
        webhooks.add_webhook(store.engine, "https://example.org/x", ["all"], by="root", secret="short")


@pytest.mark.postgres
def test_several_processes_deliver_each_event_once(pg_url, receiver):
    engine = make_engine(pg_url)
    store = SqlAssetStore(engine)
    store.upsert_many([record("a", metrics=[metric(f"m{i}", "Pass") for i in range(30)])])
    webhooks.add_webhook(engine, receiver.url, ["metric_failed"], by="root")
    for i in range(30):
        store.annotate(Annotation("a", i + 1, (MetricEdit(f"m{i}", status="Fail", seen_history=1),)), user="ann")
    workers = [make_engine(pg_url) for _ in range(4)]  # four processes' engines over one database
    threads = [threading.Thread(target=run_once, args=(w, POLICY)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    got = receiver.wait_for(30)
    assert sorted(r.json()["metric"] for r in got) == sorted(f"m{i} [ecephys, Raw data]" for i in range(30))
    assert len(got) == 30  # none twice
    for w in [*workers, engine]:
        w.dispose()


# -- the command line -------------------------------------------------------------------------

def test_cli_add_list_deliver_pause_retry_remove(tmp_path, monkeypatch, receiver):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    added = runner.invoke(main, ["webhooks", "add", receiver.url, "--events", "metric_failed",
                                 "--events", "asset_deleted"])
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip().splitlines()[-1]
    assert "receives metric_failed, asset_deleted" in added.stderr and len(secret) >= 40
    store = SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'data' / 'portal.db'}"))
    store.upsert_many([record("a", metrics=[metric("drift", "Pass")])])
    fail(store)
    assert runner.invoke(main, ["assets", "delete", "a", "--actor", "ops"]).exit_code == 0
    delivered = runner.invoke(main, ["webhooks", "deliver", "--once"])
    assert delivered.exit_code == 0 and "2 queued, 2 delivered" in delivered.stderr
    got = receiver.wait_for(2)
    assert all(r.signed_by(secret) for r in got)
    assert [r.json()["type"] for r in got] == ["metric_failed", "asset_deleted"] and got[1].json()["user"] == "ops"
    listing = runner.invoke(main, ["webhooks", "list"])
    assert "0 pending, 2 delivered, 0 failed" in listing.stdout and "HTTP 200" in listing.stdout
    assert "asset_deleted a\tdelivered\t1 attempt(s)" in listing.stdout
    assert runner.invoke(main, ["webhooks", "pause", "1"]).stdout.startswith("paused webhook 1")
    assert "paused" in runner.invoke(main, ["webhooks", "list"]).stdout
    assert runner.invoke(main, ["webhooks", "resume", "1"]).exit_code == 0
    assert "0 failed deliveries" in runner.invoke(main, ["webhooks", "retry", "1"]).stdout
    assert runner.invoke(main, ["webhooks", "remove", "1"]).stdout.startswith("removed webhook 1")
    missing = runner.invoke(main, ["webhooks", "remove", "1"])
    assert missing.exit_code == 1 and "no webhook with id 1" in missing.stderr
    bad = runner.invoke(main, ["webhooks", "add", "https://x.org/h", "--events", "nope"])
    assert bad.exit_code == 1 and "qc-portal: error: unknown event type 'nope'" in bad.stderr
    own = runner.invoke(main, ["webhooks", "add", receiver.url, "--events", "all", "--secret-stdin"],
                        input="a-key-of-our-own-choosing\n")
    assert own.stdout.strip().splitlines()[-1] == "a-key-of-our-own-choosing"


# -- the admin page ---------------------------------------------------------------------------

@pytest.fixture
def app(tmp_path):
    from portal.settings import load_settings

    app = create_app(load_settings(data_dir=tmp_path / "data", secret_key="webhook-tests", webhook_deliver=False))
    add_user(app, "root", "admin", display_name="Root Admin")
    add_user(app, "ann", "annotator")
    return app


def _page(client) -> str:
    dash = DashClient(client)
    status, data = dash.call("_pages_content.children", {"_pages_location.pathname": "/admin/webhooks"},
                             ["_pages_location.pathname"])
    assert status == 200
    return json.dumps(data["response"]["_pages_content"]["children"])


@pytest.mark.parametrize("who", [None, "ann"])
def test_only_admins_see_and_change_webhooks(app, who, receiver):
    engine = app.server.extensions["qc_portal"].users.engine
    webhooks.add_webhook(engine, receiver.url, ["all"], by="root")
    client = app.server.test_client()
    if who:
        assert login(client, who).status_code == 302
    page = _page(client)
    assert "Only admins can manage webhooks" in page and receiver.url not in page
    dash = DashClient(client)
    _status, data = dash.call(f"{ids.WEBHOOKS_NEW}.children",
                              {f"{ids.WEBHOOKS_ADD}.n_clicks": 1, f"{ids.WEBHOOKS_URL}.value": "https://x.org/h",
                               f"{ids.WEBHOOKS_EVENTS}.value": ["metric_failed"]}, [f"{ids.WEBHOOKS_ADD}.n_clicks"])
    assert len(webhooks.list_webhooks(engine)) == 1  # refused: nothing added


def test_admins_add_a_webhook_see_its_key_once_and_its_results(app, receiver):
    client = app.server.test_client()
    assert login(client, "root").status_code == 302
    assert '"id": "webhooks-page"' in _page(client) and "No webhooks yet" in _page(client)
    dash = DashClient(client)
    status, data = dash.call(f"{ids.WEBHOOKS_NEW}.children",
                             {f"{ids.WEBHOOKS_ADD}.n_clicks": 1, f"{ids.WEBHOOKS_URL}.value": receiver.url,
                              f"{ids.WEBHOOKS_EVENTS}.value": ["metric_failed", "annotation"]},
                             [f"{ids.WEBHOOKS_ADD}.n_clicks"])
    assert status == 200
    shown = json.dumps(data["response"][ids.WEBHOOKS_NEW]["children"])
    engine = app.server.extensions["qc_portal"].users.engine
    (hook,) = webhooks.list_webhooks(engine)
    assert hook.events == ("annotation", "metric_failed") and hook.created_by == "root"
    assert "new-webhook-secret" in shown and "not shown again" in shown
    store = app.server.extensions["qc_portal"].store
    store.upsert_many([record("a", metrics=[metric("drift", "Pass")])])
    fail(store)
    run_once(engine, POLICY)
    page = _page(client)
    assert receiver.url in page and "2 delivered" in page and "HTTP 200" in page
    assert shown.split("new-webhook-secret")[0] and "new-webhook-secret" not in page  # the key is not shown again
    # A bad URL is refused with the reason, and nothing is added.
    status, data = dash.call(f"{ids.WEBHOOKS_NEW}.children",
                             {f"{ids.WEBHOOKS_ADD}.n_clicks": 2, f"{ids.WEBHOOKS_URL}.value": "not a url",
                              f"{ids.WEBHOOKS_EVENTS}.value": ["annotation"]}, [f"{ids.WEBHOOKS_ADD}.n_clicks"])
    assert "http:// or https://" in json.dumps(data["response"][ids.WEBHOOKS_NEW]["children"])
    assert len(webhooks.list_webhooks(engine)) == 1
    # Its buttons: pause, then remove.
    for action, check in (("pause", lambda: not webhooks.get_webhook(engine, hook.id).active),
                          ("remove", lambda: webhooks.list_webhooks(engine) == [])):
        status, data = _click(dash, ids.webhook_action(hook.id, action))
        assert status == 200 and check()
    assert "No webhooks yet" in json.dumps(data["response"][ids.WEBHOOKS_LIST]["children"])


def _click(dash, button: dict):
    """POST the click of one webhook button, as the browser does for a pattern-matching input."""
    dep = next(d for d in dash.dependencies if d["inputs"] and "webhook-action" in str(d["inputs"][0]["id"]))
    key = json.dumps(button, sort_keys=True, separators=(",", ":"))
    body = {"output": dep["output"], "outputs": {"id": ids.WEBHOOKS_LIST, "property": "children"},
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]], "state": [],
            "changedPropIds": [f"{key}.n_clicks"]}
    return dash.post(json.dumps(body).encode())
