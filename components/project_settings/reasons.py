"""The settings page's "Fail reasons" section: an ordered list, one reason per line (no I/O)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.project_settings.page import save_row, section_card
from portal.views.project_settings import SettingsView, reasons_text

HELP = ("One reason per line, in the order reviewers are offered them (the review queue's keys 1-9 pick the "
        "first nine). A Fail on this project's assets then needs one of them; with none, a Fail needs no reason.")


def reasons_section(view: SettingsView) -> html.Section:
    """The project's fail reasons: a form for admins, the list for everyone else."""
    if not view.editable:
        body = ([html.P("A Fail on this project's assets needs one of these reasons.", className="small text-muted"),
                 html.Ol([html.Li(reason, className="settings-reason") for reason in view.reasons], className="mb-0")]
                if view.reasons else [html.P("No fail reasons: a Fail needs no reason in this project.",
                                             className="text-muted mb-0")])
        return section_card("Fail reasons", "reasons", body)
    rows = min(max(len(view.reasons) + 2, 6), 20)
    body = [
        html.P(HELP, className="small text-muted"),
        dbc.Label("Reasons", html_for=ids.SETTINGS_REASONS_TEXT, className="visually-hidden"),
        dbc.Textarea(id=ids.SETTINGS_REASONS_TEXT, value=reasons_text(view.reasons), rows=rows, spellcheck=True,
                     placeholder="Drift\nNoise\nMissing data", className="font-monospace small"),
        save_row(ids.SETTINGS_REASONS_SAVE, ids.SETTINGS_REASONS_MESSAGE),
    ]
    return section_card("Fail reasons", "reasons", body)
