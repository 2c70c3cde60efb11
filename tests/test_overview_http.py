"""The overview, the grid's rows, the CSV export and the project page over HTTP (Flask test client)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from components import ids
from portal import create_app
from portal.store.protocol import AssetQuery
from portal.views.filters_url import parse_query, to_search
from portal.views.grid import filter_model
from tests.dash_client import DashClient, output_value
from tests.records import metric, record
from tests.walk import find_by_id, texts

URL_SEARCH = f"{ids.OVERVIEW_URL}.search"


def _records():
    recs = [
        record("ecephys_1 #A", project="Alpha", subject="1", acquired="2025-01-06T10:00:00+00:00",
               metrics=[metric("drift", "Fail"), metric("noise", "Pass")]),
        record("ecephys_2", project="Alpha", subject="2", acquired="2025-01-08T10:00:00+00:00",
               metrics=[metric("drift", "Pending")]),
        record("behavior_3", project="Beta", modalities=("behavior",), subject="3",
               acquired="2025-02-01T10:00:00+00:00", metrics=[metric("lick", "Pass", mod="behavior")]),
        record("behavior_3_processed", project="Beta", modalities=("behavior",), subject="3", level="derived",
               source=["behavior_3"], acquired="2025-02-01T10:00:00+00:00",
               metrics=[metric("lick", "Fail", mod="behavior", stage="Processing")]),
        record("=pophys_4", project="Gamma", modalities=("pophys",), subject="4", qc=False),
    ]
    recs += [record(f"bulk_{i:03d}", project="Delta", subject=str(100 + i % 5),
                    acquired=f"2025-03-{1 + i % 28:02d}T08:00:00+00:00",
                    metrics=[metric("m", ("Pass", "Fail", "Pending")[i % 3])]) for i in range(250)]
    return recs


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many(_records())
    return app


@pytest.fixture
def store(app):
    return app.server.extensions["qc_portal"].store


@pytest.fixture
def dash_client(app):
    return DashClient(app.server.test_client())


def _update(dash_client, values: dict, changed: str):
    return dash_client.call(URL_SEARCH, values, [changed])


def test_overview_layout_shows_counts_and_charts(app):
    from callbacks.overview import layout

    with app.server.test_request_context("/"):
        tree = layout()
    counts = {c.id["status"]: texts(c) for c in find_by_id(tree, None, attr="data-count")}
    assert "255" in counts["total"]
    assert "1" in counts["No QC"]
    graph = find_by_id(tree, ids.OVERVIEW_CHART_PROJECT)[0]
    assert {trace["name"] for trace in graph.figure["data"]} == {"Pass", "Fail", "Pending", "No QC"}
    assert "Alpha" in graph.figure["data"][0]["y"]
    assert find_by_id(tree, ids.OVERVIEW_GRID)[0].rowModelType == "infinite"


def test_layout_reads_filters_from_the_query_and_notes_what_it_ignored(app):
    from callbacks.overview import layout

    with app.server.test_request_context("/"):
        tree = layout(project="Alpha", status=["Fail", "Bogus"], **{"from": "2025-99-01"})
    assert "1" in texts(find_by_id(tree, None, attr="data-count")[0])  # one of Alpha's 2 assets fails
    notes = texts(find_by_id(tree, ids.OVERVIEW_NOTES)[0])
    assert "Bogus" in notes and "2025-99-01" in notes
    assert find_by_id(tree, ids.OVERVIEW_URL)[0].search == "?project=Alpha&status=Fail"
    assert find_by_id(tree, ids.OVERVIEW_PROJECT)[0].value == ["Alpha"]


def test_update_from_a_widget_writes_the_url_and_the_counts(dash_client):
    status, data = _update(dash_client, {URL_SEARCH: "", f"{ids.OVERVIEW_PROJECT}.value": ["Alpha", "Beta"],
                                         f"{ids.OVERVIEW_STATUS}.value": ["Fail"]}, f"{ids.OVERVIEW_STATUS}.value")
    assert status == 200
    assert output_value(data, ids.OVERVIEW_URL, "search") == "?project=Alpha&project=Beta&status=Fail"
    counts = json.dumps(output_value(data, ids.OVERVIEW_COUNTS, "children"))
    assert '"total"' in counts and "2" in counts
    assert output_value(data, ids.OVERVIEW_EXPORT, "href").endswith("?project=Alpha&project=Beta&status=Fail")
    # The grid's column filters now show the same filters (and reload the rows).
    model = output_value(data, ids.OVERVIEW_GRID, "filterModel")
    assert model["status"]["filter"] == "Fail" and len(model["project"]["conditions"]) == 2


def test_update_with_nothing_changed_does_nothing(dash_client):
    status, _ = _update(dash_client, {URL_SEARCH: "?project=Alpha", f"{ids.OVERVIEW_PROJECT}.value": ["Alpha"]},
                        f"{ids.OVERVIEW_PROJECT}.value")
    assert status == 204
    # The grid echoing the filter model it was given ends the round too.
    echo = {"project": {"filterType": "text", "type": "equals", "filter": "Alpha"}}
    status, _ = _update(dash_client, {URL_SEARCH: "?project=Alpha", f"{ids.OVERVIEW_GRID}.filterModel": echo},
                        f"{ids.OVERVIEW_GRID}.filterModel")
    assert status == 204


def test_back_button_sets_the_widgets_from_the_url(dash_client):
    status, data = _update(dash_client, {URL_SEARCH: "?modality=behavior&level=derived"}, URL_SEARCH)
    assert status == 200
    assert "search" not in data["response"].get(ids.OVERVIEW_URL, {})  # the URL is not rewritten
    assert output_value(data, ids.OVERVIEW_MODALITY, "value") == ["behavior"]
    assert output_value(data, ids.OVERVIEW_LEVEL, "value") == ["derived"]


def test_chart_click_sets_filters(dash_client):
    click = {"points": [{"customdata": ["modality", "behavior", "Fail"]}]}
    status, data = _update(dash_client, {URL_SEARCH: "?project=Beta",
                                         f"{ids.OVERVIEW_CHART_MODALITY}.clickData": click},
                           f"{ids.OVERVIEW_CHART_MODALITY}.clickData")
    assert status == 200
    assert output_value(data, ids.OVERVIEW_URL, "search") == "?project=Beta&modality=behavior&status=Fail"
    assert output_value(data, ids.OVERVIEW_CHART_MODALITY, "clickData") is None  # the same bar can be clicked again


def test_filters_matching_nothing_say_so(dash_client):
    status, data = _update(dash_client, {URL_SEARCH: "", f"{ids.OVERVIEW_SEARCH}.value": "no-such-asset"},
                           f"{ids.OVERVIEW_SEARCH}.value")
    assert status == 200
    assert "no_match" in json.dumps(output_value(data, ids.OVERVIEW_BODY, "children"))
    assert output_value(data, ids.OVERVIEW_CHARTS, "hidden") is True
    # The grid stays: its column filters show what was typed, and it says "no asset".
    assert output_value(data, ids.OVERVIEW_GRID_WRAP, "hidden") is False


def _rows(dash_client, search: str, start: int = 0, end: int = 100, sort=None, model=None):
    # Like the browser: the grid's filter model mirrors the URL unless a test says otherwise.
    model = filter_model(parse_query(search).query) if model is None else model
    request = {"startRow": start, "endRow": end, "sortModel": sort or [], "filterModel": model}
    status, data = dash_client.call(f"{ids.OVERVIEW_GRID}.getRowsResponse",
                                    {f"{ids.OVERVIEW_GRID}.getRowsRequest": request, URL_SEARCH: search},
                                    [f"{ids.OVERVIEW_GRID}.getRowsRequest"])
    assert status == 200
    return output_value(data, ids.OVERVIEW_GRID, "getRowsResponse")


def test_grid_pages_sort_and_filter_in_the_store(dash_client, store):
    first = _rows(dash_client, "?project=Delta", 0, 100, [{"colId": "name", "sort": "asc"}])
    second = _rows(dash_client, "?project=Delta", 100, 200, [{"colId": "name", "sort": "asc"}])
    assert first["rowCount"] == second["rowCount"] == 250
    names = [r["name"] for r in first["rowData"] + second["rowData"]]
    assert names == sorted(names) and len(set(names)) == 200
    by_pending = _rows(dash_client, "", sort=[{"colId": "pending", "sort": "desc"}])["rowData"]
    assert [r["pending"] for r in by_pending] == sorted((r["pending"] for r in by_pending), reverse=True)
    # A column filter the URL does not have yet is applied too (the user just typed it).
    derived = _rows(dash_client, "", model={"level": {"filterType": "text", "type": "equals", "filter": "derived"}})
    assert [r["name"] for r in derived["rowData"]] == ["behavior_3_processed"]
    assert derived["rowData"][0]["source"] == "behavior_3"
    row = _rows(dash_client, "?q=%23A")["rowData"][0]
    assert row["name"] == "ecephys_1 #A" and row["status"] == "Fail" and row["modality_status"] == {"ecephys": "Fail"}


def _csv(client, query: AssetQuery):
    response = client.get("/export/assets.csv" + to_search(query))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response, list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("query", [
    AssetQuery(), AssetQuery(project=("Delta",), status=("Fail", "Pending")), AssetQuery(text="no-such"),
    AssetQuery(modality=("behavior",)), AssetQuery(text="#a"),
])
def test_csv_export_has_every_matching_row(app, store, query):
    response, rows = _csv(app.server.test_client(), query)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="qc-assets-')
    assert rows[0][:3] == ["name", "project", "subject_id"]
    assert len(rows) - 1 == store.list_assets(query, limit=1).total


def test_csv_export_neutralises_formulas(app):
    _, rows = _csv(app.server.test_client(), AssetQuery(project=("Gamma",)))
    assert rows[1][0] == "'=pophys_4"


def test_project_page_over_http(app):
    from callbacks.project import layout

    with app.server.test_request_context("/"):
        tree = layout(project="Alpha")
        missing = layout(project="No%20such")
    assert find_by_id(tree, ids.PROJECT_PAGE)[0].__dict__["data-project"] == "Alpha"
    assert "drift" in texts(tree)
    assert "No asset belongs" in texts(missing)
    assert app.server.test_client().get("/project/Alpha").status_code == 200


def test_store_down_is_a_message_everywhere(tmp_path):
    from callbacks.overview import layout
    from callbacks.project import layout as project_layout
    from portal.settings import load_settings
    from tests.pg import PostgresServer, pg_bin

    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    server = PostgresServer().start()
    try:
        url = server.create_database("down")
        app = create_app(load_settings(data_dir=tmp_path, database=url, secret_key="x"))
        client = app.server.test_client()
        dash_client = DashClient(client)
    finally:
        server.stop()
    with app.server.test_request_context("/"):
        for tree in (layout(), project_layout(project="Alpha")):
            alert = find_by_id(tree, ids.PAGE_ALERT)
            assert alert and "Store unavailable" in texts(alert[0]) and "Traceback" not in texts(tree)
    status, data = _update(dash_client, {URL_SEARCH: "", f"{ids.OVERVIEW_STATUS}.value": ["Fail"]},
                           f"{ids.OVERVIEW_STATUS}.value")
    assert status == 200 and "Store unavailable" in json.dumps(output_value(data, ids.OVERVIEW_BODY, "children"))
    rows = _rows(dash_client, "")
    assert rows == {"rowData": [], "rowCount": 0}
    export = client.get("/export/assets.csv")
    assert export.status_code == 503 and "did not answer" in export.get_json()["message"]


def test_csv_export_needs_a_signed_in_user_when_login_is_required(tmp_path):
    from portal.settings import load_settings

    app = create_app(load_settings(data_dir=tmp_path, secret_key="x", require_login=True))
    response = app.server.test_client().get("/export/assets.csv")
    assert response.status_code in (401, 403) and not response.get_data(as_text=True).startswith("name,")
