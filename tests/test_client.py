"""The Python client (portal.client) against a live gunicorn on 127.0.0.1, plus its retries,
timeouts and settings against small local servers."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from datetime import UTC, date, datetime

import pytest
from aind_data_schema.core.quality_control import QCMetric

from portal.client import (
    ClientSettings,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    QCPortalClient,
    ServerError,
    UnauthorizedError,
    UnavailableError,
)
from portal.context import build_portal
from portal.settings import load_settings
from tests.api_helpers import seed
from tests.live_server import LivePortal, cli, free_port
from tests.records import metric


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A seeded portal under gunicorn, an annotator's token made with the CLI, a viewer's token."""
    data = tmp_path_factory.mktemp("client-portal")
    portal = build_portal(load_settings(data_dir=data, secret_key="live-test-secret-of-at-least-32-characters"))

    class _App:  # what tests.api_helpers.seed expects
        server = type("S", (), {"extensions": {"qc_portal": portal}})

    seed(_App, data / "assets")
    portal.users.add("ada", "annotator", "correct horse battery", "Ada Lovelace")
    portal.users.add("vic", "viewer", "correct horse battery")
    portal.users.add("capsule", "pipeline", "correct horse battery", "Capsule")
    tokens = {}
    for user in ("ada", "vic", "capsule"):
        made = cli(data, "tokens", "create", user, "--name", "client tests")
        assert made.returncode == 0, made.stderr
        tokens[user] = made.stdout.strip().splitlines()[-1]
    server = LivePortal(data).start()
    yield server, tokens
    server.stop()


@pytest.fixture
def client(live):
    server, tokens = live
    with QCPortalClient(server.url, tokens["ada"], timeout=20) as client:
        yield client


def test_tokens_create_prints_the_token_alone_on_its_last_line(live):
    server, tokens = live
    assert tokens["ada"].startswith("qcp_") and " " not in tokens["ada"] and len(tokens["ada"]) > 40
    listed = cli(server.data_dir, "tokens", "list", "ada")
    assert listed.returncode == 0 and "client tests" in listed.stdout and tokens["ada"] not in listed.stdout


def test_settings_come_from_the_environment_or_a_dot_env(live, tmp_path, monkeypatch):
    server, tokens = live
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"QC_PORTAL_URL={server.url}\nQC_PORTAL_TOKEN={tokens['vic']}\n")
    assert ClientSettings().url == server.url
    with QCPortalClient() as client:
        assert client.me().name == "vic"
    monkeypatch.setenv("QC_PORTAL_TOKEN", tokens["ada"])  # the environment wins over .env
    with QCPortalClient() as client:
        assert client.me().display_name == "Ada Lovelace"
    # The server's own settings read the same .env and are not upset by the client's keys.
    assert load_settings(secret_key="x").port == 8050


def test_reads_are_typed_and_paged(client):
    assert client.me().role == "annotator"
    names = [row.name for row in client.iter_assets(page_size=2)]
    assert names == ["a", "b", "bare", "broken", "legacy"]
    failing = list(client.iter_assets(status="Fail"))
    assert [row.name for row in failing] == ["b"] and failing[0].failed == 1
    assert [r.name for r in client.iter_assets(project=["Beta", "Gamma"], from_=date(2025, 3, 1))] == [
        "bare", "broken", "legacy"]
    page = client.assets(limit=1, sort="-acquired")
    assert page.total == 5 and page.rows[0].name == "broken" and page.next_offset == 1
    asset = client.asset("a")
    assert asset.status.overall == "Pending" and asset.metrics.pending == 1 and asset.version >= 1
    qc = client.quality_control("legacy")
    assert qc.quality_control["metrics"][0]["tags"] == {"evaluation": "Video"}
    summary = client.summary(by="level")
    assert summary.total == 5 and {g.key for g in summary.groups} == {"raw"}


def test_errors_are_named_exceptions(live, client):
    server, tokens = live
    with pytest.raises(NotFoundError) as missing:
        client.asset("no-such-asset")
    assert missing.value.status == 404 and "no-such-asset" in missing.value.message
    with pytest.raises(InvalidRequestError, match="status"):
        client.add_metrics("a", [metric("x", status="Great")])
    with QCPortalClient(server.url, tokens["vic"]) as viewer, pytest.raises(ForbiddenError):
        viewer.annotate("a", [{"metric": "drift", "status": "Pass"}])
    with QCPortalClient(server.url, "qcp_revoked-or-made-up") as stranger, pytest.raises(UnauthorizedError):
        stranger.assets()
    with pytest.raises(TypeError, match="unknown filter"):
        client.assets(colour="red")


@pytest.fixture
def pipeline_client(live):
    """A client acting as a pipeline account (it may push entries under evaluators such as "pipeline")."""
    server, tokens = live
    with QCPortalClient(server.url, tokens["capsule"], timeout=20) as client:
        yield client


