"""The raters' agreement page `/project/<name>/agreement`: computed per request in the store."""

from __future__ import annotations

import logging
from urllib.parse import unquote

import dash

from components.agreement import agreement_page
from components.shell import error_panel
from portal.context import current_portal
from portal.errors import PortalError
from portal.review.ratings import project_agreement

log = logging.getLogger(__name__)


def layout(project: str = "", **_query):
    """The agreement of one project's raters (the path segment is the URL-encoded project name)."""
    name = unquote(project)
    try:
        return agreement_page(project_agreement(current_portal(), name))
    except PortalError as exc:
        log.warning("agreement page %r: %s", name, exc)
        return error_panel(exc.title, exc.message)


def title(project: str = "", **_kw) -> str:
    """The browser tab's title."""
    return f"{unquote(project)} agreement · QC Portal"


def register(app: dash.Dash) -> None:
    """Register the page on `app` (before the project page, whose template would match it too)."""
    dash.register_page("agreement", path_template="/project/<project>/agreement", title=title, name="Agreement",
                       layout=layout)
