"""The settings page's layout, built per request: admins get the sections' forms, everyone
else who may read the portal the settings read-only; an unknown project, a store with no
place for settings, or a reader the portal refuses get a message instead."""

from __future__ import annotations

import logging
from urllib.parse import unquote

import dash
from flask_login import current_user

from callbacks.shell import for_user
from components.project_settings.page import settings_page
from components.project_settings.policy import policy_section
from components.project_settings.reasons import reasons_section
from components.shell import error_panel
from portal.context import current_portal
from portal.errors import PortalError
from portal.views.project_settings import empty_view, settings_view

log = logging.getLogger(__name__)

SECTIONS = (reasons_section, policy_section)  # in the page's order; issue 16's "Completeness" joins here


def layout(project: str = "", **_query):
    """The settings of one project (the path segment is the URL-encoded project name)."""
    name = unquote(project)
    if not for_user():
        return settings_page(empty_view(name), SECTIONS)  # Dash's shared validation layout: every id, no data
    try:
        view = settings_view(current_portal(), current_user, name)
    except PortalError as exc:
        log.warning("settings page %r: %s", name, exc)
        return error_panel(exc.title, exc.message)
    return settings_page(view, SECTIONS)


def title(project: str = "", **_kw) -> str:
    """The browser tab's title."""
    return f"{unquote(project)} settings · QC Portal"


def register(app: dash.Dash) -> None:
    """Register the page on `app`.

    Dash tries the pages' templates in the registry's order (pages with an `order` first, then
    by module name), and "/project/<project>" matches this page's paths too: an order puts
    this page before it ("project_settings" sorts after "project")."""
    dash.register_page("project_settings", path_template="/project/<project>/settings", title=title,
                       name="Project settings", layout=layout, order=0)
