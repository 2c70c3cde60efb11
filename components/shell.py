"""The page frame: navbar, error banner and the page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids


def navbar() -> dbc.Navbar:
    """The top bar with the portal's name and its main links."""
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("QC Portal", href=dash.get_relative_path("/")),
                dbc.Nav(
                    [dbc.NavItem(dbc.NavLink("Overview", href=dash.get_relative_path("/")))],
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        id=ids.NAVBAR,
        color="dark",
        dark=True,
        className="mb-3",
    )


def app_layout() -> html.Div:
    """The layout around every page (pages render into dash.page_container)."""
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            navbar(),
            dbc.Container(
                [
                    # Filled by the global callback error handler: a short message, never a traceback.
                    dbc.Alert(id=ids.ERROR_BANNER, is_open=False, color="danger", dismissable=True),
                    dash.page_container,
                ],
                fluid=True,
            ),
        ]
    )


def error_panel(title: str, message: str) -> dbc.Alert:
    """An expected problem shown in place of a page's content."""
    return dbc.Alert([html.H4(title, className="alert-heading"), html.P(message)], color="warning",
                     id=ids.PAGE_ALERT)
