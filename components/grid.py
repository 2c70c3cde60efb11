"""The overview's asset grid (dash-ag-grid, infinite row model): columns and component.

Rows come from callbacks.grid page by page; sorting and filtering happen in the store.
Cell renderers (assets/dashAgGridComponentFunctions.js) build links and status pills
from text nodes only, never HTML from data. Column widths, order and visibility persist
per browser (`columnState` in local storage, and the column chooser's choice); the sort
is the URL's (`sort=`), applied over what the browser kept (assets/overview.js).
"""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.status import STATUS_COLORS
from portal.store.protocol import SORTABLE, AssetQuery, Sort
from portal.views.filters_url import DEFAULT_SORT
from portal.views.grid import FILTER_FIELDS, MAX_CONDITIONS, filter_model

# "contains" (any case) first: what a reviewer types; "equals" shows the filter bar's values.
_TEXT = {"filter": "agTextColumnFilter",
         "filterParams": {"filterOptions": ["contains", "equals"], "defaultOption": "contains",
                          "defaultJoinOperator": "OR", "maxNumConditions": MAX_CONDITIONS,
                          "buttons": ["reset", "apply"], "closeOnApply": True}}
_UTC_MINUTES = {"function": "params.value ? params.value.slice(0, 16).replace('T', ' ') : ''"}

# (field, header, extra column options); every field is a grid field id of the issue.
# Default widths fit the columns a reviewer needs (asset, project, acquisition, status,
# per modality, Pending, Fail, last review, raw source) in a 1280 px window; the
# flexible ones share what a wider window adds. Subject, modalities and level are one
# click away in "Columns" (the subject is in AIND asset names; the raw source column
# tells a derived asset from a raw one).
NAME_WIDTH = 270  # a wider window widens it (assets/overview.js: fitNameColumn), until the user sets one
_COLUMNS = [
    ("name", "Asset", {"cellRenderer": "AssetLink", "pinned": "left", "width": NAME_WIDTH, "minWidth": 160,
                       "filter": "agTextColumnFilter",
                       "filterParams": {"filterOptions": ["contains"], "maxNumConditions": 1,
                                        "buttons": ["reset", "apply"], "closeOnApply": True}}),
    ("project", "Project", {"cellRenderer": "ProjectLink", "flex": 1, "minWidth": 125, **_TEXT}),
    ("subject_id", "Subject", {"width": 100, **_TEXT}),
    ("modalities", "Modalities", {"width": 150, **_TEXT}),
    ("acquired", "Acquired", {"width": 136, "minWidth": 130, "valueFormatter": _UTC_MINUTES,
                              "headerTooltip": "Acquisition time (UTC)", "filter": "agDateColumnFilter",
                              "filterParams": {"filterOptions": ["equals", "greaterThan", "lessThan", "inRange"],
                                               "inRangeInclusive": True, "maxNumConditions": 1,
                                               "buttons": ["reset", "apply"], "closeOnApply": True}}),
    ("level", "Level", {"width": 90, **_TEXT}),
    ("status", "Status", {"cellRenderer": "StatusPill", "width": 88, "minWidth": 80, "headerTooltip": "QC status",
                         **_TEXT}),
    ("modality_status", "Per modality", {"cellRenderer": "ModalityStatus", "flex": 1, "minWidth": 164,
                                         "headerTooltip": "QC status per modality, failing and pending first"}),
    ("pending", "Pending", {"width": 86, "minWidth": 84, "type": "numericColumn", "headerTooltip": "Pending metrics"}),
    ("fail", "Fail", {"width": 58, "minWidth": 54, "type": "numericColumn", "headerTooltip": "Failing metrics"}),
    ("last_review", "Last review", {"cellRenderer": "Review", "flex": 1, "minWidth": 136,
                                    "headerTooltip": "Who set a status last, and when (UTC)"}),
    ("source", "Raw source", {"cellRenderer": "SourceCell", "flex": 1, "minWidth": 170,
                              "headerTooltip": "A derived asset: the raw asset it was made from. A raw asset: "
                                               "its derived assets.", **_TEXT}),
]
HIDEABLE = [(field, header) for field, header, _ in _COLUMNS if field != "name"]
HIDDEN_BY_DEFAULT = ("subject_id", "modalities", "level")
DEFAULT_VISIBLE = [field for field, _ in HIDEABLE if field not in HIDDEN_BY_DEFAULT]


