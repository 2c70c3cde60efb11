"""The landing page: headline counts per status and a project x modality table."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.status import STATUS_COLORS, status_badge
from portal.views import STATUS_ORDER, HomeView


def home_page(body) -> html.Div:
    """The page frame: a heading, a refresh button and the body (counts or an error)."""
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Quality control overview", className="me-auto"),
                    dbc.Button("Refresh", id=ids.HOME_REFRESH, color="secondary", outline=True, size="sm"),
                ],
                className="d-flex align-items-center mb-3",
            ),
            html.Div(body, id=ids.HOME_BODY),
        ]
    )


def home_body(view: HomeView):
    """Counts cards and the project x modality table for a HomeView."""
    if view.total == 0:
        return dbc.Alert(
            [
                html.H4("No assets yet", className="alert-heading"),
                html.P(["Load some with ", html.Code("qc-portal ingest PATH"), " or try ",
                        html.Code("qc-portal demo"), "."]),
            ],
            color="info",
        )
    return html.Div([_count_cards(view), _count_table(view)])


def _count_cards(view: HomeView) -> dbc.Row:
    cards = [_card("Assets", view.total, "#343a40", "total")]
    cards += [_card(status, view.by_status[status], STATUS_COLORS[status], status) for status in STATUS_ORDER]
    return dbc.Row([dbc.Col(card, xs=6, md=2) for card in cards], className="g-2 mb-4")


def _card(label: str, n: int, color: str, key: str) -> html.Div:
    return html.Div(
        dbc.Card(
            dbc.CardBody(
                [html.Div(label, className="text-muted small"), html.Div(f"{n:,}", className="fs-3 fw-bold")]
            ),
            style={"borderLeft": f"6px solid {color}"},
        ),
        **{"data-count": key},
    )


def _count_table(view: HomeView) -> dbc.Table:
    header = html.Thead(html.Tr([html.Th("Project"), html.Th("Modality")] + [html.Th(s) for s in STATUS_ORDER]))
    rows = []
    for project, modality, counts in view.cells:
        cells = [html.Td(project), html.Td(modality)]
        for status in STATUS_ORDER:
            n = counts.get(status, 0)
            cells.append(html.Td(status_badge(status, label=f"{n:,}") if n else ""))
        rows.append(html.Tr(cells))
    return dbc.Table([header, html.Tbody(rows)], bordered=False, hover=True, size="sm", responsive=True,
                     className="count-table")
