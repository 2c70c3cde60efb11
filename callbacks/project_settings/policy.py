"""The "Review policy" section's Save: admins only, checked on the server before anything runs
(a forged POST included); what check_policy or set_policy refuse is said in place and nothing
is changed."""

from __future__ import annotations

import dash
from dash import Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from components import ids
from components.project_settings.page import outcome
from portal.context import current_portal
from portal.errors import InvalidInput, NotFound, Unsupported
from portal.review import ratings
from portal.security.writes import writes
from portal.views.project_settings import check_project, policy_body, policy_summary


@writes("admin")
def save(clicks, required, blind, fraction, leads, project):
    """Store the project's review policy from the form."""
    if not clicks:
        raise PreventUpdate
    portal = current_portal()
    try:
        check_project(portal.store, project if isinstance(project, str) else "")
        policy = ratings.check_policy(policy_body(required, blind, fraction, leads))
        stored = ratings.set_policy(portal, current_user, project, policy)
    except (InvalidInput, NotFound, Unsupported) as exc:
        return outcome(f"Not saved: {exc.message}", ok=False), no_update
    return outcome("Saved the review policy.", ok=True), policy_summary(stored)


def register(app: dash.Dash) -> None:
    """Register the section's callbacks on `app`."""
    app.callback(Output(ids.SETTINGS_POLICY_MESSAGE, "children"), Output(ids.SETTINGS_POLICY_SUMMARY, "children"),
                 Input(ids.SETTINGS_POLICY_SAVE, "n_clicks"),
                 State(ids.SETTINGS_POLICY_REQUIRED, "value"), State(ids.SETTINGS_POLICY_BLIND, "value"),
                 State(ids.SETTINGS_POLICY_REPEAT, "value"), State(ids.SETTINGS_POLICY_LEADS, "value"),
                 State(ids.SETTINGS_PROJECT, "data"), prevent_initial_call=True)(save)