def _initial(options: dict) -> dict:
    """`width` and `flex` as `initialWidth` and `initialFlex`: ag-grid applies those when it makes
    a column only. It applies `width` and `flex` again at every new columnDefs, and the column
    chooser's (callbacks.grid) can come after the grid has applied the widths the browser kept."""
    renamed = {"width": "initialWidth", "flex": "initialFlex"}
    return {renamed.get(key, key): value for key, value in options.items()}


def column_defs(visible: list[str] | None = None, sort: Sort | None = None) -> list[dict]:
    """Column definitions; columns not in `visible` are hidden (the asset name always shows).

    `sort` (the URL's) becomes its column's initialSort: applied when the grid is made.
    """
    shown = set(DEFAULT_VISIBLE if visible is None else visible) | {"name"}
    asset_base = dash.get_relative_path("/asset/")
    project_base = dash.get_relative_path("/project/")
    defs = []
    for field, header, extra in _COLUMNS:
        column = {"field": field, "colId": field, "headerName": header, "sortable": field in SORTABLE,
                  "filter": False, "hide": field not in shown, **_initial(extra)}
        if field not in FILTER_FIELDS:
            column["filter"] = False
        if sort is not None and sort.field == field:
            column["initialSort"] = "desc" if sort.descending else "asc"
        renderer = column.get("cellRenderer")
        if renderer in ("AssetLink", "SourceCell"):
            column["cellRendererParams"] = {"base": asset_base, "overview": dash.get_relative_path("/")}
        elif renderer == "ProjectLink":
            column["cellRendererParams"] = {"base": project_base}
        elif renderer in ("StatusPill", "ModalityStatus"):
            column["cellRendererParams"] = {"colors": STATUS_COLORS}
        defs.append(column)
    return defs


def asset_grid(query: AssetQuery, sort: Sort = DEFAULT_SORT) -> dag.AgGrid:
    """The grid; its first rows are requested by the browser as soon as it mounts, with the
    URL's filters and sort."""
    return dag.AgGrid(
        id=ids.OVERVIEW_GRID,
        columnDefs=column_defs(sort=sort),
        defaultColDef={"resizable": True, "suppressHeaderMenuButton": False},
        rowModelType="infinite",
        getRowId="params.data.id",
        dashGridOptions={
            "cacheBlockSize": 100,
            "maxBlocksInCache": 20,
            "infiniteInitialRowCount": 100,
            "rowBuffer": 20,
            "animateRows": False,
            "tooltipShowDelay": 300,
            # Filters and sort of the URL, applied before the first rows are asked for.
            # Filters of the URL, applied before the first rows are asked for (the sort is the
            # columns' initialSort: a sort in initialState would reset pinning, widths and
            # visibility it does not also give).
            "initialState": {"filter": {"filterModel": filter_model(query)}},
            "localeText": {"noRowsToShow": "No asset matches these filters.",
                           "noMatchingRows": "No asset matches these filters."},
        },
        persistence=True,
        persisted_props=["columnState"],
        persistence_type="local",
        style={"height": "620px"},
        className="asset-grid",
    )


def column_chooser() -> html.Div:
    """A "Columns" button with a checklist of the hideable columns (persisted in the browser)."""
    return html.Div(
        [
            dbc.Button("Columns", id=ids.OVERVIEW_COLUMNS_TOGGLE, color="secondary", outline=True, size="sm"),
            dbc.Popover(
                dbc.PopoverBody(dbc.Checklist(
                    id=ids.OVERVIEW_COLUMNS,
                    options=[{"label": header, "value": field} for field, header in HIDEABLE],
                    value=DEFAULT_VISIBLE,
                    persistence=True,
                    persistence_type="local",
                )),
                target=ids.OVERVIEW_COLUMNS_TOGGLE,
                trigger="legacy",
                placement="bottom-end",
            ),
        ],
        className="d-inline-block",
    )
