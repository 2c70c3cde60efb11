"""The page shown for URLs that match no page, and the HTTP status of every page's first load.

Dash answers every page URL with the same HTML shell (200) and renders the page in the
browser. A URL that matches no page, or names something that is not there, must still
answer 404 — for link checkers, crawlers, monitoring and scripts — while the browser shows
the page's own message. Dash pages have no status of their own, so a page says it with an
extra key of its registry entry (`dash.register_page` keeps unknown keys):
`http_status=fn(**path_variables) -> int | None`. An `after_request` hook on Dash's page
routes finds the page the way Dash's router does and applies it; no page is a 404.
"""

from __future__ import annotations

import dash
from dash import html
from dash._pages import _path_to_page  # Dash's own router: the status follows the page the browser renders
from flask import request

from components.shell import error_panel

NOT_FOUND = "not_found_404"  # Dash's module name for the page of unknown URLs
STATUS_KEY = "http_status"


def layout(**_query):
    """A short 'page not found' message with a way back."""
    return html.Div(
        [error_panel("Page not found", "There is no page at this address."),
         html.A("Back to the overview", href=dash.get_relative_path("/"))]
    )


def page_status(app: dash.Dash, path: str) -> int | None:
    """The status the page at `path` answers with: 404 for no page, else what the page's
    `http_status` says (None: leave the response alone)."""
    page, variables = _path_to_page(app.strip_relative_path(path) or "")
    if not page or page.get("module") == NOT_FOUND:
        return 404
    status = page.get(STATUS_KEY)
    return status(**(variables or {})) if callable(status) else None


def register(app: dash.Dash) -> None:
    """Register the 404 page and the status hook."""
    dash.register_page(NOT_FOUND, path="/404", layout=layout, title="Not found")
    prefix = app.config.routes_pathname_prefix
    page_endpoints = {prefix, prefix + "<path:path>"}  # Dash's index and catch-all (dash/backends/_flask.py)

    @app.server.after_request
    def _page_status(response):
        if request.method in ("GET", "HEAD") and request.endpoint in page_endpoints and response.status_code == 200:
            status = page_status(app, request.path)
            if status is not None:
                response.status_code = status
        return response
