"""The webhooks page `/admin/webhooks` (admins): add, pause, resume, retry, remove; last results."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.shell import for_user
from components import ids
from components.shell import error_panel
from components.webhooks import WebhooksView, new_webhook, refusal, webhooks_list, webhooks_page
from portal.accounts.auth import can
from portal.context import current_portal
from portal.errors import InvalidInput
from portal.events.delivery import retry_failed
from portal.events.webhooks import (
    add_webhook,
    list_webhooks,
    remove_webhook,
    set_webhook_active,
)
from portal.security.writes import writes
from portal.store.sql.events import EVENT_TYPES


def _engine():
    return current_portal().users.engine


def layout(**_query):
    """The page for admins; everyone else is told they may not see it."""
    if not for_user():
        return webhooks_page(WebhooksView([], EVENT_TYPES))  # Dash's shared validation layout: no data
    if not can(current_user, "admin"):
        signed_in = getattr(current_user, "is_authenticated", False)
        return error_panel("Forbidden", "Only admins can manage webhooks." if signed_in
                           else "Only admins can manage webhooks: sign in with an admin account.")
    return webhooks_page(WebhooksView(list_webhooks(_engine()), EVENT_TYPES))


@writes("admin")
def add(clicks, url, types):
    """Register a webhook and show its signing key once (or why it was refused)."""
    if not clicks:
        raise PreventUpdate
    try:
        webhook, secret = add_webhook(_engine(), url or "", types or [], by=current_user.name)
    except InvalidInput as exc:
        return refusal(exc.message), no_update, no_update
    return new_webhook(webhook, secret), webhooks_list(list_webhooks(_engine())), ""


@writes("admin")
def act(clicks):
    """Pause, resume, retry or remove the webhook whose button was clicked."""
    # Re-rendered buttons fire with no clicks: only a real click acts.
    if not ctx.triggered_id or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    webhook_id, action = int(ctx.triggered_id["webhook"]), ctx.triggered_id["action"]
    engine = _engine()
    if action == "remove":
        remove_webhook(engine, webhook_id)
    elif action in ("pause", "resume"):
        set_webhook_active(engine, webhook_id, action == "resume")
    elif action == "retry":
        retry_failed(engine, webhook_id)
    else:
        raise PreventUpdate
    return webhooks_list(list_webhooks(engine))


def refresh(_ticks):
    """Read the results again (admins only; a read)."""
    if not can(current_user, "admin"):
        raise PreventUpdate
    return webhooks_list(list_webhooks(_engine()))


def register(app: dash.Dash) -> None:
    """Register the page and its callbacks on `app`."""
    dash.register_page("webhooks", path="/admin/webhooks", title="Webhooks · QC Portal", name="Webhooks",
                       layout=layout)
    app.callback(Output(ids.WEBHOOKS_NEW, "children"), Output(ids.WEBHOOKS_LIST, "children"),
                 Output(ids.WEBHOOKS_URL, "value"), Input(ids.WEBHOOKS_ADD, "n_clicks"),
                 State(ids.WEBHOOKS_URL, "value"), State(ids.WEBHOOKS_EVENTS, "value"),
                 prevent_initial_call=True)(add)
    app.callback(Output(ids.WEBHOOKS_LIST, "children", allow_duplicate=True),
                 Input(ids.webhook_action(ALL, ALL), "n_clicks"), prevent_initial_call=True)(act)
    app.callback(Output(ids.WEBHOOKS_LIST, "children", allow_duplicate=True),
                 Input(ids.WEBHOOKS_TICK, "n_intervals"), prevent_initial_call=True)(refresh)