def test_add_metrics_with_schema_objects_and_files(live, pipeline_client, tmp_path):
    server, _ = live
    client = pipeline_client
    figure = tmp_path / "fig.png"
    figure.write_bytes(b"\x89PNG\r\n\x1a\n client")
    pushed = QCMetric(name="client metric", modality={"name": "Extracellular electrophysiology",
                                                       "abbreviation": "ecephys"},
                      stage="Processing", value=3, reference="fig.png",
                      status_history=[{"evaluator": "pipeline", "status": "Pass",
                                       "timestamp": datetime(2025, 1, 5, tzinfo=UTC)}])
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    done = client.add_metrics("a", [pushed, metric("with bytes", reference="raw.svg")],
                              files={"fig.png": figure, "raw.svg": svg})
    assert sorted(done.added) == ["client metric", "with bytes"]
    assert {f.reference for f in done.files} == {"qc/uploads/fig.png", "qc/uploads/raw.svg"}
    metrics = {m["name"]: m for m in client.quality_control("a").quality_control["metrics"]}
    assert metrics["client metric"]["reference"] == "qc/uploads/fig.png"
    assert client.session.get(f"{server.url}/references/a/qc/uploads/fig.png").content == figure.read_bytes()
    # Files as a list of paths. The same metric again changes nothing; its file is replaced.
    figure.write_bytes(b"\x89PNG\r\n\x1a\n newer")
    again = client.add_metrics("a", [pushed], files=[figure])
    assert (again.version, again.added, again.replaced) == (done.version, [], [])
    assert client.session.get(f"{server.url}/references/a/qc/uploads/fig.png").content.endswith(b"newer")


def test_annotate_with_a_base_conflicts_only_on_what_changed(live, client):
    server, tokens = live
    base = client.quality_control("b")
    done = client.annotate("b", [{"metric": "m", "status": "Pass", "comment": "looked again"}], base=base)
    assert done.applied and done.version == base.version + 1
    history = client.quality_control("b").quality_control["metrics"][0]["status_history"]
    assert history[-1]["evaluator"] == "Ada Lovelace" and history[-1]["status"] == "Pass"
    with pytest.raises(ConflictError) as stale:
        client.annotate("b", [{"metric": "m", "status": "Fail"}], base=base)
    assert stale.value.version == done.version
    assert stale.value.conflicts[0].metric == "m" and stale.value.conflicts[0].theirs[-1]["evaluator"] == \
        "Ada Lovelace"
    again = client.annotate("b", [{"metric": "m", "status": "Fail"}])  # reads the current version itself
    assert again.applied


def test_the_documented_conflict_loop_converges(live, client):
    server, tokens = live
    base = client.quality_control("a")
    key = next(m.key for m in base.metrics if m.name == "noise")
    changes = [{"key": key, "status": "Fail", "seen_history": 1}]
    version = base.version
    with QCPortalClient(server.url, tokens["capsule"], timeout=20) as other:
        other.annotate("a", [{"key": key, "status": "Pass"}])  # someone decides first
    rounds = 0
    while True:  # README "Conflicts converge in one step"
        rounds += 1
        try:
            done = client.annotate("a", changes, version=version)
            break
        except ConflictError as exc:
            version = exc.version
            for conflict in exc.conflicts:
                for change in changes:
                    if change["key"] == conflict.key:
                        change["seen_history"] = conflict.current.seen_history
    assert done.applied and rounds == 2
    history = next(m for m in client.quality_control("a").metrics if m.key == key)
    assert history.status == "Fail"


def test_an_unreachable_portal_is_unavailable_quickly():
    started = time.monotonic()
    with QCPortalClient(f"http://127.0.0.1:{free_port()}", "qcp_x", retries=1, backoff=0.01) as client, \
            pytest.raises(UnavailableError, match="cannot reach"):
        client.assets()
    assert time.monotonic() - started < 10


def test_a_silent_portal_times_out():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections, never answers
    try:
        started = time.monotonic()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with QCPortalClient(url, "qcp_x", timeout=0.5, retries=1, backoff=0.01) as client, \
                pytest.raises(UnavailableError, match="did not answer"):
            client.assets()
        assert time.monotonic() - started < 5
    finally:
        listener.close()


class _Flaky(http.server.BaseHTTPRequestHandler):
    """503 for the first two requests of each method, then 200 (an empty page)."""

    seen: list[str] = []

    def _answer(self):
        self.seen.append(self.command)
        if self.seen.count(self.command) <= 2:
            body, status = b'{"error": "Store unavailable", "message": "try later"}', 503
        else:
            body, status = b'{"rows": [], "total": 0, "offset": 0, "limit": 1, "next_offset": null}', 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def test_reads_are_retried_on_503_and_writes_are_not():
    _Flaky.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        with QCPortalClient(url, "qcp_x", retries=3, backoff=0.01) as client:
            assert client.assets(limit=1).total == 0
            assert _Flaky.seen.count("GET") == 3
            with pytest.raises(ServerError, match="try later") as failed:
                client.annotate("a", [{"metric": "m", "status": "Pass"}], version=1)
            assert failed.value.status == 503 and _Flaky.seen.count("POST") == 1
    finally:
        server.shutdown()
