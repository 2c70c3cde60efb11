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
from portal.review import reasons
from portal.views.project import project_trend, project_view
from portal.views.remembered import remembered

log = logging.getLogger(__name__)


def build_page(store, name: str) -> html.Div:
    """The project page of `name`, built afresh from `store`."""
    return html.Div([project_page(project_view(store, name)),
                     fail_reasons_section(reasons.top_fail_reasons(store, name))])


def kept_page(store, name: str) -> html.Div:
    """The project page of `name`, kept while the store is unchanged (portal.views.remembered).

    The whole page is kept, not only its view: it depends on the store alone (no user, no
    clock), and building its components was ~60% of a request whose view was kept. Dash only
    reads what a layout returns (it serialises it), so a worker's threads can share one.
    """
    return remembered(store, "project_page", name, lambda: build_page(store, name))


def _page(name: str) -> html.Div:
    return kept_page(current_portal().store, name)


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
