"""The project summary page `/project/<name>`: built per request from the store."""

from __future__ import annotations

import logging
from urllib.parse import unquote

import dash
from dash import html

from components.fail_reasons import fail_reasons_section
from components.project import project_page
from components.shell import error_panel
from portal.context import current_portal
from portal.errors import PortalError
from portal.review import reasons
from portal.views.project import project_view

log = logging.getLogger(__name__)


def layout(project: str = "", **_query):
    """The summary of one project (the path segment is the URL-encoded project name)."""
    name = unquote(project)
    try:
        store = current_portal().store
        return html.Div([project_page(project_view(store, name)),
                         fail_reasons_section(reasons.top_fail_reasons(store, name))])
    except PortalError as exc:
        log.warning("project page %r: %s", name, exc)
        return error_panel(exc.title, exc.message)


def title(project: str = "", **_kw) -> str:
    """The browser tab's title."""
    return f"{unquote(project)} · QC Portal"


def register(app: dash.Dash) -> None:
    """Register the page on `app`."""
    dash.register_page("project", path_template="/project/<project>", title=title, name="Project",
                       layout=layout)
