"""The overview page `/`: its layout function and the callback that keeps it in step.

The URL query is the single source of truth. One callback (`update`) takes every way
the filters can change — the page's own dcc.Location (back/forward), the filter
widgets, the count cards, the chips, a chart click, the grid's column filters — works
out the new AssetQuery, writes it to the URL (pushState, no page reload) and renders the
counts, charts and export link for it. Being one callback, it can both read and write
the widgets without a dependency cycle; when nothing changed it stops (PreventUpdate),
so the grid's echo of a filter model ends the round.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.charts import click_filters
from components.filter_bar import chips, widget_values
from components.overview import empty_parts, overview_page, rendered, with_selected
from components.shell import error_panel
from portal.context import current_portal
from portal.errors import PortalError
from portal.store.protocol import AssetQuery
from portal.views.filters_url import CONTAINS_KEYS, ParsedQuery, parse_query, search_of, sort_key
from portal.views.grid import apply_filter_model, filter_model
from portal.views.overview import FilterOptions, filter_options, matching_subjects, overview_view

log = logging.getLogger(__name__)

_WIDGETS = [
    (ids.OVERVIEW_PROJECT, "value"),
    (ids.OVERVIEW_MODALITY, "value"),
    (ids.OVERVIEW_SUBJECT, "value"),
    (ids.OVERVIEW_STATUS, "value"),
    (ids.OVERVIEW_LEVEL, "value"),
    (ids.OVERVIEW_DATES, "start_date"),
    (ids.OVERVIEW_DATES, "end_date"),
    (ids.OVERVIEW_SEARCH, "value"),
]
_CHARTS = (ids.OVERVIEW_CHART_PROJECT, ids.OVERVIEW_CHART_MODALITY, ids.OVERVIEW_CHART_HEATMAP)
# The parts of components.overview.rendered, in the order of the outputs below.
_PARTS = [
    ("notes", ids.OVERVIEW_NOTES, "children"),
    ("body", ids.OVERVIEW_BODY, "children"),
    ("counts", ids.OVERVIEW_COUNTS, "children"),
    ("charts_hidden", ids.OVERVIEW_CHARTS, "hidden"),
    ("project_figure", ids.OVERVIEW_CHART_PROJECT, "figure"),
    ("modality_figure", ids.OVERVIEW_CHART_MODALITY, "figure"),
    ("heatmap_figure", ids.OVERVIEW_CHART_HEATMAP, "figure"),
    ("project_links", ids.OVERVIEW_PROJECT_LINKS, "children"),
    ("grid_hidden", ids.OVERVIEW_GRID_WRAP, "hidden"),
    ("export_href", ids.OVERVIEW_EXPORT, "href"),
]


def layout(**params):
    """The overview for the filters (and the grid's sort) in the URL query, built per request."""
    parsed = parse_query(params)
    store = current_portal().store
    try:
        options = filter_options(store)
        view = overview_view(store, parsed)
    except PortalError as exc:
        log.warning("overview: %s", exc)
        return overview_page(parsed, FilterOptions([], [], [], 0), None, error_panel(exc.title, exc.message))
    return overview_page(parsed, options, view)


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def query_from_widgets(base: AssetQuery, values: list) -> AssetQuery:
    """`base` with the filter widgets' values (in _WIDGETS order); widget-less filters kept."""
    project, modality, subject, status, level, start, end, text = values
    return replace(
        base,
        project=tuple(project or ()),
        modality=tuple(modality or ()),
        subject=tuple(subject or ()),
        status=tuple(status or ()),
        level=tuple(level or ()),
        acquired_from=_day(start),
        acquired_to=_day(end),
        text=(text or "").strip(),
    )


def next_query(trigger, current: AssetQuery, widgets: list, clicks: dict, grid_model) -> AssetQuery | None:
    """The query a change asks for (None: the change asks for nothing)."""
    if trigger == ids.OVERVIEW_GRID:
        return apply_filter_model(current, grid_model)
    if trigger in _CHARTS:
        wanted = click_filters(clicks.get(trigger), heatmap=trigger == ids.OVERVIEW_CHART_HEATMAP)
        return replace(current, **wanted) if wanted else None
    if trigger == ids.OVERVIEW_CLEAR:
        return AssetQuery()
    if isinstance(trigger, dict) and trigger.get("type") == "overview-count":
        status = trigger["status"]
        return replace(current, status=() if status == "total" else (status,))
    if isinstance(trigger, dict) and trigger.get("type") == "overview-chip":
        key = trigger["key"]
        if key in CONTAINS_KEYS:
            field = CONTAINS_KEYS[key]
            return replace(current, contains=tuple(pair for pair in current.contains if pair[0] != field))
        removed = {"source": {"source": ()}, "pending": {"pending": False},
                   "metric": {"metric": (), "metric_status": ()}}.get(key)
        return replace(current, **removed) if removed else None
    return query_from_widgets(current, widgets)


def render(parsed: ParsedQuery) -> dict:
    """The rendered parts for a query, or the store's error in place of them."""
    try:
        return rendered(overview_view(current_portal().store, parsed))
    except PortalError as exc:
        log.warning("overview: %s", exc)
        return empty_parts(error_panel(exc.title, exc.message), parsed.query)


def register(app: dash.Dash) -> None:
    """Register the page and its callbacks on `app`."""
    dash.register_page("overview", path="/", title="QC Portal", name="Overview", layout=layout)

    widget_inputs = [Input(i, p) for i, p in _WIDGETS]

    @app.callback(
        output={
            "search": Output(ids.OVERVIEW_URL, "search"),
            "widgets": [Output(i, p) for i, p in _WIDGETS],
            "subject_options": Output(ids.OVERVIEW_SUBJECT, "options"),
            "options": [Output(ids.OVERVIEW_PROJECT, "options"), Output(ids.OVERVIEW_MODALITY, "options")],
            "chips": Output(ids.OVERVIEW_CHIPS, "children"),
            "parts": [Output(i, p) for _, i, p in _PARTS],
            "grid_model": Output(ids.OVERVIEW_GRID, "filterModel"),
            "grid_refresh": Output(ids.OVERVIEW_GRID_REFRESH, "data"),
            "grid_sort": Output(ids.OVERVIEW_GRID_SORT, "data"),
            "group": Output(ids.OVERVIEW_GROUP, "value"),
            "clicks": [Output(c, "clickData") for c in _CHARTS],
        },
        inputs={
            "search": Input(ids.OVERVIEW_URL, "search"),
            "widgets": widget_inputs,
            "clear": Input(ids.OVERVIEW_CLEAR, "n_clicks"),
            "counts": Input(ids.overview_count(ALL), "n_clicks"),
            "chip_clicks": Input(ids.overview_chip(ALL), "n_clicks"),
            "clicks": [Input(c, "clickData") for c in _CHARTS],
            "grid_model": Input(ids.OVERVIEW_GRID, "filterModel"),
            "sort_chosen": Input(ids.OVERVIEW_SORT_CHOSEN, "data"),
            "group": Input(ids.OVERVIEW_GROUP, "value"),
            "options": [State(ids.OVERVIEW_PROJECT, "options"), State(ids.OVERVIEW_MODALITY, "options")],
            "refresh": State(ids.OVERVIEW_GRID_REFRESH, "data"),
            "pathname": State(ids.OVERVIEW_URL, "pathname"),
        },
        prevent_initial_call=True,
    )
    def update(search, widgets, clear, counts, chip_clicks, clicks, grid_model, sort_chosen, group, options,
               refresh, pathname):
        trigger = ctx.triggered_id
        if trigger is None or (isinstance(trigger, dict) and not ctx.triggered[0]["value"]):
            raise PreventUpdate  # a count card or chip appearing, not a click
        if pathname is not None and app.strip_relative_path(pathname) not in ("", None):
            raise PreventUpdate  # the browser is leaving for another page
        current = parse_query(search)
        if trigger == ids.OVERVIEW_SORT_CHOSEN:
            return sorted_by(current, sort_chosen)
        if trigger == ids.OVERVIEW_GROUP:
            return grouped_by(current, bool(group), refresh)
        if trigger == ids.OVERVIEW_URL:
            parsed = current  # back / forward: show what the URL says
        else:
            wanted = next_query(trigger, current.query, widgets, dict(zip(_CHARTS, clicks, strict=True)), grid_model)
            if wanted is None or wanted == current.query:
                raise PreventUpdate
            parsed = replace(current, query=wanted, notes=())
        return updates(trigger, current, parsed, refresh, grid_model, options)
    @app.callback(
        Output(ids.OVERVIEW_SUBJECT, "options", allow_duplicate=True),
        Input(ids.OVERVIEW_SUBJECT, "search_value"),
        State(ids.OVERVIEW_SUBJECT, "value"),
        prevent_initial_call=True,
    )
    def search_subjects(text, selected):
        if not text:
            raise PreventUpdate
        return matching_subjects(current_portal().store, text, tuple(selected or ()))

    # Runs in the browser (assets/overview.js): purges the grid's row cache so it asks for
    # rows again. Its output is a placeholder; the function always returns no_update.
    app.clientside_callback(
        ClientsideFunction(namespace="overview", function_name="reloadGrid"),
        Output(ids.OVERVIEW_GRID_REFRESH, "modified_timestamp"),
        Input(ids.OVERVIEW_GRID_REFRESH, "data"),
        State(ids.OVERVIEW_GRID, "id"),
        prevent_initial_call=True,
    )


def _nothing() -> dict:
    """`update`'s outputs, all left as they are."""
    return {"search": no_update, "widgets": [no_update] * len(_WIDGETS), "subject_options": no_update,
            "options": [no_update, no_update], "chips": no_update, "parts": [no_update] * len(_PARTS),
            "grid_model": no_update, "grid_refresh": no_update, "grid_sort": no_update, "group": no_update,
            "clicks": [no_update] * len(_CHARTS)}


def sorted_by(current: ParsedQuery, chosen) -> dict:
    """A header click sorted the grid (`chosen`: {"sort": "-pending"}): only the URL follows
    (the grid has already asked for its rows in the new order; nothing else depends on it)."""
    parsed = parse_query({"sort": chosen.get("sort")}) if isinstance(chosen, dict) else None
    if parsed is None or parsed.notes or parsed.sort == current.sort:
        raise PreventUpdate  # nothing new, or not a sort this portal knows
    sort = parsed.sort
    return {**_nothing(), "search": search_of(replace(current, sort=sort, notes=())), "grid_sort": sort_key(sort)}


def grouped_by(current: ParsedQuery, grouped: bool, refresh: int | None) -> dict:
    """The grouping switch moved: the URL follows and the grid asks for its rows again (in
    the new order); the counts and charts do not depend on it."""
    if grouped == current.grouped:
        raise PreventUpdate
    return {**_nothing(), "search": search_of(replace(current, grouped=grouped, notes=())),
            "grid_refresh": (refresh or 0) + 1}


def updates(trigger, current: ParsedQuery, parsed: ParsedQuery, refresh: int | None, grid_model=None,
            options=None) -> dict:
    """Every output of `update` for the new view `parsed` (the URL held `current`).

    The grid reloads by itself when its filter model changes (the user's own edit, or a
    new model sent from here); otherwise, when the URL changed, it is told to reload.
    `options` are the project and modality dropdowns' options: a selected value they
    lack is added, so the dropdown shows it rather than dropping it.
    """
    query = parsed.query
    from_url, from_grid = trigger == ids.OVERVIEW_URL, trigger == ids.OVERVIEW_GRID
    from_widget = isinstance(trigger, str) and trigger in {i for i, _ in _WIDGETS}
    model = filter_model(query)
    shown = apply_filter_model(AssetQuery(), grid_model or {})
    send_model = not from_grid and shown != apply_filter_model(AssetQuery(), model)
    reload = not (from_grid or send_model)
    parts = render(parsed)
    project_options, modality_options = options or (None, None)
    return {
        "search": no_update if from_url else search_of(parsed),
        "widgets": [no_update] * len(_WIDGETS) if from_widget else widget_values(query),
        "subject_options": no_update if from_widget else list(query.subject),
        "options": [_options(project_options, query.project), _options(modality_options, query.modality)],
        "chips": chips(query),
        "parts": [parts[key] for key, _, _ in _PARTS],
        "grid_model": model if send_model else no_update,
        "grid_refresh": (refresh or 0) + 1 if reload else no_update,
        "grid_sort": sort_key(parsed.sort) if from_url else no_update,
        "group": parsed.grouped if from_url else no_update,
        "clicks": [None if trigger == chart else no_update for chart in _CHARTS],
    }


def _options(options, selected: tuple[str, ...]):
    """A dropdown's options with the selected values it lacks added (no_update when none is missing)."""
    if options is None or all(value in options for value in selected):
        return no_update
    return with_selected(list(options), selected)
