"""The API tokens page `/tokens`: a signed-in user's own tokens; making and revoking them."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.shell import for_user
from components import ids
from components.shell import error_panel
from components.tokens import new_token, tokens_page, tokens_table
from portal.accounts.auth import can
from portal.accounts.tokens import TokenStore, create_token, revoke_token
from portal.context import current_portal
from portal.security.writes import writes


def _mine() -> list:
    return TokenStore(current_portal().users.engine).list(current_user.name)


def layout(**_query):
    """The page for signed-in users."""
    if not for_user():
        return tokens_page([], can_create=True)  # Dash's shared validation layout: every id, nobody's data
    if not getattr(current_user, "is_authenticated", False):
        return error_panel("Sign in", "Sign in to see and make your API tokens.")
    return tokens_page(_mine(), can_create=can(current_user, "annotate"))


@writes("annotate")
def create(clicks, name):
    """Make a token and show it once."""
    if not clicks:
        raise PreventUpdate
    label = (name or "").strip() or "token"
    token, _info = create_token(current_portal(), current_user, label)
    return new_token(token, label), tokens_table(_mine(), can_revoke=True), ""


@writes("annotate")
def revoke(clicks):
    """Revoke the token whose button was clicked (only one's own)."""
    # Re-rendered buttons fire with no clicks: only a real click revokes.
    if not ctx.triggered_id or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    revoke_token(current_portal(), current_user, int(ctx.triggered_id["token"]))
    return no_update, tokens_table(_mine(), can_revoke=True), no_update


def register(app: dash.Dash) -> None:
    """Register the page and its callbacks on `app`."""
    dash.register_page("tokens", path="/tokens", title="API tokens · QC Portal", name="API tokens", layout=layout)
    outputs = (Output(ids.TOKENS_NEW, "children"), Output(ids.TOKENS_TABLE, "children"),
               Output(ids.TOKENS_NAME, "value"))
    app.callback(*outputs, Input(ids.TOKENS_CREATE, "n_clicks"), State(ids.TOKENS_NAME, "value"),
                 prevent_initial_call=True)(create)
    app.callback(*(Output(o.component_id, o.component_property, allow_duplicate=True) for o in outputs),
                 Input(ids.token_revoke(ALL), "n_clicks"), prevent_initial_call=True)(revoke)
