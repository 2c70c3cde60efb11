"""The project summary page `/project/<name>`: built per request from the store; the trends'
metric chooser re-renders the trend chart."""

from __future__ import annotations

import logging

import dash
from dash import Input, Output, State, html

from callbacks.project_paths import project_layout, project_title
from components import ids
from components.fail_reasons import fail_reasons_section
from components.project import project_page
from components.project_trends import trend_body
from portal.context import current_portal
from portal.errors import PortalError
from portal.views.project import project_fail_reasons, project_trend, project_view

log = logging.getLogger(__name__)


def _page(name: str) -> html.Div:
    store = current_portal().store
    return html.Div([project_page(project_view(store, name)),
                     fail_reasons_section(project_fail_reasons(store, name))])


layout = project_layout("project", _page)


def show_trend(value: str | None, project: str | None):
    """The trend chart of the chosen metric (an expected problem is a message, never a trace)."""
    if not project:
        raise dash.exceptions.PreventUpdate
    try:
        return trend_body(project_trend(current_portal().store, project, value))
    except PortalError as exc:
        log.warning("project trend %r: %s", project, exc)
        return html.P(f"{exc.title}: {exc.message}", className="text-danger small mb-0")


def register(app: dash.Dash) -> None:
    """Register the page and its trend chooser on `app`."""
    dash.register_page("project", path_template="/project/<project>", title=project_title(), name="Project",
                       layout=layout)
    app.callback(Output(ids.PROJECT_TREND_BODY, "children"), Input(ids.PROJECT_TREND_METRIC, "value"),
                 State(ids.PROJECT_TREND_PROJECT, "data"), prevent_initial_call=True)(show_trend)
