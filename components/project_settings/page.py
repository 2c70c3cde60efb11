"""The settings page's frame: breadcrumb and title, the read-only line for non-admins, the
sections, and the store naming the project the sections save to (no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from portal.views.project_settings import READ_ONLY, SettingsView

Section = Callable[[SettingsView], object]


def project_href(project: str) -> str:
    """The project page of `project`."""
    return dash.get_relative_path(f"/project/{quote(project, safe='')}")


def settings_href(project: str) -> str:
    """The settings page of `project`."""
    return dash.get_relative_path(f"/project/{quote(project, safe='')}/settings")


def settings_page(view: SettingsView, sections: Sequence[Section]) -> html.Div:
    """The whole page: a header, then each section built from `view`, in order."""
    project = view.project
    crumbs = html.Div([html.A("Overview", href=dash.get_relative_path("/")), " / ",
                       html.A(project, href=project_href(project)), " / settings"], className="small text-muted")
    header = [crumbs, html.H2(f"{project}: settings", className="h4 mb-1")]
    if not view.editable:
        header.append(html.P(READ_ONLY, className="text-muted mb-0", **{"data-read-only": "true"}))
    cols = [dbc.Col(section(view), lg=6) for section in sections]
    return html.Div(
        [html.Div(header, className="mb-3"), dbc.Row(cols, className="g-3"),
         dcc.Store(id=ids.SETTINGS_PROJECT, data=project)],
        id=ids.SETTINGS_PAGE, className="container-fluid py-3",
        **{"data-project": project, "data-editable": "true" if view.editable else "false"})


def section_card(title: str, section: str, body: list) -> html.Section:
    """One section: a titled card (`data-section` names it for tests and styles)."""
    card = dbc.Card([dbc.CardHeader(title, className="fw-semibold"), dbc.CardBody(body)], className="h-100")
    return html.Section(card, className="h-100", **{"data-section": section})


def save_row(button_id: str, message_id: str) -> html.Div:
    """A section's Save button and the place its outcome is said."""
    return html.Div([dbc.Button("Save", id=button_id, color="primary", size="sm", n_clicks=0),
                     html.Div(id=message_id, className="flex-grow-1", role="status")],
                    className="d-flex align-items-start gap-3 mt-3")


def outcome(text: str, ok: bool) -> html.Div:
    """What a save did: saved (green) or refused, with the reason (the form keeps what was typed)."""
    return html.Div(text, className=f"alert alert-{'success' if ok else 'danger'} py-1 px-2 mb-0 small",
                    **{"data-outcome": "saved" if ok else "error"})
