"""The overview page: filter bar, headline counts, charts and the asset grid (no I/O).

`overview_page` is the frame (built once per visit); `rendered` gives the parts a
filter change updates, for one OverviewView, including the empty states.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.charts import attention_heatmap, status_bars
from components.filter_bar import filter_bar
from components.grid import asset_grid, column_chooser
from components.status import STATUS_COLORS
from portal.qc.types import UNREADABLE
from portal.store.protocol import AssetQuery
from portal.views.filters_url import EXPORT_PATH, ParsedQuery, search_of, sort_key, to_search
from portal.views.overview import NO_PROJECT, STATUS_ORDER, FilterOptions, OverviewView

_GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"], "responsive": True}


def export_href(query: AssetQuery) -> str:
    """The CSV export link of a filtered view (the grid's columns, in the default order)."""
    return dash.get_relative_path(EXPORT_PATH) + to_search(query)


def project_href(project: str) -> str:
    """The project summary page of a project (the name URL-encoded)."""
    return dash.get_relative_path("/project/" + quote(project, safe=""))


def overview_page(parsed: ParsedQuery, options: FilterOptions, view: OverviewView | None,
                  message=None) -> html.Div:
    """The page frame: its own URL location, filters, counts, charts and the grid.

    `view` None means the store could not be read; `message` is then shown instead.
    Every part a filter change updates is always in the layout (hidden when empty), so
    the callbacks never target a missing component.
    """
    query = parsed.query
    search = search_of(parsed)
    parts = rendered(view) if view is not None else empty_parts(message, query)
    return html.Div(
        [
            # The page's own location: pushState without re-rendering the page (refresh=False).
            dcc.Location(id=ids.OVERVIEW_URL, refresh=False, search=search),
            dcc.Store(id=ids.OVERVIEW_GRID_REFRESH, data=0),
            dcc.Store(id=ids.OVERVIEW_GRID_SETUP),
            # The URL's sort, applied to the grid over what the browser kept (assets/overview.js).
            dcc.Store(id=ids.OVERVIEW_GRID_SORT, data=sort_key(parsed.sort)),
            dcc.Store(id=ids.OVERVIEW_SORT_CHOSEN),  # set by assets/overview.js when a header is clicked
            html.Div(
                [
                    html.H2("Quality control overview", className="h4 me-auto mb-0"),
                    html.A("Export CSV", id=ids.OVERVIEW_EXPORT, href=export_href(query), download="",
                           className="btn btn-outline-primary btn-sm", title="All assets matching the filters"),
                ],
                className="d-flex align-items-center mb-2 gap-2",
            ),
            filter_bar(query, _with_selected(options, query)),
            html.Div(parts["notes"], id=ids.OVERVIEW_NOTES),
            html.Div(parts["body"], id=ids.OVERVIEW_BODY),
            html.Div(parts["counts"], id=ids.OVERVIEW_COUNTS),
            html.Div(charts(parts), id=ids.OVERVIEW_CHARTS, hidden=parts["charts_hidden"]),
            html.Div(
                dbc.Card(
                    [
                        dbc.CardHeader(
                            html.Div([html.Span("Assets", className="fw-semibold me-auto"),
                                      group_switch(parsed.grouped), column_chooser()],
                                     className="d-flex align-items-center gap-3")
                        ),
                        dbc.CardBody(asset_grid(query, parsed.sort), className="p-0"),
                    ],
                    className="mb-4",
                ),
                id=ids.OVERVIEW_GRID_WRAP,
                hidden=parts["grid_hidden"],
            ),
        ],
        className="overview-page",
    )


def group_switch(grouped: bool) -> html.Div:
    """"Group derived under raw": each raw asset's derived assets listed right under it."""
    return html.Div(dbc.Switch(id=ids.OVERVIEW_GROUP, label="Group derived under raw", value=grouped,
                               className="small mb-0"),
                    className="group-derived", title="List each derived asset right under the raw asset it was "
                                                     "made from")


def rendered(view: OverviewView) -> dict:
    """Everything a filter change updates, for one view (keys match callbacks.overview's outputs)."""
    has_charts = view.state == "ok" and not view.without_qc
    return {
        "notes": notes(view.notes),
        "body": overview_body(view),
        "counts": count_cards(view) if view.state == "ok" else [],
        "charts_hidden": not has_charts,
        "project_figure": status_bars(view.projects, dimension="project") if has_charts else _EMPTY,
        "modality_figure": status_bars(view.modalities, dimension="modality") if has_charts else _EMPTY,
        "heatmap_figure": attention_heatmap(view.cells) if has_charts else _EMPTY,
        "project_links": project_links(view),
        # A filter matching nothing keeps the grid on the page: its column filters still
        # show what was typed, the page stays where it was, and the grid says "no asset".
        "grid_hidden": view.state == "empty",
        "export_href": export_href(view.query),
    }


def _with_selected(options: FilterOptions, query: AssetQuery) -> FilterOptions:
    """The dropdowns' options with the selected values added: a value the store does not
    hold (typed into a column filter) stays shown and selected, never silently dropped."""
    return replace(options, project=with_selected(options.project, query.project),
                   modality=with_selected(options.modality, query.modality))


def with_selected(options: list, selected) -> list:
    """`options` followed by each selected value it lacks."""
    return [*options, *(value for value in selected if value not in options)]


def empty_parts(message, query: AssetQuery) -> dict:
    """The parts when the store could not be read: only the message shows."""
    return {"notes": [], "body": message, "counts": [], "charts_hidden": True, "project_figure": _EMPTY,
            "modality_figure": _EMPTY, "heatmap_figure": _EMPTY, "project_links": [], "grid_hidden": True,
            "export_href": export_href(query)}


_EMPTY: dict = {"data": [], "layout": {}}


def notes(items: tuple[str, ...]) -> list:
    """What the URL held that could not be used, as a small warning (nothing when all is well)."""
    if not items:
        return []
    return [dbc.Alert([html.Strong("Some filters were ignored. "), " ".join(items)], color="warning",
                      className="py-2 small mb-2")]


def overview_body(view: OverviewView) -> list:
    """The message of an empty state (no assets, no match, no QC), or nothing."""
    if view.state == "empty":
        return [_state("empty", dbc.Alert(
            [html.H4("No assets yet", className="alert-heading"),
             html.P(["Load some with ", html.Code("qc-portal ingest PATH"), " or try ", html.Code("qc-portal demo"),
                     "."], className="mb-0")],
            color="info",
        ))]
    if view.state == "no_match":
        return [_state("no_match", dbc.Alert(
            [html.H4("No asset matches these filters", className="alert-heading"),
             html.P("Loosen a filter, or use \u201cClear filters\u201d above.", className="mb-0")],
            color="secondary",
        ))]
    if view.without_qc:
        return [_state("no_qc", dbc.Alert(
            f"None of these {view.total:,} assets has QC metrics yet: there is nothing to chart.",
            color="info", className="py-2",
        ))]
    return []


def _state(name: str, alert) -> html.Div:
    return html.Div(alert, className="empty-state", **{"data-state": name})


def count_cards(view: OverviewView) -> dbc.Row:
    """Assets, Pass, Fail, Pending, No QC (and Unreadable when there are any): each a filter button."""
    statuses = [s for s in STATUS_ORDER if s != UNREADABLE or view.by_status[UNREADABLE]]
    cards = [_card("Assets", view.total, "#343a40", "total", view)]
    cards += [_card(status, view.by_status[status], STATUS_COLORS[status], status, view) for status in statuses]
    return dbc.Row([dbc.Col(card, xs=6, md=4, lg=2) for card in cards], className="g-2 mb-3 count-cards")


def _card(label: str, n: int, color: str, key: str, view: OverviewView) -> html.Button:
    share = "" if key == "total" or not view.total else f"{n / view.total:.0%}"
    active = key in view.query.status
    return html.Button(
        [html.Div(label, className="text-muted small"),
         html.Div([html.Span(f"{n:,}", className="fs-4 fw-bold me-2"),
                   html.Span(share, className="small text-muted")])],
        id=ids.overview_count(key),
        className="count-card card text-start w-100" + (" active" if active else ""),
        style={"borderLeft": f"6px solid {color}"},
        title="Show all statuses" if key == "total" else f"Show only {label}",
        **{"data-count": key},
    )


def project_links(view: OverviewView) -> list:
    """Links to the summary page of each project in the view."""
    links = [html.A(name, href=project_href(name), className="me-2 project-summary-link")
             for name, _ in view.projects if name != NO_PROJECT]
    return ["Project summaries: ", *links] if links else []


def charts(parts: dict) -> dbc.Row:
    """Project x status and modality x status bars, and the project x modality heat map."""
    return dbc.Row(
        [
            dbc.Col(_chart_card("Assets by project and QC status", dcc.Graph(
                id=ids.OVERVIEW_CHART_PROJECT, figure=parts["project_figure"], config=_GRAPH_CONFIG),
                footer=html.Div(parts["project_links"], id=ids.OVERVIEW_PROJECT_LINKS)), lg=6),
            dbc.Col(_chart_card("Assets by modality and that modality's QC status", dcc.Graph(
                id=ids.OVERVIEW_CHART_MODALITY, figure=parts["modality_figure"], config=_GRAPH_CONFIG)), lg=6),
            dbc.Col(_chart_card("Share of assets (with QC) failing or pending, by project and modality", dcc.Graph(
                id=ids.OVERVIEW_CHART_HEATMAP, figure=parts["heatmap_figure"], config=_GRAPH_CONFIG)), lg=12),
        ],
        className="g-3 mb-3",
    )


def _chart_card(title: str, graph, footer=None) -> dbc.Card:
    parts = [dbc.CardHeader(title, className="small fw-semibold"), dbc.CardBody(graph, className="p-1")]
    if footer is not None:
        parts.append(dbc.CardFooter(footer, className="small"))
    return dbc.Card(parts, className="h-100")
