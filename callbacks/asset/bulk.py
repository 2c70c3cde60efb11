"""'Pass all Pending in this group' on the asset page: the button waits while there are
unsaved edits, opens a confirmation naming the count and the node, and the confirmation
submits ONE annotation through the one write path (portal.review.annotation_service), which
checks the user's role on the server (viewers and anonymous POSTs are refused before anything
runs) and the project's review policy (several ratings: refused with its message).

A conflict (someone decided one of the metrics since the panel was shown) writes nothing:
the passes become the page's unsaved edits, shown with the conflicts (re-apply / drop, then
Submit), so nothing is lost (portal.views.asset.bulk).
"""

from __future__ import annotations

import logging

import dash
from dash import ALL, Input, Output, State, ctx, no_update
from flask_login import current_user

from components import ids
from components.asset.annotate import conflicts_panel
from components.asset.bulk import confirm_text, passed, refused
from components.ids import review_ids
from portal.accounts.auth import can
from portal.context import current_portal
from portal.errors import PortalError
from portal.review import annotation_service
from portal.security.writes import writes
from portal.views.asset import bulk as bulk_view
from portal.views.asset import edits as edit_state

log = logging.getLogger(__name__)
OPEN = review_ids.bulk_open("")["type"]


def _state(edits, asset) -> dict:
    state = edits.get(asset["id"]) if isinstance(edits, dict) and asset else None
    return state if isinstance(state, dict) else {}


def waits(edits, asset):
    """The buttons' disabled flags and hints: the bulk Pass waits while the asset has unsaved edits."""
    n = len(ctx.outputs_list[0])
    reason = bulk_view.blocked(_state(edits, asset)) if asset else None
    return [reason is not None] * n, [reason] * n


def open_or_close(opened, _cancel, data, edits, asset):
    """Open the confirmation for the clicked node's button (with what its panel showed), or close it."""
    trigger = ctx.triggered_id
    if trigger == ids.DETAIL_BULK_CANCEL:
        return False, no_update, no_update, None
    if not isinstance(trigger, dict) or trigger.get("type") != OPEN or not asset or not any(opened or ()):
        raise dash.exceptions.PreventUpdate
    if not can(current_user, "annotate") or bulk_view.blocked(_state(edits, asset)):
        raise dash.exceptions.PreventUpdate  # the button is not there, or disabled: a forged click
    chosen = next((item.get("value") for item in ctx.states_list[0] if item["id"].get("node") == trigger["node"]),
                  None)
    try:
        chosen = bulk_view.checked(chosen)
    except PortalError:
        raise dash.exceptions.PreventUpdate from None
    n = len(chosen["metrics"])
    return True, confirm_text(chosen), f"Pass {n} metric{'s' if n != 1 else ''}", chosen


@writes("annotate")  # refused before anything runs for anonymous users and viewers
def confirm(clicks, chosen, edits, asset, refresh):
    """Submit the confirmed bulk Pass as one annotation on the version the panel showed."""
    if not clicks or not asset:
        raise dash.exceptions.PreventUpdate
    refresh = int(refresh or 0) + 1
    state = _state(edits, asset)
    waiting = bulk_view.blocked(state)
    if waiting:
        return False, no_update, refused(waiting), no_update, no_update, no_update
    try:
        annotation = bulk_view.to_annotation(asset["id"], chosen)
        # Conflict for a project whose policy needs several ratings (its own message), InvalidInput,
        # StoreUnavailable, ...: said in place, nothing written.
        result = annotation_service.submit(current_portal(), current_user, annotation)
    except PortalError as exc:
        log.info("bulk pass of %s refused: %s", asset.get("name"), exc.message)
        return False, refresh, refused(exc.message), no_update, no_update, no_update
    if result.applied:
        where = str(chosen.get("title") or "this group") if chosen.get("node") else "this asset"
        return (False, refresh, passed(len(annotation.edits), where), None, {**asset, "version": result.version},
                no_update)
    conflicts = edit_state.conflict_json(result.conflicts, result.version)
    edits = dict(edits) if isinstance(edits, dict) else {}
    edits[asset["id"]] = bulk_view.as_edits(chosen)  # the passes, kept as unsaved edits: nothing lost
    return False, refresh, conflicts_panel(conflicts), {"items": conflicts, "resolved": {}}, no_update, edits


def register(app: dash.Dash) -> None:
    """Register the bulk Pass callbacks on `app`."""
    app.callback(
        Output(review_ids.bulk_open(ALL), "disabled"),
        Output(review_ids.bulk_hint(ALL), "children"),
        Input(ids.DETAIL_EDITS, "data"),
        State(ids.DETAIL_ASSET, "data"),
    )(waits)
    app.callback(
        Output(ids.DETAIL_BULK_MODAL, "is_open"),
        Output(ids.DETAIL_BULK_TEXT, "children"),
        Output(ids.DETAIL_BULK_CONFIRM, "children"),
        Output(ids.DETAIL_BULK_CHOSEN, "data"),
        Input(review_ids.bulk_open(ALL), "n_clicks"),
        Input(ids.DETAIL_BULK_CANCEL, "n_clicks"),
        State(review_ids.bulk_data(ALL), "data"),
        State(ids.DETAIL_EDITS, "data"),
        State(ids.DETAIL_ASSET, "data"),
        prevent_initial_call=True,
    )(open_or_close)
    app.callback(
        Output(ids.DETAIL_BULK_MODAL, "is_open", allow_duplicate=True),
        Output(ids.DETAIL_REFRESH, "data", allow_duplicate=True),
        Output(ids.DETAIL_RESULT, "children", allow_duplicate=True),
        Output(ids.DETAIL_CONFLICTS, "data", allow_duplicate=True),
        Output(ids.DETAIL_ASSET, "data", allow_duplicate=True),
        Output(ids.DETAIL_EDITS, "data", allow_duplicate=True),
        Input(ids.DETAIL_BULK_CONFIRM, "n_clicks"),
        State(ids.DETAIL_BULK_CHOSEN, "data"),
        State(ids.DETAIL_EDITS, "data"),
        State(ids.DETAIL_ASSET, "data"),
        State(ids.DETAIL_REFRESH, "data"),
        prevent_initial_call=True,
    )(confirm)
