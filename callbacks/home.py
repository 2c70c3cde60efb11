"""The landing page: its layout function (fetches per request) and its callbacks."""

from __future__ import annotations

import logging

import dash
from dash import Input, Output

from components import ids
from components.home import home_body, home_page
from components.shell import error_panel
from portal.context import current_portal
from portal.errors import PortalError
from portal.views import home_view

log = logging.getLogger(__name__)


def body():
    """The counts, or a clear message when the store cannot give them."""
    try:
        return home_body(home_view(current_portal().store))
    except PortalError as exc:
        log.warning("home page: %s", exc)
        return error_panel(exc.title, exc.message)


def layout(**_query):
    """The landing page, built per request from the store."""
    return home_page(body())


def register(app: dash.Dash) -> None:
    """Register the page and its callbacks on `app`."""
    dash.register_page("home", path="/", title="QC Portal", name="Overview", layout=layout)

    @app.callback(Output(ids.HOME_BODY, "children"), Input(ids.HOME_REFRESH, "n_clicks"), prevent_initial_call=True)
    def refresh(_n_clicks):
        return body()
