"""`qc-portal push` as a capsule runs it: the real command against a live gunicorn on 127.0.0.1
(and, for transient failures, through a small proxy that drops the first answers)."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest
import requests

from portal.context import build_portal
from portal.settings import load_settings
from tests.api_helpers import seed
from tests.live_server import BIN, LivePortal, cli, free_port, portal_env
from tests.records import metric

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("push-portal")
    portal = build_portal(load_settings(data_dir=data, secret_key="x" * 40))

    class _App:  # what tests.api_helpers.seed expects
        server = type("S", (), {"extensions": {"qc_portal": portal}})

    seed(_App, data / "assets")
    portal.users.add("capsule", "pipeline", "correct horse battery", "Capsule")
    portal.users.add("ada", "annotator", "correct horse battery", "Ada Lovelace")
    tokens = {user: cli(data, "tokens", "create", user).stdout.strip().splitlines()[-1] for user in ("capsule", "ada")}
    server = LivePortal(data).start()
    yield server, tokens, portal
    server.stop()


def _push(live, *args: str, token: str = "capsule", cwd: Path | None = None, url: str | None = None):
    server, tokens, _ = live
    env = {**portal_env(server.data_dir), "QC_PORTAL_URL": url or server.url, "QC_PORTAL_TOKEN": tokens[token]}
    return subprocess.run([str(BIN / "qc-portal"), "push", *args], env=env, cwd=cwd or server.data_dir,
                          capture_output=True, text=True, timeout=120)


def _capsule(folder: Path, metrics: list[dict] | None = None) -> Path:
    """A capsule's results/ folder: quality_control.json and figures per probe (one file name twice)."""
    results = folder / "results"
    for probe in ("ProbeA", "ProbeB"):
        (results / probe).mkdir(parents=True, exist_ok=True)
        (results / probe / "drift.png").write_bytes(PNG + probe.encode())
    metrics = metrics if metrics is not None else [
        metric("Probe drift", "Pass", tags={"probe": "ProbeA"}, reference="ProbeA/drift.png", value=0.1),
        metric("Probe drift", "Fail", tags={"probe": "ProbeB"}, reference="ProbeB/drift.png", value=0.9),
        metric("Yield", "Pending", reference="https://example.org/yield.html"),
    ]
    document = {"object_type": "Quality control", "schema_version": "2.4.2", "metrics": metrics,
                "default_grouping": [["probe"]], "allow_tag_failures": ["probe:ProbeB"]}
    (results / "quality_control.json").write_text(json.dumps(document))
    return results


def _metrics(live, name: str) -> list[dict]:
    return live[2].store.get(name).record["quality_control"]["metrics"]


def test_push_validates_uploads_figures_and_a_second_run_changes_nothing(live, tmp_path):
    results = _capsule(tmp_path)
    first = _push(live, "a", str(results))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[:3] == ["added     Probe drift [ecephys, Raw data, probe=ProbeA]",
                         "added     Probe drift [ecephys, Raw data, probe=ProbeB]",
                         "added     Yield [ecephys, Raw data]"]
    assert lines[3] == "pushed 3 metric(s) to a: 3 added; 2 figure(s) stored (version 2)"
    drift = {m["tags"]["probe"]: m for m in _metrics(live, "a") if m["name"] == "Probe drift"}
    assert drift["ProbeA"]["reference"] == "qc/uploads/ProbeA_drift.png"
    assert drift["ProbeB"]["reference"] == "qc/uploads/ProbeB_drift.png"
    server = live[0]
    with urllib.request.urlopen(f"{server.url}/references/a/qc/uploads/ProbeB_drift.png", timeout=10) as answer:
        assert answer.read() == PNG + b"ProbeB"
    assert "probe:ProbeB" in live[2].store.get("a").record["quality_control"]["allow_tag_failures"]

    again = _push(live, "a", str(results))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "pushed 3 metric(s) to a: 3 unchanged; 2 figure(s) stored (version 2)"
    assert live[2].store.get("a").version == 2

    # One metric changed: only it is updated.
    document = json.loads((results / "quality_control.json").read_text())
    document["metrics"][2]["value"] = 42
    (results / "quality_control.json").write_text(json.dumps(document))
    third = _push(live, "a", "--json", cwd=results)  # the document in the working directory
    answer = json.loads(third.stdout)
    assert third.returncode == 0 and answer["ok"] and answer["version"] == 3
    assert [m["action"] for m in answer["metrics"]] == ["unchanged", "unchanged", "updated"]
    assert answer["summary"] == {"added": 0, "updated": 1, "unchanged": 2, "not sent": 0}
    assert {f["name"] for f in answer["files"]} == {"ProbeA_drift.png", "ProbeB_drift.png"}


