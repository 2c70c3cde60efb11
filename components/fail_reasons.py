"""The project page's "Top fail reasons" section (its own component: the page is rebuilt elsewhere)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def fail_reasons_section(top: list[tuple[str, int]]) -> html.Div | None:
    """The project's most given fail reasons with their counts of Fail entries; None when none was given."""
    if not top:
        return None
    rows = [html.Tr([html.Td(reason, className="reason-name"), html.Td(str(n), className="text-end reason-count")],
                    className="top-reason", **{"data-reason": reason, "data-count": str(n)})
            for reason, n in top]
    table = dbc.Table([html.Thead(html.Tr([html.Th("Reason"), html.Th("Fail entries", className="text-end")])),
                       html.Tbody(rows)], size="sm", className="small mb-0")
    return dbc.Card([dbc.CardHeader("Top fail reasons"), dbc.CardBody(table)], className="mt-3 top-fail-reasons",
                    id="project-top-fail-reasons")
