"""The app shell over HTTP (Flask test client): health, pages, callbacks, error paths."""

from __future__ import annotations

import json

import pytest

from components import ids
from portal import create_app
from portal.settings import load_settings
from tests.records import metric, record
from tests.walk import find_by_id, texts


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([
        record("a", project="Alpha", metrics=[metric("m", "Fail")]),
        record("b", project="Beta", modalities=("behavior",), metrics=[metric("m", "Pass", mod="behavior")]),
        record("c", project="Beta", qc=False),
    ])
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_index_serves_dash_with_local_assets_only(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "QC Portal" in html
    assert "00-bootstrap.min.css" in html
    assert "cdn." not in html and "unpkg" not in html  # works on a closed network


def test_session_cookie_flags(app):
    assert app.server.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.server.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_overview_layout_shows_store_counts(app):
    from callbacks.overview import layout

    with app.server.test_request_context("/"):
        tree = layout()
    counts = {c.id["status"]: texts(c) for c in find_by_id(tree, None, attr="data-count")}
    assert "3" in counts["total"]
    assert "1" in counts["Fail"] and "1" in counts["Pass"] and "1" in counts["No QC"]
    figures = [g.figure for g in find_by_id(tree, None, attr="figure")]
    assert any("Alpha" in trace.get("y", ()) for fig in figures for trace in fig["data"])
    assert any("behavior" in trace.get("y", ()) for fig in figures for trace in fig["data"])


def _dispatch(client, output: str, inputs: list[dict]):
    body = {"output": output, "outputs": {"id": output.split(".")[0], "property": output.split(".")[1]},
            "inputs": inputs, "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"], "state": []}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def _overview_update(client, search: str = ""):
    """The overview's callback as the back button fires it: it re-reads the counts."""
    from tests.dash_client import DashClient

    return DashClient(client).call(f"{ids.OVERVIEW_URL}.search", {f"{ids.OVERVIEW_URL}.search": search},
                                   [f"{ids.OVERVIEW_URL}.search"])


def test_overview_callback_over_http_reflects_new_assets(app, client):
    app.server.extensions["qc_portal"].store.upsert_many([record("d", project="Delta")])
    status, data = _overview_update(client)
    assert status == 200
    assert "Delta" in json.dumps(data)


def test_store_down_shows_a_message_not_a_traceback(tmp_path):
    from tests.pg import PostgresServer, pg_bin

    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    server = PostgresServer().start()
    try:
        url = server.create_database("down")
        app = create_app(load_settings(data_dir=tmp_path, database=url, secret_key="x"))
        client = app.server.test_client()
        assert client.get("/healthz").status_code == 200
    finally:
        server.stop()
    from callbacks.overview import layout

    with app.server.test_request_context("/"):
        tree = layout()
    alert = find_by_id(tree, ids.PAGE_ALERT)
    assert alert, texts(tree)
    message = texts(alert[0])
    assert "Store unavailable" in message and "did not answer" in message
    assert "Traceback" not in message
    status, data = _overview_update(client, "?status=Fail")
    assert status == 200 and "Store unavailable" in json.dumps(data)


def test_unknown_page_says_not_found(client):
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    from callbacks.not_found import layout as not_found

    assert "Page not found" in texts(not_found())


def test_two_apps_each_have_their_callbacks(settings, tmp_path):
    first = create_app(settings)
    second = create_app(load_settings(data_dir=tmp_path / "other", secret_key="x"))
    for app in (first, second):
        deps = app.server.test_client().get("/_dash-dependencies").get_json()
        assert any(ids.OVERVIEW_BODY in d["output"] for d in deps)


def test_unexpected_callback_error_shows_a_short_message(app, caplog):
    from dash import Input, Output

    # A callback that fails the way a bug would; it is added to this test's app only.
    @app.callback(Output("boom-out", "children"), Input("boom", "n_clicks"), prevent_initial_call=True)
    def boom(_n):
        raise RuntimeError("secret internals")

    client = app.server.test_client()
    response = _dispatch(client, "boom-out.children", [{"id": "boom", "property": "n_clicks", "value": 1}])
    body = response.get_data(as_text=True)
    assert "Something went wrong on the server (ref " in body
    assert "secret internals" not in body and "Traceback" not in body
    assert "secret internals" in caplog.text  # the traceback is in the server log