def test_invalid_metrics_are_all_named_and_nothing_is_sent(live, tmp_path):
    bad = [metric("fine"), metric("Drift", status="Great"), {**metric("Noise"), "stage": "Whenever"},
           metric("Map", reference="figures/missing.png")]
    results = _capsule(tmp_path, bad)
    # Nothing listens at this URL: validation happens before anything is sent.
    refused = _push(live, "b", str(results / "quality_control.json"), url=f"http://127.0.0.1:{free_port()}")
    assert refused.returncode == 1 and refused.stdout == ""
    errors = [line for line in refused.stderr.splitlines() if line.startswith("INVALID ")]
    assert errors == [
        "INVALID metric 'Drift': status_history[0].status: Input should be 'Fail', 'Pass' or 'Pending' (got 'Great')",
        "INVALID metric 'Noise': stage: unknown stage 'Whenever' (expected one of: Raw data, Processing, Analysis, "
        "Multi-asset)"]
    assert refused.stderr.splitlines()[-1].endswith("nothing was sent")
    # Once the metrics are valid, a figure that is not there is refused the same way.
    missing = _push(live, "b", str(_capsule(tmp_path / "2", [metric("Map", reference="figures/missing.png")])),
                    "--json")
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["errors"] == [
        f"metric 'Map': reference 'figures/missing.png' is not a file in {tmp_path / '2' / 'results'} "
        "(--figures says where the figures are)"]
    assert live[2].store.get("b").version == 1


def test_a_1x_document_and_the_servers_refusals(live, tmp_path):
    document = {"schema_version": "1.2.2", "evaluations": [{
        "modality": {"name": "Behavior", "abbreviation": "behavior"}, "stage": "Processing", "name": "Licks",
        "allow_failed_metrics": False, "metrics": [{"name": "Lick rate", "value": 3.2, "status_history": [
            {"evaluator": "Automated", "status": "Pass", "timestamp": "2025-01-03T00:00:00Z"}]}]}]}
    (tmp_path / "quality_control.json").write_text(json.dumps(document))
    pushed = _push(live, "b", str(tmp_path))
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.splitlines()[0] == "added     Lick rate [behavior, Processing, evaluation=Licks]"
    unknown = _push(live, "no-such-asset", str(tmp_path))
    assert unknown.returncode == 1 and "Asset not found: no-such-asset" in unknown.stderr
    assert "not sent  Lick rate" in unknown.stdout
    # An annotator's token may not write the capsule's "Automated" entries: a 403, not retried.
    annotator = _push(live, "legacy", str(tmp_path), "--json", token="ada")
    answer = json.loads(annotator.stdout)
    assert annotator.returncode == 1 and not answer["ok"] and "pipeline" in answer["error"]
    assert answer["attempts"] == 2  # the read, then one POST


class _Flaky(http.server.BaseHTTPRequestHandler):
    """Forwards to the portal, but answers the first `fail` POSTs with a 503 without forwarding."""

    target = ""
    fail = 0
    posts = 0

    def _forward(self, method: str):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if method == "POST":
            type(self).posts += 1
            if type(self).posts <= type(self).fail:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        answer = requests.request(method, self.target + self.path, data=body, headers=headers, timeout=30)
        self.send_response(answer.status_code)
        for key in ("Content-Type",):
            self.send_header(key, answer.headers.get(key, "application/json"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def do_GET(self):  # noqa: N802 - http.server's name
        self._forward("GET")

    def do_POST(self):  # noqa: N802
        self._forward("POST")

    def log_message(self, *args):
        pass


def test_transient_failures_are_retried_and_too_many_fail(live, tmp_path):
    results = _capsule(tmp_path, [metric("Retried", "Pass")])
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    _Flaky.target, _Flaky.fail, _Flaky.posts = live[0].url, 2, 0
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{proxy.server_address[1]}"
        pushed = _push(live, "b", str(results), "--json", url=url)
        answer = json.loads(pushed.stdout)
        assert pushed.returncode == 0 and answer["ok"] and answer["attempts"] == 4  # read + 2 refused + 1
        _Flaky.fail, _Flaky.posts = 10, 0
        failed = _push(live, "b", str(results), "--retries", "1", url=url)
        assert failed.returncode == 1 and "503" in failed.stderr
    finally:
        proxy.shutdown()
