"""The project summary page `/project/<name>`: built per request from the store."""

from __future__ import annotations

import dash
from dash import html

from callbacks.project_paths import project_layout, project_title
from components.fail_reasons import fail_reasons_section
from components.project import project_page
from portal.context import current_portal
from portal.review import reasons
from portal.views.project import project_view


def _page(name: str) -> html.Div:
    store = current_portal().store
    return html.Div([project_page(project_view(store, name)),
                     fail_reasons_section(reasons.top_fail_reasons(store, name))])


layout = project_layout("project", _page)


def register(app: dash.Dash) -> None:
    """Register the page on `app`."""
    dash.register_page("project", path_template="/project/<project>", title=project_title(), name="Project",
                       layout=layout)
