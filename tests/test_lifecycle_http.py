"""The asset lifecycle through the portal's doors: `PUT /api/v1/assets/{name}`, the pages, the API,
exports, reference files and the command line, for deleted, restored and renamed assets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal import create_app
from portal.cli.main import main
from tests.api_helpers import bearer, make_token
from tests.records import metric, record
from tests.test_events import DESCRIPTION
from tests.walk import texts


@pytest.fixture
def app(tmp_path):
    from portal.settings import load_settings

    app = create_app(load_settings(data_dir=tmp_path / "data", secret_key="lifecycle-tests", webhook_deliver=False))
    store = app.server.extensions["qc_portal"].store
    folder = tmp_path / "data" / "assets" / "ecephys_1"
    folder.mkdir(parents=True)
    (folder / "drift.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    first = record("ecephys_1", project="Alpha", metrics=[metric("drift", "Fail", reference="drift.png")])
    first["location"] = str(folder)
    store.upsert_many([first, record("ecephys_2", project="Alpha", metrics=[metric("rms", "Pass")])])
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


def _page(app, name):
    from callbacks.asset.page import layout

    with app.server.test_request_context(f"/asset/{name}"):
        return texts(layout(name=name))


def test_put_creates_an_asset_from_a_data_description(app, client):
    pipe = bearer(make_token(app, "pipe", "pipeline", "Pipe"))
    made = client.put("/api/v1/assets/ecephys_9", json={"data_description": DESCRIPTION,
                                                        "location": "s3://bucket/ecephys_9"}, headers=pipe)
    assert made.status_code == 201 and made.get_json()["action"] == "created", made.get_json()
    assert made.headers["Location"] == "/api/v1/assets/ecephys_9"
    shown = client.get("/api/v1/assets/ecephys_9").get_json()
    assert (shown["project"], shown["subject_id"], shown["location"], shown["status"]["overall"]) == (
        "Alpha", "123", "s3://bucket/ecephys_9", "No QC")
    again = client.put("/api/v1/assets/ecephys_9", json={"data_description": DESCRIPTION,
                                                         "location": "s3://bucket/ecephys_9"}, headers=pipe)
    assert (again.status_code, again.get_json()["action"]) == (200, "unchanged")
    pushed = client.post("/api/v1/assets/ecephys_9/qc/metrics", json={"metrics": [metric("drift", "Fail")]},
                         headers=pipe)
    assert pushed.status_code == 200
    moved = client.put("/api/v1/assets/ecephys_9", json={"data_description": {**DESCRIPTION, "project_name": "Beta"}},
                       headers=pipe)
    assert (moved.status_code, moved.get_json()["action"]) == (200, "updated")
    shown = client.get("/api/v1/assets/ecephys_9").get_json()
    assert shown["project"] == "Beta" and shown["status"]["overall"] == "Fail"  # the QC stayed
    audit = [e.action for e in app.server.extensions["qc_portal"].store.audit_log(asset="ecephys_9")]
    assert audit == ["update", "add_metrics", "create"]


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"data_description": {**DESCRIPTION, "data_level": "bogus"}}, 422, "data_level"),
    ({"data_description": {k: v for k, v in DESCRIPTION.items() if k != "investigators"}}, 422, "investigators"),
    ({"data_description": {**DESCRIPTION, "name": "other"}}, 422, "URL names 'ecephys_9'"),
    ({"data_description": DESCRIPTION, "location": "/etc"}, 422, "outside the asset roots"),
    ({"data_description": DESCRIPTION, "location": "relative/dir"}, 422, "absolute folder"),
    ({"data_description": DESCRIPTION, "extra": 1}, 422, "extra"),
    ({}, 422, "data_description"),
])
def test_put_refuses_what_it_cannot_use(app, client, body, status, message):
    pipe = bearer(make_token(app, "pipe", "pipeline"))
    answer = client.put("/api/v1/assets/ecephys_9", json=body, headers=pipe)
    assert answer.status_code == status and message in answer.get_json()["message"], answer.get_json()
    assert client.get("/api/v1/assets/ecephys_9").status_code == 404


def test_put_needs_an_annotator_and_refuses_deleted_and_renamed_names(app, client):
    assert client.put("/api/v1/assets/x", json={"data_description": DESCRIPTION}).status_code == 401
    viewer = bearer(make_token(app, "vic", "viewer"))
    assert client.put("/api/v1/assets/x", json={"data_description": DESCRIPTION}, headers=viewer).status_code == 403
    ann = bearer(make_token(app, "ann", "annotator"))
    store = app.server.extensions["qc_portal"].store
    store.delete_asset("ecephys_1", user="root")
    store.rename_asset("ecephys_2", "ecephys_2b", user="root")
    for name, message in (("ecephys_1", "was deleted"), ("ecephys_2", "renamed to ecephys_2b")):
        answer = client.put(f"/api/v1/assets/{name}", json={"data_description": DESCRIPTION}, headers=ann)
        assert answer.status_code == 409 and message in answer.get_json()["message"]
        assert answer.get_json()["error"] == "Conflict"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "put"} <= set(spec["paths"]["/assets/{name}"]) and "get" in spec["paths"]["/events"]


def test_a_deleted_asset_is_gone_from_pages_api_exports_and_files(app, client, tmp_path):
    ann = bearer(make_token(app, "ann", "annotator"))
    assert client.get("/references/ecephys_1/drift.png").status_code == 200
    store = app.server.extensions["qc_portal"].store
    store.delete_asset("ecephys_1", user="root")
    assert "Asset not found: ecephys_1" in _page(app, "ecephys_1")
    assert client.get("/api/v1/assets/ecephys_1").status_code == 404
    assert client.get("/api/v1/assets/ecephys_1/qc").status_code == 404
    assert [r["name"] for r in client.get("/api/v1/assets").get_json()["rows"]] == ["ecephys_2"]
    summary = client.get("/api/v1/summary").get_json()
    assert summary["total"] == 1 and summary["status"] == {"Pass": 1}
    assert client.get("/api/v1/assets?q=ecephys_1").get_json()["total"] == 0
    rows = list(csv.DictReader(io.StringIO(client.get("/export/assets.csv").get_data(as_text=True))))
    assert [r["name"] for r in rows] == ["ecephys_2"]
    assert client.get("/references/ecephys_1/drift.png").status_code == 404
    annotate = client.post("/api/v1/assets/ecephys_1/annotations", headers=ann,
                           json={"version": 1, "changes": [{"metric": "drift", "status": "Pass"}]})
    assert annotate.status_code == 404
    assert client.post("/api/v1/assets/ecephys_1/qc/metrics", headers=ann,
                       json={"metrics": [metric("x", "Pass", evaluator="ann")]}).status_code == 404
    store.restore_asset("ecephys_1", user="root")
    assert client.get("/api/v1/assets/ecephys_1").get_json()["status"]["overall"] == "Fail"
    assert client.get("/references/ecephys_1/drift.png").status_code == 200


def test_the_old_name_of_a_renamed_asset_redirects(app, client):
    store = app.server.extensions["qc_portal"].store
    store.rename_asset("ecephys_1", "ecephys 1 (final)", user="root")
    moved = client.get("/asset/ecephys_1?group=none&show=Fail")
    assert moved.status_code == 302
    assert moved.headers["Location"] == "/asset/ecephys%201%20%28final%29?group=none&show=Fail"
    assert client.get("/asset/ecephys%201%20%28final%29").status_code == 200
    assert client.get("/asset/ecephys_2").status_code == 200  # not renamed: no redirect
    assert "ecephys 1 (final)" in _page(app, "ecephys_1")  # in-app links to the old name still show it
    assert client.get("/api/v1/assets/ecephys_1").get_json()["name"] == "ecephys 1 (final)"
    assert client.get("/references/ecephys_1/drift.png").status_code == 200
    store.delete_asset("ecephys 1 (final)", user="root")
    assert client.get("/asset/ecephys_1").status_code == 404  # a deleted asset: redirected to by nothing, not found
    assert "Asset not found" in _page(app, "ecephys_1")


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path / "data"))

    def invoke(*args, code=0):
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == code, result.output
        return result

    return invoke


def _folder(root: Path, rec: dict) -> Path:
    folder = root / rec["name"]
    folder.mkdir(parents=True)
    for field in ("data_description", "subject", "acquisition", "quality_control"):
        (folder / f"{field}.json").write_text(json.dumps(rec[field]))
    return folder


def test_cli_delete_restore_rename_and_ingest_after_them(run, tmp_path):
    source = tmp_path / "incoming"
    rec = record("ecephys_7", metrics=[metric("drift", "Pass")])
    folder = _folder(source, rec)
    run("ingest", str(source))
    gone = run("assets", "delete", "ecephys_7", "--actor", "ops")
    assert gone.stdout.startswith("deleted ecephys_7") and "qc-portal assets restore ecephys_7" in gone.stdout
    assert "ecephys_7" in run("assets", "deleted").stdout and "by ops" in run("assets", "deleted").stdout
    assert "Asset not found: ecephys_7" in run("show", "ecephys_7", code=1).stderr
    assert "not found" in run("export", "ecephys_7", "--dest", str(tmp_path / "out"), code=1).stderr.lower()
    (folder / "quality_control.json").write_text(json.dumps({**rec["quality_control"], "notes": "again"}))
    refused = run("ingest", str(source), code=1)
    assert "FAILED" in refused.stderr and "was deleted in the portal" in refused.stderr
    assert "deleted already" in run("assets", "delete", "ecephys_7", code=1).stderr
    run("assets", "restore", "ecephys_7")
    assert "is not deleted" in run("assets", "restore", "ecephys_7", code=1).stderr
    assert run("assets", "deleted").stdout == ""

    renamed = run("assets", "rename", "ecephys_7", "ecephys_7_v2")
    assert renamed.stdout.startswith("renamed ecephys_7 to ecephys_7_v2")
    assert json.loads(run("show", "ecephys_7", "--json").stdout)["name"] == "ecephys_7_v2"
    run("ingest", str(source))  # the folder still says ecephys_7: the renamed asset is updated, keeps its name
    shown = json.loads(run("show", "ecephys_7_v2", "--json").stdout)
    assert shown["name"] == "ecephys_7_v2"
    from portal.settings import load_settings
    from portal.store import open_store

    store = open_store(load_settings(data_dir=tmp_path / "data"))
    assert store.count_assets() == 1 and store.get("ecephys_7_v2").record["quality_control"]["notes"] == "again"
    assert [e.action for e in store.audit_log(asset="ecephys_7")][:2] == ["update", "rename"]
    assert "Asset not found: nope" in run("assets", "rename", "nope", "x", code=1).stderr
    assert "may not be empty" in run("assets", "rename", "ecephys_7_v2", " ", code=1).stderr
