"""Plain unit tests of the overview's pieces: view-models, grid mapping, charts, callbacks, CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from dash import html, no_update
from dash.exceptions import PreventUpdate

from callbacks.overview import next_query, query_from_widgets, updates
from components import ids
from components.charts import attention_heatmap, click_filters, status_bars, weekly_bars
from components.filter_bar import chips, widget_values
from components.grid import DEFAULT_VISIBLE, column_defs
from components.overview import rendered
from components.status import STATUS_COLORS
from portal.store.protocol import AssetQuery, AssetRow, Sort
from portal.store.sql.engine import make_engine
from portal.store.sql.store import SqlAssetStore
from portal.transfer.csv_export import COLUMNS, csv_chunks, csv_record
from portal.views.filters_url import ParsedQuery, parse_query
from portal.views.grid import (
    apply_filter_model,
    filter_model,
    modality_statuses,
    page_request,
    row_json,
    sort_from_model,
)
from portal.views.overview import attention_share, overview_view
from portal.views.project import project_view, worst_status
from tests.records import metric, record
from tests.walk import find_by_id, texts


@pytest.fixture
def dash_app():
    """A Dash app, so that dash.get_relative_path works in component builders."""
    import dash

    return dash.Dash(__name__)


@pytest.fixture
def store(tmp_path):
    store = SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'units.db'}"))
    store.upsert_many([
        record("a1", project="Alpha", subject="1", acquired="2025-01-06T10:00:00+00:00",
               metrics=[metric("drift", "Fail"), metric("noise", "Pass"),
                        metric("video", "Pending", mod="behavior", stage="Processing")],
               modalities=("ecephys", "behavior")),
        record("a2", project="Alpha", subject="2", acquired="2025-01-15T10:00:00+00:00",
               metrics=[metric("drift", "Pass"), metric("noise", "Pending")]),
        record("b1", project="Beta", subject="3", modalities=("behavior",), acquired="2025-02-01T10:00:00+00:00",
               metrics=[metric("lick", "Pass", mod="behavior")]),
        record("g1", project="Gamma", subject="4", modalities=("pophys",), qc=False),
    ])
    return store


def _view(store, **filters):
    return overview_view(store, ParsedQuery(AssetQuery(**filters)))


# -- view-models --------------------------------------------------------------------------


def test_overview_view_counts(store):
    view = _view(store)
    assert view.state == "ok" and view.total == 4
    assert view.by_status == {"Pass": 1, "Fail": 1, "Pending": 1, "No QC": 1, "Unreadable": 0}
    assert dict(view.projects)["Alpha"]["Fail"] == 1 and dict(view.projects)["Gamma"]["No QC"] == 1
    assert dict(view.modalities)["behavior"] == {"Pass": 1, "Fail": 0, "Pending": 1, "No QC": 0, "Unreadable": 0}
    cells = {(p, m): c for p, m, c in view.cells}
    assert cells[("Alpha", "ecephys")]["Fail"] == 1 and cells[("Alpha", "ecephys")]["Pending"] == 1


def test_overview_view_states(store, tmp_path):
    assert _view(store, text="zzz").state == "no_match"
    empty = SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    assert _view(empty).state == "empty" and _view(empty, project=("x",)).state == "empty"
    assert _view(store, project=("Gamma",)).without_qc


def test_attention_share():
    assert attention_share({"Pass": 1, "Fail": 1, "Pending": 2, "No QC": 10}) == 0.75
    assert attention_share({"No QC": 3}) is None


def test_project_view(store):
    view = project_view(store, "Alpha")
    assert view.total == 2
    assert view.stage_cells[("ecephys", "Raw data")] == {"Fail": 1, "Pending": 1}
    assert view.stages == ["Raw data", "Processing"]
    first = view.metrics[0]
    assert (first.name, first.failed, first.n) == ("drift", 1, 2)
    assert [m.name for m in view.metrics][:2] == ["drift", "video"]  # 50% fail, then 100% pending
    assert [w for w, _ in view.weeks] == [date(2025, 1, 6), date(2025, 1, 13)]
    assert [r.subject for r in view.subjects] == ["1", "2"]  # Fail first
    assert [a.name for a in view.pending_assets] == ["a1", "a2"]  # oldest first
    assert project_view(store, "Nope").total == 0


def test_worst_status():
    assert worst_status({"Pass": 3, "Pending": 1}) == "Pending"
    assert worst_status({"Pass": 3, "Fail": 1, "Pending": 2}) == "Fail"
    assert worst_status({"Pass": 0, "No QC": 2}) == "No QC"


# -- grid mapping -------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    AssetQuery(),
    AssetQuery(project=("A", "B"), subject=("1",), status=("Fail", "No QC"), level=("raw",), text="probe #1"),
    AssetQuery(modality=("ecephys",), source=("raw_1",)),
    AssetQuery(acquired_from=date(2025, 1, 1), acquired_to=date(2025, 2, 1)),
    AssetQuery(acquired_from=date(2025, 1, 1), acquired_to=date(2025, 1, 1)),
    AssetQuery(acquired_from=date(2025, 1, 1)),
    AssetQuery(acquired_to=date(2025, 1, 31)),
    AssetQuery(project=("A",), contains=(("project", "dyn"), ("subject", "12"), ("status", "fa"))),
])
def test_filter_model_round_trip(query):
    assert apply_filter_model(query, filter_model(query)) == query


def test_contains_conditions_are_kept_as_typed_and_equals_are_checked():
    model = {"project": {"filterType": "text", "operator": "OR", "conditions": [
                 {"filterType": "text", "type": "contains", "filter": "Dynamic Rout"},
                 {"filterType": "text", "type": "equals", "filter": "Beta"}]},
             "status": {"filterType": "text", "type": "contains", "filter": "nothing like a status"},
             "level": {"filterType": "text", "type": "equals", "filter": "processed"}}
    query = apply_filter_model(AssetQuery(), model)
    assert query.project == ("Beta",) and query.level == ()
    assert query.contains == (("project", "Dynamic Rout"), ("status", "nothing like a status"))
    shown = filter_model(query)["project"]
    assert [(c["type"], c["filter"]) for c in shown["conditions"]] == [("equals", "Beta"), ("contains", "Dynamic Rout")]


def test_filter_model_keeps_widgetless_filters_and_drops_bad_values():
    base = AssetQuery(project=("A",), metric=("drift",), pending=True)
    edited = apply_filter_model(base, {
        "status": {"filterType": "text", "type": "equals", "filter": "fail"},
        "level": {"filterType": "text", "type": "equals", "filter": "processed"},
    })
    assert edited == AssetQuery(status=("Fail",), metric=("drift",), pending=True)
    assert apply_filter_model(base, None) == base


def test_a_header_click_writes_only_the_sort_into_the_url(settings):
    from callbacks.overview import sorted_by
    from portal import create_app

    app = create_app(settings)
    with app.server.test_request_context("/"):
        current = parse_query("?project=A&q=x")
        out = sorted_by(current, {"sort": "-pending", "at": 1})
        assert out["search"] == "?project=A&q=x&sort=-pending" and out["grid_sort"] == "-pending"
        assert out["parts"] == [no_update] * len(out["parts"]) and out["grid_refresh"] is no_update
        back_to_default = sorted_by(parse_query("?q=x&sort=name"), {"sort": "-acquired"})
        assert back_to_default["search"] == "?q=x"
        for same in ({"sort": "name"}, None, {"sort": "-document"}):
            with pytest.raises(PreventUpdate):
                sorted_by(parse_query("?sort=name"), same)


def test_grid_blocks_grouped_under_raw_assets_and_derived_counts(store):
    store.upsert_many([record("a1_sorted", project="Alpha", level="derived", source=["a1"],
                              metrics=[metric("m", "Fail")]),
                       record("a1_sorted_2", project="Alpha", level="derived", source=["a1"])])
    request = {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "fail", "sort": "desc"}]}
    flat = page_request(store, AssetQuery(project=("Alpha",)), request)["rowData"]
    grouped = page_request(store, AssetQuery(project=("Alpha",)), request, grouped=True)["rowData"]
    assert [r["name"] for r in grouped] == ["a1", "a1_sorted", "a1_sorted_2", "a2"]
    assert [r["name"] for r in flat] != [r["name"] for r in grouped]
    assert [r["under"] for r in grouped] == [None, "a1", "a1", None] and all(r["under"] is None for r in flat)
    assert {r["name"]: r["derived"] for r in grouped} == {"a1": 2, "a1_sorted": 0, "a1_sorted_2": 0, "a2": 0}


def test_the_grouping_switch_writes_the_url_and_reloads_the_grid(settings):
    from callbacks.overview import grouped_by
    from portal import create_app

    app = create_app(settings)
    with app.server.test_request_context("/"):
        out = grouped_by(parse_query("?q=x&sort=name"), True, 2)
        assert out["search"] == "?q=x&sort=name&group=raw" and out["grid_refresh"] == 3
        assert out["parts"] == [no_update] * len(out["parts"])
        assert grouped_by(parse_query("?group=raw"), False, None)["search"] == ""
        with pytest.raises(PreventUpdate):
            grouped_by(parse_query("?group=raw"), True, 0)


def test_sort_from_model():
    assert sort_from_model([{"colId": "pending", "sort": "desc"}]) == Sort("pending", True)
    assert sort_from_model([{"colId": "modalities", "sort": "asc"}]) == Sort("acquired", True)
    assert sort_from_model(None) == Sort("acquired", True)


def test_row_json_and_page_request(store):
    response = page_request(store, AssetQuery(project=("Alpha",)), {"startRow": 0, "endRow": 1,
                                                                    "sortModel": [{"colId": "name", "sort": "asc"}]})
    assert response["rowCount"] == 2 and len(response["rowData"]) == 1
    row = response["rowData"][0]
    assert row["name"] == "a1" and row["modality_status"] == {"behavior": "Pending", "ecephys": "Fail"}
    assert row["fail"] == 1 and row["pending"] == 1 and row["acquired"].startswith("2025-01-06T10:00")
    at = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    reviewed = AssetRow("i", "n", None, None, None, None, None, (), "Pass", {}, 1, 1, 0, 0, "Ada", at, 1)
    assert row_json(reviewed)["last_review"] == "Ada · 2025-03-01 12:30"
    assert row_json(reviewed)["last_review_at"] == "2025-03-01 12:30"


def test_modalities_that_need_a_look_come_first_and_behavior_after_the_main_one():
    statuses = {"behavior": "Pass", "behavior-videos": "Fail", "ecephys": "Fail", "fib": "Pending",
                "pophys": "Pass", "SPIM": "No QC"}
    assert list(modality_statuses(statuses)) == ["ecephys", "behavior-videos", "fib", "SPIM", "pophys", "behavior"]
    assert list(modality_statuses({"behavior": "Pass", "ecephys": "Pass"})) == ["ecephys", "behavior"]


def test_column_defs_filters_only_on_query_fields(dash_app):
    defs = {c["field"]: c for c in column_defs()}
    assert {f for f, c in defs.items() if c["filter"]} == {
        "name", "project", "subject_id", "modalities", "status", "level", "source", "acquired"}
    assert not defs["modalities"]["sortable"] and defs["pending"]["sortable"]
    assert defs["modalities"]["hide"] and not defs["name"]["hide"]
    assert defs["status"]["cellRendererParams"]["colors"] == STATUS_COLORS
    assert {c["field"] for c in column_defs(["pending"]) if not c["hide"]} == {"name", "pending"}
    assert "modalities" not in DEFAULT_VISIBLE
    # What a reviewer needs shows by default and fits a 1280 px window (minimum widths).
    shown = [c for c in column_defs() if not c["hide"]]
    assert [c["field"] for c in shown] == ["name", "project", "acquired", "status", "modality_status", "pending",
                                           "fail", "last_review", "source"]
    assert sum(c.get("minWidth", c.get("initialWidth", 0)) if "initialFlex" in c else c["initialWidth"]
               for c in shown) <= 1240
    # Widths apply when a column is made only: the column chooser's new columnDefs keep the
    # widths the browser kept (columnState), even when they come after the grid applied them.
    assert not any("width" in c or "flex" in c for c in shown)
    assert defs["name"]["pinned"] == "left"


# -- charts -------------------------------------------------------------------------------


def _valid(fig: dict):
    """The figure dict is what plotly itself would accept (validated here, not at run time)."""
    import plotly.graph_objects as go

    return go.Figure(fig)


def test_status_bars_use_the_status_colours_and_carry_filters():
    fig = status_bars([("Alpha", {"Pass": 2, "Fail": 1, "Pending": 0, "No QC": 0, "Unreadable": 0})],
                      dimension="project")
    _valid(fig)
    assert [t["name"] for t in fig["data"]] == ["Pass", "Fail"]  # empty statuses are left out
    assert all(t["marker"]["color"] == STATUS_COLORS[t["name"]] for t in fig["data"])
    assert fig["data"][1]["customdata"][0] == ["project", "Alpha", "Fail"]


def test_heatmap_shares_and_no_qc_cells():
    fig = attention_heatmap([("A", "ecephys", {"Pass": 1, "Fail": 1, "Pending": 2}), ("B", "fib", {"No QC": 3})])
    _valid(fig)
    heat = fig["data"][0]
    assert heat["z"][0][0] == 0.75 and heat["z"][1][1] is None
    assert "no QC" in heat["text"][1][1] and heat["text"][0][1] == ""


def test_weekly_bars():
    fig = weekly_bars([(date(2025, 1, 6), {"Pass": 1}), (date(2025, 1, 13), {"Fail": 2})])
    _valid(fig)
    assert [t["name"] for t in fig["data"]] == ["Pass", "Fail"] and fig["data"][1]["y"] == [0, 2]


def test_click_filters():
    assert click_filters({"points": [{"customdata": ["project", "A", "Fail"]}]}) == {
        "project": ("A",), "status": ("Fail",)}
    cell = {"points": [{"customdata": ["cell", "A", "fib"]}]}
    assert click_filters(cell) == {"project": ("A",), "modality": ("fib",)}
    assert click_filters({"points": [{"customdata": ["project", "(no project)", "Pass"]}]})["project"] == ()
    assert click_filters(None) is None and click_filters({"points": [{"x": 1}]}) is None


def test_a_heatmap_click_is_read_from_the_cell_axes():
    # What dcc.Graph sends for a heat-map cell: no customdata (it cannot index it by a
    # [row, column] pointNumber), the cell's axes and text.
    point = {"curveNumber": 0, "pointNumber": [1, 2], "x": "fib", "y": "A", "z": 0.5, "text": "50%<br>n=2"}
    assert click_filters({"points": [point]}, heatmap=True) == {"project": ("A",), "modality": ("fib",)}
    assert click_filters({"points": [{**point, "y": "(no project)"}]}, heatmap=True)["project"] == ()
    assert click_filters({"points": [{**point, "text": ""}]}, heatmap=True) is None  # a cell without assets
    assert click_filters({"points": [point]}) is None  # a bar chart's point needs its customdata
    click = {ids.OVERVIEW_CHART_HEATMAP: {"points": [point]}}
    assert next_query(ids.OVERVIEW_CHART_HEATMAP, AssetQuery(), [], click, None) == AssetQuery(
        project=("A",), modality=("fib",))


# -- components ----------------------------------------------------------------------------


def test_rendered_parts_for_each_state(store, dash_app):
    ok = rendered(_view(store))
    assert not ok["charts_hidden"] and not ok["grid_hidden"] and ok["body"] == []
    assert {c.id["status"] for c in find_by_id(ok["counts"], None, attr="data-count")} == {
        "total", "Pass", "Fail", "Pending", "No QC"}
    no_match = rendered(_view(store, text="zzz"))
    assert no_match["charts_hidden"] and not no_match["grid_hidden"]  # the grid keeps its filters on screen
    assert "No asset matches" in texts(html.Div(no_match["body"]))
    no_qc = rendered(_view(store, project=("Gamma",)))
    assert no_qc["charts_hidden"] and not no_qc["grid_hidden"]
    assert "has QC metrics yet" in texts(html.Div(no_qc["body"]))


def test_widget_values_and_chips():
    query = AssetQuery(project=("A",), acquired_from=date(2025, 1, 1), text="x", metric=("drift",),
                       metric_status=("Fail",), pending=True, source=("raw",))
    assert widget_values(query) == [["A"], [], [], [], [], "2025-01-01", None, "x"]
    labels = texts(html.Div(chips(query)))
    assert "metric drift (Fail)" in labels and "Pending" in labels and "raw" in labels


# -- the overview callback's logic ---------------------------------------------------------


def test_query_from_widgets_keeps_widgetless_filters():
    base = AssetQuery(metric=("drift",), project=("old",))
    query = query_from_widgets(base, [["A"], None, [], ["Fail"], [], "2025-01-02T00:00:00", "bad", "  x "])
    assert query == AssetQuery(project=("A",), status=("Fail",), acquired_from=date(2025, 1, 2), text="x",
                               metric=("drift",))


def test_next_query_for_each_trigger():
    current = AssetQuery(project=("A",), status=("Fail",), metric=("m",), metric_status=("Fail",), pending=True)
    assert next_query(ids.OVERVIEW_CLEAR, current, [], {}, None) == AssetQuery()
    assert next_query(ids.overview_count("Pending"), current, [], {}, None).status == ("Pending",)
    assert next_query(ids.overview_count("total"), current, [], {}, None).status == ()
    no_metric = next_query(ids.overview_chip("metric"), current, [], {}, None)
    assert no_metric.metric == () and no_metric.metric_status == () and no_metric.pending
    assert next_query(ids.overview_chip("pending"), current, [], {}, None).pending is False
    click = {ids.OVERVIEW_CHART_HEATMAP: {"points": [{"customdata": ["cell", "B", "fib"]}]}}
    assert next_query(ids.OVERVIEW_CHART_HEATMAP, current, [], click, None).modality == ("fib",)
    assert next_query(ids.OVERVIEW_CHART_PROJECT, current, [], {}, None) is None
    assert next_query(ids.OVERVIEW_GRID, current, [], {}, {}).project == ()


def test_updates_send_the_model_or_a_reload(settings):
    from portal import create_app

    app = create_app(settings)
    with app.server.test_request_context("/"):
        old, new = parse_query("?q=a"), ParsedQuery(AssetQuery(text="a", pending=True))
        # Only a widget-less filter changed: the grid keeps its model and is told to reload.
        out = updates(ids.OVERVIEW_SEARCH, old, new, 3, filter_model(old.query))
        assert out["search"] == "?q=a&pending=1" and out["grid_model"] is no_update and out["grid_refresh"] == 4
        assert out["widgets"] == [no_update] * 8
        # A grid filter changed elsewhere: the new model is sent (the grid reloads by itself).
        out = updates(ids.OVERVIEW_CHART_PROJECT, old, ParsedQuery(AssetQuery(project=("A",))), 3, {})
        assert out["grid_model"]["project"]["filter"] == "A" and out["grid_refresh"] is no_update
        assert out["widgets"][0] == ["A"]
        # A count card or a chip (dict ids) sets the widgets from the query.
        out = updates(ids.overview_count("Fail"), old, ParsedQuery(AssetQuery(status=("Fail",))), 0, {})
        assert out["search"] == "?status=Fail" and out["widgets"][3] == ["Fail"]
        out = updates(ids.overview_chip("pending"), new, old, 0, filter_model(old.query))
        assert out["search"] == "?q=a" and out["grid_refresh"] == 1
        # The back button: the URL is not rewritten.
        assert updates(ids.OVERVIEW_URL, new, new, 0, {})["search"] is no_update


def test_rows_callback_needs_a_request():
    from callbacks.grid import rows

    with pytest.raises(PreventUpdate):
        rows(None, "")


# -- CSV ------------------------------------------------------------------------------------


def test_csv_record_and_chunks():
    at = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    row = AssetRow("i", "+cmd", "P", "7", at, "raw", None, ("ecephys", "behavior"), "Fail",
                   {"ecephys": "Fail", "behavior": "Pass"}, 3, 1, 1, 1, "@ada", at, 1)
    values = csv_record(row)
    assert len(values) == len(COLUMNS)
    assert values[0] == "'+cmd" and values[11] == "'@ada"
    assert values[7] == "behavior: Pass; ecephys: Fail"
    text = "".join(csv_chunks([row] * 1201))
    assert text.count("\r\n") == 1202
