"""The portal over the DocDB store: pages, callbacks and the CLI work unchanged; a gateway that
is down gives a clear message in the page and the CLI within seconds."""

from __future__ import annotations

import json
import socket
import time

import pytest
from click.testing import CliRunner

from components import ids
from portal import create_app
from portal.cli.main import main
from portal.settings import load_settings
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record
from tests.test_app import _overview_update
from tests.walk import find_by_id, texts


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app(fresh_gateway, tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="x", store=fresh_gateway.store_url() +
                             "&create=true")
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([
        record("ecephys_1", project="Alpha", metrics=[metric("drift", "Fail")]),
        record("behavior_2", project="Beta", modalities=("behavior",), metrics=[metric("x", "Pass", mod="behavior")]),
    ])
    return app


def test_overview_and_callbacks_over_docdb(app, fresh_gateway):
    from callbacks.overview import layout

    with app.server.test_request_context("/"):
        tree = layout()
    counts = {c.id["status"]: texts(c) for c in find_by_id(tree, None, attr="data-count")}
    assert "2" in counts["total"] and "1" in counts["Fail"]
    status, data = _overview_update(app.server.test_client(), "?project=Beta")
    assert status == 200 and "Beta" in json.dumps(data)
    # Users and the audit log stay in the portal's database: DocDB holds only the two records.
    assert fresh_gateway.collection.count_documents({}) == 2
    assert app.server.extensions["qc_portal"].users.list() == []


def test_cli_show_and_ingest_over_docdb(fresh_gateway, tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QC_PORTAL_STORE", fresh_gateway.store_url() + "&create=true")
    folder = tmp_path / "assets" / "ecephys_9"
    folder.mkdir(parents=True)
    rec = record("ecephys_9", metrics=[metric("a", "Pending")])
    (folder / "metadata.nd.json").write_text(json.dumps(rec))
    runner = CliRunner()
    ingested = runner.invoke(main, ["ingest", str(tmp_path / "assets")], catch_exceptions=False)
    assert ingested.exit_code == 0 and "1 created" in ingested.output
    shown = runner.invoke(main, ["show", "ecephys_9", "--json"], catch_exceptions=False)
    data = json.loads(shown.output)
    assert data["status"]["overall"] == "Pending" and data["location"] == str(folder.resolve())


def test_gateway_down_is_a_message_in_the_page_and_the_cli(tmp_path, monkeypatch, aws_env):
    url = f"docdb+http://127.0.0.1:{_free_port()}?database=metadata_index&collection=data_assets&version=v2"
    app = create_app(load_settings(data_dir=tmp_path / "data", secret_key="x", store=url, docdb_timeout=2))
    assert app.server.test_client().get("/healthz").status_code == 200  # the portal starts anyway
    from callbacks.overview import layout

    started = time.monotonic()
    with app.server.test_request_context("/"):
        tree = layout()
    message = texts(find_by_id(tree, ids.PAGE_ALERT)[0])
    assert "Store unavailable" in message and "cannot be reached" in message
    assert time.monotonic() - started < 5

    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QC_PORTAL_STORE", url)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["show", "anything"])
    assert result.exit_code == 1 and "qc-portal: error: DocDB did not answer" in result.output
    assert "cannot be reached" in result.output and time.monotonic() - started < 5
