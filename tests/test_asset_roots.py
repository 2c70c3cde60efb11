"""Local asset locations lie under the asset roots (the data dir, QC_PORTAL_ASSET_ROOTS and
the folders given to `qc-portal ingest`): ingest refuses others, and the references route and
uploads never read or write outside them, whatever location the store holds."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from portal import create_app
from portal.cli.main import main
from portal.references.roots import AssetRoots, remember_root
from portal.settings import load_settings
from portal.store.sql.tables import asset_roots
from tests.api_helpers import bearer, make_token
from tests.auth_helpers import add_user, login
from tests.records import metric, record

PNG = b"\x89PNG\r\n\x1a\n figure"


@pytest.fixture
def data(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(folder))
    monkeypatch.setenv("QC_PORTAL_SECRET_KEY", "test")
    return folder


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder no root covers, holding a secret."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "shadow").write_text("root:$6$secret")
    (folder / "figure.png").write_bytes(PNG)
    return folder


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _app(data: Path):
    return create_app(load_settings(data_dir=data, secret_key="test-secret"))


def _store(app):
    return app.server.extensions["qc_portal"].store


# -- ingest -----------------------------------------------------------------------------------------


def test_ingest_refuses_a_hostile_location_and_ingests_the_rest(data, tmp_path, outside):
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps([
        {**record("hostile_location"), "location": "/etc"},
        {**record("outside_location"), "location": str(outside)},
        {**record("remote"), "location": "s3://bucket/remote"},  # not local: not concerned
        {**record("inside"), "location": str(data / "assets" / "inside")},
        record("nowhere"),
    ]))
    result = run("ingest", str(dump))
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 2, result.output
    assert failed[0] == (f"FAILED {dump}[0]: location /etc lies outside the asset roots (the data dir, "
                         "QC_PORTAL_ASSET_ROOTS or a folder given to `qc-portal ingest`); add it to "
                         "QC_PORTAL_ASSET_ROOTS")
    assert str(outside) in failed[1]
    assert "3 created" in result.output
    assert CliRunner().invoke(main, ["show", "hostile_location"]).exit_code == 1


def test_a_symlink_out_of_a_root_is_refused_at_ingest(data, tmp_path, outside):
    data.mkdir(parents=True)
    (data / "link").symlink_to(outside, target_is_directory=True)
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({**record("via_link"), "location": str(data / "link")}))
    result = run("ingest", str(dump))
    assert result.exit_code == 1 and f"location {data / 'link'} lies outside the asset roots" in result.output


def test_asset_roots_setting_and_file_urls(tmp_path, outside):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="x", asset_roots=f"{outside},/srv/qc ")
    roots = AssetRoots.from_settings(settings, None)
    assert roots.refusal(str(outside / "a")) is None and roots.refusal(outside.as_uri()) is None
    assert roots.refusal("/srv/qc/x") is None and roots.refusal("/srv/qcx") is not None  # a root, not a prefix
    assert roots.refusal("file:///etc") is not None and roots.refusal("/srv/qc/../../etc") is not None
    assert roots.refusal("s3://b/x") is None and roots.refusal(None) is None and roots.refusal("relative/x") is None


# -- the references route -------------------------------------------------------------------------------


@pytest.mark.parametrize("location", ["/etc", "outside"])
def test_a_hostile_location_in_the_store_is_never_served(data, outside, location):
    app = _app(data)
    where = "/etc" if location == "/etc" else str(outside)
    _store(app).upsert_many([{**record("hostile_location"), "location": where}])
    add_user(app, "ann", "annotator")
    client = app.server.test_client()
    paths = ["passwd", "hostname"] if location == "/etc" else ["shadow", "figure.png"]
    for signed_in in (False, True):
        if signed_in:
            login(client, "ann")
        for path in paths:
            response = client.get(f"/references/hostile_location/{path}")
            assert response.status_code == 404, (signed_in, path)
            body = response.get_data(as_text=True)
            assert "root:" not in body and where not in body and "asset root" in body


def test_a_symlink_out_of_a_root_is_not_served(data, outside):
    app = _app(data)
    data.mkdir(parents=True, exist_ok=True)
    (data / "link").symlink_to(outside, target_is_directory=True)
    _store(app).upsert_many([{**record("via_link"), "location": str(data / "link")}])
    assert app.server.test_client().get("/references/via_link/figure.png").status_code == 404


def test_the_asset_page_says_the_folder_is_not_served(data, outside):
    from callbacks.asset.page import layout
    from tests.walk import texts

    app = _app(data)
    _store(app).upsert_many([{**record("hostile_location", metrics=[metric("m", reference="figure.png")]),
                              "location": str(outside)}])
    with app.server.test_request_context("/asset/hostile_location"):
        tree = layout(name="hostile_location", group="none")
    assert "reference not served: the asset's folder is not under an asset root" in texts(tree)


def test_a_folder_ingested_from_a_new_place_is_served(data, tmp_path):
    app = _app(data)
    client = app.server.test_client()
    assert client.get("/references/none/x.png").status_code == 404  # the roots are loaded and cached now
    place = tmp_path / "elsewhere" / "run_7"
    (place / "qc").mkdir(parents=True)
    (place / "qc" / "drift.png").write_bytes(PNG)
    (place / "data_description.json").write_text(json.dumps(record("run_7")["data_description"]))
    (place / "quality_control.json").write_text(json.dumps(
        record("run_7", metrics=[metric("drift", reference="qc/drift.png")])["quality_control"]))
    result = run("ingest", str(tmp_path / "elsewhere"))  # another process, as far as the app knows
    assert result.exit_code == 0, result.output
    engine = app.server.extensions["qc_portal"].users.engine
    with engine.connect() as connection:
        rows = connection.execute(select(asset_roots.c.path, asset_roots.c.added_by)).all()
    assert [(row.path, row.added_by) for row in rows] == [(str((tmp_path / "elsewhere").resolve()), "ingest")]
    time.sleep(1.05)  # a miss re-reads the remembered roots at most once a second
    response = client.get("/references/run_7/qc/drift.png")
    assert response.status_code == 200 and response.data == PNG


def test_remembering_a_root_is_idempotent(data, tmp_path):
    app = _app(data)
    engine = app.server.extensions["qc_portal"].users.engine
    for _ in range(2):
        remember_root(engine, tmp_path / "x" / ".." / "x", by="ada")
    roots = AssetRoots((), engine)
    assert roots.paths() == ((tmp_path / "x").resolve(),)


# -- uploads ----------------------------------------------------------------------------------------------


def test_uploads_are_never_written_outside_the_roots(data, outside):
    app = _app(data)
    _store(app).upsert_many([{**record("hostile_location"), "location": str(outside)}])
    client = app.server.test_client()
    body = {"payload": json.dumps({"metrics": [metric("fig", reference="fig.png")]}),
            "files": [(io.BytesIO(PNG), "fig.png")]}
    response = client.post("/api/v1/assets/hostile_location/qc/metrics", data=body, content_type="multipart/form-data",
                           headers=bearer(make_token(app, "ada", "annotator")))
    assert response.status_code == 422
    message = response.get_json()["message"]
    assert "not under an asset root" in message and str(outside) not in message
    assert not (outside / "qc").exists()
    assert _store(app).get("hostile_location").version == 1
