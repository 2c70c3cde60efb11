"""The "Fail reasons" section's Save: admins only, checked on the server before anything runs
(a forged POST to /_dash-update-component is refused like a click); what clean_reasons
refuses is said in place and nothing is changed."""

from __future__ import annotations

import dash
from dash import Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components import ids
from components.project_settings.page import outcome
from portal.context import current_portal
from portal.errors import InvalidInput, NotFound, Unsupported
from portal.review import reasons
from portal.security.writes import writes
from portal.views.project_settings import check_project, reasons_from_text, reasons_text, saved_reasons_message


@writes("admin")
def save(clicks, text, project):
    """Replace the project's fail reasons with the form's lines, in their order."""
    if not clicks:
        raise PreventUpdate
    store = current_portal().store
    try:
        check_project(store, project if isinstance(project, str) else "")
        saved = reasons.set_project_reasons(store, current_user, project, reasons_from_text(text))
    except (InvalidInput, NotFound, Unsupported) as exc:
        return outcome(f"Not saved: {exc.message}", ok=False), no_update
    return outcome(saved_reasons_message(saved), ok=True), reasons_text(saved)


def register(app: dash.Dash) -> None:
    """Register the section's callbacks on `app`."""
    app.callback(Output(ids.SETTINGS_REASONS_MESSAGE, "children"), Output(ids.SETTINGS_REASONS_TEXT, "value"),
                 Input(ids.SETTINGS_REASONS_SAVE, "n_clicks"), State(ids.SETTINGS_REASONS_TEXT, "value"),
                 State(ids.SETTINGS_PROJECT, "data"), prevent_initial_call=True)(save)
