"""The settings page's layout, built per request: admins get the sections' forms, everyone
else who may read the portal the settings read-only; an unknown project, a store with no
place for settings, or a reader the portal refuses get a message instead."""

from __future__ import annotations

import dash
from flask_login import current_user

from callbacks.project_paths import project_layout, project_title
from callbacks.shell import for_user
from components.project_settings.completeness import completeness_section
from components.project_settings.page import settings_page
from components.project_settings.policy import policy_section
from components.project_settings.reasons import reasons_section
from portal.context import current_portal
from portal.views.project_settings import empty_view, settings_view

SECTIONS = (reasons_section, policy_section, completeness_section)  # in the page's order


def _page(name: str):
    if not for_user():
        return settings_page(empty_view(name), SECTIONS)  # Dash's shared validation layout: every id, no data
    return settings_page(settings_view(current_portal(), current_user, name), SECTIONS)


layout = project_layout("settings", _page)


def register(app: dash.Dash) -> None:
    """Register the page on `app`.

    Dash tries the pages' templates in the registry's order (pages with an `order` first, then
    by module name), and "/project/<project>" matches this page's paths too: an order puts
    this page before it ("project_settings" sorts after "project")."""
    dash.register_page("project_settings", path_template="/project/<project>/settings",
                       title=project_title(" settings"), name="Project settings", layout=layout, order=0)
