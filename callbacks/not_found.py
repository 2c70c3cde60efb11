"""The page shown for URLs that match no page."""

from __future__ import annotations

import dash
from dash import html

from components.shell import error_panel


def layout(**_query):
    """A short 'page not found' message with a way back."""
    return html.Div(
        [error_panel("Page not found", "There is no page at this address."),
         html.A("Back to the overview", href=dash.get_relative_path("/"))]
    )


def register(app: dash.Dash) -> None:
    """Register the 404 page."""
    dash.register_page("not_found_404", path="/404", layout=layout, title="Not found")
