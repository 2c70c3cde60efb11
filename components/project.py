"""The project summary page `/project/<name>`, rendered from a ProjectView (no I/O)."""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.charts import weekly_bars
from components.lite import el
from components.overview import export_href
from components.project_completeness import completeness_section
from components.project_metrics import by_instrument_section, metrics_section
from components.project_settings.page import settings_href
from components.project_trends import qc_time_section, trend_stub, trends_section
from components.status import STATUS_COLORS, status_badge, status_pill
from portal.qc.types import FAIL, PASS, PENDING
from portal.store.protocol import AssetQuery
from portal.views.filters_url import to_search
from portal.views.overview import STATUS_ORDER
from portal.views.project import ProjectView, worst_status


def _overview_href(query: AssetQuery) -> str:
    return dash.get_relative_path("/") + to_search(query)


def _asset_href(name: str) -> str:
    return dash.get_relative_path("/asset/" + quote(name, safe=""))


def project_page(view: ProjectView) -> html.Div:
    """The whole page for one project (or a message when it has no assets)."""
    grid = AssetQuery(project=(view.project,))
    header = html.Div(
        [
            html.Div([html.A("Overview", href=dash.get_relative_path("/")), " / project"],
                     className="small text-muted"),
            html.Div(
                [html.H2(view.project, className="h4 mb-0 me-auto"),
                 dbc.Button("Open in the asset grid", href=_overview_href(grid), color="primary", size="sm",
                            outline=True, external_link=False),
                 html.A("Export CSV", href=export_href(grid), download="",
                        className="btn btn-outline-secondary btn-sm"),
                 html.A("Settings", href=settings_href(view.project), id=ids.SETTINGS_LINK,
                        className="btn btn-outline-secondary btn-sm")],
                className="d-flex align-items-center gap-2",
            ),
        ],
        className="mb-3",
    )
    if view.total == 0:
        body = [html.Div(dbc.Alert(f"No asset belongs to the project \u201c{view.project}\u201d.",
                                   color="secondary"), **{"data-state": "empty"}), trend_stub()]
    else:
        body = [
            _totals(view),
            dbc.Row(
                [
                    dbc.Col(_card("Status per modality and stage (assets)", _stage_table(view)), lg=6),
                    dbc.Col(_card("QC status by acquisition week", _weekly(view)), lg=6),
                ],
                className="g-3 mb-3",
            ),
            metrics_section(view),
            dbc.Row([dbc.Col(trends_section(view), lg=7), dbc.Col(qc_time_section(view), lg=5)],
                    className="g-3 mb-3"),
            by_instrument_section(view),
            completeness_section(view),
            dbc.Row(
                [
                    dbc.Col(_card("Subjects x modalities (assets per status)", _subject_matrix(view)), lg=6),
                    dbc.Col(_card("Assets with Pending metrics, oldest first", _pending_list(view)), lg=6),
                ],
                className="g-3 mb-4",
            ),
        ]
    return html.Div([header, *body], id=ids.PROJECT_PAGE, **{"data-project": view.project})


def _card(title: str, content, class_name: str = "h-100") -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title, className="small fw-semibold"), dbc.CardBody(content, className="p-2")],
                    className=class_name)


def _totals(view: ProjectView) -> html.Div:
    items = [html.Span([html.Strong(f"{view.total:,}"), " assets"], className="me-3", **{"data-count": "total"})]
    for status in STATUS_ORDER:
        n = view.by_status[status]
        if n or status in (PASS, FAIL, PENDING):
            items.append(html.Span([status_badge(status), f" {n:,}"], className="me-3", **{"data-count": status}))
    return html.Div(items, className="mb-3 project-totals")


def stacked_bar(counts: dict[str, int]) -> html.Div:
    """A thin horizontal bar split by status (widths proportional), with the counts as text."""
    total = sum(counts.values())
    segments = [
        html.Div(style={"width": f"{100 * counts[s] / total:.2f}%", "backgroundColor": STATUS_COLORS[s]},
                 title=f"{s}: {counts[s]:,}")
        for s in STATUS_ORDER if counts.get(s)
    ]
    label = " · ".join(f"{counts[s]:,} {s}" for s in STATUS_ORDER if counts.get(s))
    return html.Div([html.Div(segments, className="mini-bar"), html.Div(label, className="mini-bar-label")])


