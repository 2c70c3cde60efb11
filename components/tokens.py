"""The API tokens page: the user's tokens with their last use, making and revoking them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dash
import dash_bootstrap_components as dbc
from dash import html

from components import ids


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "never"

if TYPE_CHECKING:  # a type only: the page gets the tokens from its callback
    from portal.accounts.tokens import TokenInfo


def tokens_table(tokens: list[TokenInfo], *, can_revoke: bool) -> html.Div:
    """The tokens, newest first (never the tokens themselves: they are shown once, when made)."""
    if not tokens:
        return html.P("You have no API tokens yet.", className="small text-muted")
    head = html.Thead(html.Tr([html.Th(h) for h in ("Name", "Token", "Created (UTC)", "Last used", "State", "")]))
    rows = []
    for token in tokens:
        revoke = dbc.Button("Revoke", id=ids.token_revoke(token.id), size="sm", color="outline-danger") \
            if token.active and can_revoke else None
        rows.append(html.Tr([
            html.Td(token.name), html.Td(html.Code(token.prefix + "…")), html.Td(_when(token.created_at)),
            html.Td(_when(token.last_used_at)),
            html.Td("active" if token.active else f"revoked {_when(token.revoked_at)}"), html.Td(revoke),
        ], className="token-row", **{"data-token": token.id, "data-active": str(token.active).lower()}))
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="small")


def new_token(token: str, name: str) -> dbc.Alert:
    """The token just made: shown this once."""
    return dbc.Alert([
        html.P([html.Strong(f"Token “{name}” created."), " Copy it now: it is not shown again."], className="mb-1"),
        html.Code(token, className="user-select-all d-block p-2 bg-light border new-token"),
        html.P(["Use it as ", html.Code("Authorization: Bearer <token>"), " or ", html.Code("QC_PORTAL_TOKEN"),
                " for the Python client."], className="small mb-0 mt-1"),
    ], color="success")


def tokens_page(tokens: list[TokenInfo], *, can_create: bool) -> html.Div:
    """The page: what tokens are for, the form to make one, the list."""
    docs = dash.get_relative_path("/api/v1/docs")
    form = dbc.InputGroup([
        dbc.Input(id=ids.TOKENS_NAME, placeholder="what it is for, e.g. sorting pipeline", maxLength=200),
        dbc.Button("Create token", id=ids.TOKENS_CREATE, color="primary"),
    ], className="mb-3", style={"maxWidth": "36rem"}) if can_create else html.P(
        "Only annotators can make tokens here; ask an admin for a read-only one "
        "(qc-portal tokens create <your user name>).", className="small text-muted")
    return html.Div([
        html.H2("API tokens", className="h4"),
        html.P(["Personal tokens let programs use the portal's ", html.A("REST API", href=docs),
                " and Python client as you: they read what you can read, and write (with your name as evaluator) "
                "what you can write. Revoke a token you no longer use."], className="small"),
        form,
        html.Div(id=ids.TOKENS_NEW),
        html.Div(tokens_table(tokens, can_revoke=can_create), id=ids.TOKENS_TABLE),
    ], id=ids.TOKENS_PAGE)
