"""Curations sent back by an embedded curation GUI become unsaved changes.

assets/curation.js accepts a `curation-data` message only from the curation frame's
own window and origin, for annotators, up to portal.views.asset.curation.MAX_BYTES, and puts
it into `DETAIL_CURATION_IN`. This callback checks the right, the shape and the size
again on the server (a request can be forged), then records the curation against the
metric's base like any other edit: counted, previewed, submitted, audited.
"""

from __future__ import annotations

import logging

import dash
from dash import ALL, Input, Output, State
from flask_login import current_user

from components import ids
from components.ids import detail_ids
from portal.accounts.auth import can
from portal.views.asset import curation as curations
from portal.views.asset import edits as edit_state

log = logging.getLogger(__name__)


def receive(message, bases, edits, asset):
    """A curation message -> the asset's edit state (PreventUpdate when it is refused)."""
    if not asset or not isinstance(message, dict):
        raise dash.exceptions.PreventUpdate
    if not can(current_user, "annotate"):
        log.warning("curation from an embedded GUI refused: %s may not annotate",
                    getattr(current_user, "name", "") or "anonymous")
        raise dash.exceptions.PreventUpdate
    key, data = message.get("key"), message.get("data")
    if not isinstance(key, str) or "data" not in message or not curations.acceptable(data):
        log.info("curation from an embedded GUI refused: malformed or larger than %d bytes", curations.MAX_BYTES)
        raise dash.exceptions.PreventUpdate
    base = next((b for b in bases or () if isinstance(b, dict) and b.get("key") == key), None)
    if base is None or base.get("kind") != "curation":
        raise dash.exceptions.PreventUpdate  # not a curation metric on this page
    state = edits.get(asset["id"]) if isinstance(edits, dict) else None
    new_state = edit_state.record_curation(state, base, data)
    out = dict(edits) if isinstance(edits, dict) else {}
    if edit_state.is_empty(new_state):
        out.pop(asset["id"], None)
    else:
        out[asset["id"]] = new_state
    return out


def register(app: dash.Dash) -> None:
    """Register the curation callback on `app`."""
    app.callback(
        Output(ids.DETAIL_EDITS, "data", allow_duplicate=True),
        Input(ids.DETAIL_CURATION_IN, "data"),
        State(detail_ids.base(ALL), "data"),
        State(ids.DETAIL_EDITS, "data"),
        State(ids.DETAIL_ASSET, "data"),
        prevent_initial_call=True,
    )(receive)