def _stage_table(view: ProjectView):
    if not view.stage_cells:
        return html.P("No metrics yet.", className="text-muted small mb-0")
    head = html.Thead(html.Tr([html.Th("Modality"), *[html.Th(stage) for stage in view.stages]]))
    rows = []
    for modality in sorted({m for m, _ in view.stage_cells}):
        cells = [html.Td(modality, className="fw-semibold")]
        for stage in view.stages:
            counts = view.stage_cells.get((modality, stage))
            cells.append(html.Td(stacked_bar(counts) if counts else ""))
        rows.append(html.Tr(cells))
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-0 stage-table", responsive=True)


def _weekly(view: ProjectView):
    if not view.weeks:
        return html.P("No acquisition dates.", className="text-muted small mb-0")
    note = [html.P(f"{view.undated:,} assets without an acquisition time are not shown.",
                   className="small text-muted mb-0")] if view.undated else []
    return [dcc.Graph(figure=weekly_bars(view.weeks), config={"displaylogo": False, "responsive": True}), *note]


def _subject_matrix(view: ProjectView):
    if not view.subjects:
        return html.P("No subjects.", className="text-muted small mb-0")
    head = html.Thead(html.Tr([html.Th("Subject"), *[html.Th(m) for m in view.modalities]]))
    rows = []  # lite elements (components/lite.py): 60 subjects x the modalities
    for row in view.subjects:
        cells = [el("Td", el("A", row.subject, href=_overview_href(AssetQuery(project=(view.project,),
                                                                             subject=(row.subject,)))))]
        for modality in view.modalities:
            counts = row.cells.get(modality)
            if not counts:
                cells.append(el("Td", ""))
                continue
            detail = ", ".join(f"{counts[s]} {s}" for s in STATUS_ORDER if counts.get(s))
            worst = worst_status(counts)
            cells.append(el("Td", status_counts(counts), title=f"{row.subject} · {modality}: {detail}",
                            className="status-counts",
                            style={"boxShadow": f"inset 3px 0 0 {STATUS_COLORS.get(worst, '#6c757d')}"},
                            **{"data-worst": worst}))
        rows.append(el("Tr", cells))
    text = "P Pass, F Fail, ? Pending, – No QC, ! Unreadable: assets per status; the bar on the left is the worst."
    if view.subject_total > len(view.subjects):
        text += f" {len(view.subjects)} of {view.subject_total} subjects, the most urgent first."
    note = [html.P(text, className="small text-muted mb-0")]
    return [html.Div(dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-1 subject-matrix"),
                     className="matrix-scroll"), *note]


_LETTER = {PASS: "P", FAIL: "F", PENDING: "?", "No QC": "–", "Unreadable": "!"}


def status_counts(counts: dict[str, int]) -> str:
    """Assets per status as a short text with a letter each ("3P 1F 2?"; the cell's left bar shows
    the worst: one string, not a component per status, for a matrix of hundreds of cells)."""
    return " ".join(f"{counts[s]}{_LETTER.get(s, s[:1])}" for s in STATUS_ORDER if counts.get(s))


def _pending_list(view: ProjectView):
    if not view.pending_assets:
        return html.P("No asset has Pending metrics.", className="text-muted small mb-0")
    head = html.Thead(html.Tr([html.Th("Asset"), html.Th("Acquired"), html.Th("Pending"), html.Th("Status")]))
    rows = [  # lite elements (components/lite.py): 50 rows
        el("Tr", [
            el("Td", el("A", row.name, href=_asset_href(row.name), className="asset-link")),
            el("Td", row.acquired.strftime("%Y-%m-%d") if row.acquired else "–", className="text-nowrap"),
            el("Td", f"{row.pending}", className="text-end"),
            el("Td", status_pill(row.status)),
        ])
        for row in view.pending_assets
    ]
    all_pending = AssetQuery(project=(view.project,), pending=True)
    footer = html.A(f"All {view.pending_total:,} in the asset grid", href=_overview_href(all_pending),
                    className="small")
    return [html.Div(dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, className="mb-1 pending-table"),
                     className="matrix-scroll"), footer]
