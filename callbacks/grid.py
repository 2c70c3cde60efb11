"""The overview's asset grid: rows page by page from the store, and the column chooser."""

from __future__ import annotations

import logging

import dash
from dash import ClientsideFunction, Input, Output, State, set_props
from dash.exceptions import PreventUpdate

from components import ids
from portal.context import current_portal
from portal.errors import PortalError
from portal.views.filters_url import parse_query
from portal.views.grid import apply_filter_model, page_request

log = logging.getLogger(__name__)


def rows(request: dict | None, search: str | None) -> dict:
    """The getRowsResponse for one getRowsRequest under the URL's filters."""
    if not request:
        raise PreventUpdate
    parsed = parse_query(search)
    query = apply_filter_model(parsed.query, request.get("filterModel"))
    try:
        return page_request(current_portal().store, query, request, grouped=parsed.grouped)
    except PortalError as exc:
        # An empty block keeps the grid usable; the banner says why there are no rows.
        log.warning("grid rows: %s", exc)
        set_props(ids.ERROR_BANNER, {"children": exc.message, "is_open": True})
        return {"rowData": [], "rowCount": 0}


def register(app: dash.Dash) -> None:
    """Register the grid's callbacks on `app`."""

    @app.callback(
        Output(ids.OVERVIEW_GRID, "getRowsResponse"),
        Input(ids.OVERVIEW_GRID, "getRowsRequest"),
        State(ids.OVERVIEW_URL, "search"),
        prevent_initial_call=True,
    )
    def get_rows(request, search):
        return rows(request, search)

    # In the browser (assets/overview.js): the column chooser's choice, as the columns' `hide`.
    app.clientside_callback(
        ClientsideFunction(namespace="overview", function_name="chooseColumns"),
        Output(ids.OVERVIEW_GRID, "columnDefs"),
        Input(ids.OVERVIEW_COLUMNS, "value"),
        State(ids.OVERVIEW_GRID, "columnDefs"),
    )
    # In the browser (assets/overview.js): the URL's sort, shown by the grid.
    app.clientside_callback(
        ClientsideFunction(namespace="overview", function_name="applySort"),
        Output(ids.OVERVIEW_GRID_SORT, "modified_timestamp"),
        Input(ids.OVERVIEW_GRID_SORT, "data"),
        State(ids.OVERVIEW_GRID, "id"),
    )
    # In the browser (assets/overview.js): fits the pinned asset column to the window.
    app.clientside_callback(
        ClientsideFunction(namespace="overview", function_name="setupGrid"),
        Output(ids.OVERVIEW_GRID_SETUP, "data"),
        Input(ids.OVERVIEW_GRID, "id"),
    )
