"""Annotation on the asset page: recording edits, the change bar, Submit, conflicts.

Edits live in the browser's local storage (`DETAIL_EDITS`, keyed by asset id) until
they are saved, so a reload or a store error loses nothing. Submit goes through the
one write path, `portal.review.annotation_service.submit`, which checks the signed-in user's
role on the server: the callback endpoint refuses viewers and anonymous POSTs.
"""

from __future__ import annotations

import logging

import dash
from dash import ALL, Input, Output, State, ctx, no_update
from flask_login import current_user

from components import ids
from components.asset.annotate import change_summary, conflicts_panel, saved
from components.asset.fail_reason import feedback, reasons_needed
from components.ids import detail_ids, review_ids
from portal.accounts.auth import can
from portal.context import current_portal
from portal.review import annotation_service, reasons
from portal.security.writes import writes
from portal.store.protocol import UNSET
from portal.views.asset import edits as edit_state
from portal.views.asset.shown import same

log = logging.getLogger(__name__)
VALUE = detail_ids.value(0)["type"]
STATUS = detail_ids.status(0)["type"]
REASON = review_ids.reason(0)["type"]
COMMENT = review_ids.comment(0)["type"]


def _can_annotate() -> bool:
    return can(current_user, "annotate")


def _asset_state(edits, asset) -> dict:
    if not isinstance(edits, dict) or not asset:
        return {}
    state = edits.get(asset["id"])
    return state if isinstance(state, dict) else {}


def _listed(asset: dict) -> list[str]:
    """The fail reasons of the asset's project (the page keeps its project's name; an older page
    state without it is looked up)."""
    store = current_portal().store
    project = asset.get("project") if "project" in asset else reasons.asset_project(store, asset["id"])
    return reasons.project_reasons(store, project if isinstance(project, str) else None)


def _with_state(edits, asset, state: dict) -> dict:
    edits = dict(edits) if isinstance(edits, dict) else {}
    if edit_state.is_empty(state):
        edits.pop(asset["id"], None)
    else:
        edits[asset["id"]] = state
    return edits


def track(values, statuses, notes, edits, reasons_in, comments, bases, asset):
    """Widgets -> edits (and a status that follows a choice); edits -> widgets on restore.

    Dash also calls this when cards appear (their widgets join the ALL inputs): each
    widget is compared with what it was rendered with, so showing a card records
    nothing. Users who may not annotate record nothing at all (checked here, on the
    server: their widgets are disabled, but a request can be forged). A fail reason and
    comment go with the metric's unsaved explicit Fail (portal.views.asset.fail_notes).
    """
    if not asset or not _can_annotate():
        raise dash.exceptions.PreventUpdate
    value_ids = [item["id"]["index"] for item in ctx.inputs_list[0]]
    status_ids = [item["id"]["index"] for item in ctx.inputs_list[1]]
    notes_of = _by_index(ctx.inputs_list[4], reasons_in), _by_index(ctx.inputs_list[5], comments)
    base_by_index = {item["id"]["index"]: item.get("value") for item in ctx.states_list[0]}
    state = _asset_state(edits, asset)
    triggered = _triggered()
    if ids.DETAIL_EDITS in triggered:
        return _restore(state, value_ids, status_ids, base_by_index, notes, asset)

    new_state = state
    status_out = [no_update] * len(status_ids)
    for position, index in enumerate(value_ids):
        base = base_by_index.get(index)
        if not base or (VALUE, index) not in triggered:
            continue
        value = values[position]
        if same(value, edit_state.current(new_state, base, "value")):
            continue  # a widget shown with the edit already recorded (re-render, restore)
        new_state = edit_state.record(new_state, base, value=value)
        implied = edit_state.implied_status(base, value)
        if implied is not None and index in status_ids:
            status_out[status_ids.index(index)] = implied
    for position, index in enumerate(status_ids):
        base = base_by_index.get(index)
        if not base or base.get("choice") or (STATUS, index) not in triggered:
            continue
        if statuses[position] == edit_state.current(new_state, base, "status"):
            continue
        # A Fail takes the reason and comment its card holds (chosen before, hidden since).
        new_state = edit_state.record(new_state, base, status=statuses[position],
                                      reason=notes_of[0].get(index, UNSET), comment=notes_of[1].get(index, UNSET))
    for field, kind, by_index in zip(("reason", "comment"), (REASON, COMMENT), notes_of, strict=True):
        for index, text in by_index.items():
            base = base_by_index.get(index)
            if not base or (kind, index) not in triggered:
                continue
            if (text or None) != edit_state.edit_of(new_state, base["key"]).get(field):
                new_state = edit_state.record(new_state, base, **{field: text})
    if ids.DETAIL_NOTES in triggered and notes is not None:
        new_state = edit_state.record_notes(new_state, notes, asset.get("notes"), asset["version"])
    out_edits = no_update if new_state == state else _with_state(edits, asset, new_state)
    unchanged = [no_update] * len(notes_of[0]), [no_update] * len(notes_of[1])
    return out_edits, status_out, [no_update] * len(value_ids), no_update, *unchanged


def _by_index(inputs: list, values: list | None) -> dict:
    """index -> value of a pattern input's widgets."""
    return {item["id"]["index"]: value for item, value in zip(inputs, values or [], strict=False)}


def _triggered() -> set:
    """The triggering components: plain ids, and (type, index) for metric widgets."""
    out: set = set()
    for component_id in ctx.triggered_prop_ids.values():
        out.add((component_id["type"], component_id["index"]) if isinstance(component_id, dict) else component_id)
    return out


def _restore(state, value_ids, status_ids, bases, notes, asset):
    """Show restored (or cross-tab) edits in the widgets that are on the page."""
    values, statuses = [], []
    for index in value_ids:
        edit = edit_state.edit_of(state, (bases.get(index) or {}).get("key"))
        values.append(edit["value"] if "value" in edit else no_update)
    for index in status_ids:
        base = bases.get(index) or {}
        edit = edit_state.edit_of(state, base.get("key"))
        if "status" in edit:
            statuses.append(edit["status"])
        elif "value" in edit and base.get("choice"):
            statuses.append(edit_state.implied_status(base, edit["value"]) or no_update)
        else:
            statuses.append(no_update)
    note = state["notes"] if "notes" in state and state["notes"] != notes else no_update
    fail_notes = []
    for field, widgets, empty in (("reason", ctx.inputs_list[4], None), ("comment", ctx.inputs_list[5], "")):
        edits = [edit_state.edit_of(state, (bases.get(w["id"]["index"]) or {}).get("key")) for w in widgets]
        fail_notes.append([edit.get(field) or empty if edit.get("status") == "Fail" else no_update for edit in edits])
    return no_update, statuses, values, note, *fail_notes


def register(app: dash.Dash) -> None:
    """Register the annotation callbacks on `app`."""
    app.callback(
        Output(ids.DETAIL_EDITS, "data"),
        Output(detail_ids.status(ALL), "value"),
        Output(detail_ids.value(ALL), "value"),
        Output(ids.DETAIL_NOTES, "value"),
        Output(review_ids.reason(ALL), "value"),
        Output(review_ids.comment(ALL), "value"),
        Input(detail_ids.value(ALL), "value"),
        Input(detail_ids.status(ALL), "value"),
        Input(ids.DETAIL_NOTES, "value"),
        Input(ids.DETAIL_EDITS, "data"),
        Input(review_ids.reason(ALL), "value"),
        Input(review_ids.comment(ALL), "value"),
        State(detail_ids.base(ALL), "data"),
        State(ids.DETAIL_ASSET, "data"),
        prevent_initial_call=True,
    )(track)

    @app.callback(
        Output(ids.DETAIL_CHANGES, "style"),
        Output(ids.DETAIL_CHANGE_COUNT, "children"),
        Output(ids.DETAIL_PREVIEW, "children"),
        Input(ids.DETAIL_EDITS, "data"),
        State(ids.DETAIL_ASSET, "data"),
        # The page is built with the bar hidden and empty (changes_bar), as nothing answers: an
        # initial call would only say so again, at a callback round's cost (issue 19). Saved edits
        # set the store on load, and so run it.
        prevent_initial_call=True,
    )
    def show_changes(edits, asset):
        # Viewers and anonymous visitors never see a counter, whatever local storage holds.
        if not asset or not _can_annotate():
            return change_summary([])
        state = _asset_state(edits, asset)
        missing = edit_state.missing_reasons(state, _listed(asset)) if edit_state.edited_keys(state) else []
        return change_summary(edit_state.changes(state), frozenset(c.key for c in missing))

    @app.callback(
        Output(review_ids.reason_feedback(ALL), "children"),
        Input(ids.DETAIL_REASONS_MISSING, "data"),
        Input(ids.DETAIL_EDITS, "data"),
        State(ids.DETAIL_ASSET, "data"),
        prevent_initial_call=True,
    )
    def show_missing(missing, edits, asset):
        # Beside each metric a refused Submit named, until its Fail has one of the reasons.
        keys = [item["id"]["key"] for item in ctx.outputs_list]
        if not asset or not keys:
            raise dash.exceptions.PreventUpdate
        state = _asset_state(edits, asset)
        still = {c.key for c in edit_state.missing_reasons(state, _listed(asset))} if missing else set()
        named = set(missing) if isinstance(missing, list) else set()
        return [feedback(asset.get("project")) if key in named & still else None for key in keys]

    @app.callback(
        Output(ids.DETAIL_EDITS, "data", allow_duplicate=True),
        Output(ids.DETAIL_REFRESH, "data"),
        Output(ids.DETAIL_RESULT, "children"),
        Output(ids.DETAIL_CONFLICTS, "data"),
        Output(ids.DETAIL_ASSET, "data"),
        Output(ids.DETAIL_REASONS_MISSING, "data"),
        Input(ids.DETAIL_SUBMIT, "n_clicks"),
        State(ids.DETAIL_EDITS, "data"),
        State(ids.DETAIL_ASSET, "data"),
        State(ids.DETAIL_REFRESH, "data"),
        prevent_initial_call=True,
    )
    @writes("annotate")  # refused before anything runs for anonymous users and viewers
    def submit(clicks, edits, asset, refresh):
        if not clicks or not asset:
            raise dash.exceptions.PreventUpdate
        state = _asset_state(edits, asset)
        annotation = edit_state.to_annotation(asset["id"], state)
        # A Fail without one of its project's reasons stops here, beside its metric, with nothing
        # saved or lost (the annotation service refuses it too, for every other client).
        store = current_portal().store
        project = reasons.asset_project(store, asset["id"])
        listed = reasons.project_reasons(store, project)
        missing = edit_state.missing_reasons(state, listed)
        if missing:
            return no_update, no_update, reasons_needed(missing, project, listed), no_update, no_update, [
                c.key for c in missing]
        # Raises Forbidden (viewer, anonymous), StoreUnavailable, ...: the one error path
        # shows the message; the edits stay in local storage for a retry.
        result = annotation_service.submit(current_portal(), current_user, annotation)
        refresh = int(refresh or 0) + 1
        if result.applied:
            fresh = {**asset, "version": result.version}
            if "notes" in state:
                fresh["notes"] = state["notes"] or None
            return _with_state(edits, asset, {}), refresh, saved(len(result.changes)), None, fresh, []
        conflicts = edit_state.conflict_json(result.conflicts, result.version)
        data = {"items": conflicts, "resolved": {}}
        return no_update, refresh, conflicts_panel(conflicts), data, no_update, []

    @app.callback(
        Output(ids.DETAIL_EDITS, "data", allow_duplicate=True),
        Output(ids.DETAIL_REFRESH, "data", allow_duplicate=True),
        Output(ids.DETAIL_RESULT, "children", allow_duplicate=True),
        Output(ids.DETAIL_CONFLICTS, "data", allow_duplicate=True),
        Input(ids.DETAIL_DISCARD, "n_clicks"),
        State(ids.DETAIL_EDITS, "data"),
        State(ids.DETAIL_ASSET, "data"),
        State(ids.DETAIL_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def discard(clicks, edits, asset, refresh):
        if not clicks or not asset:
            raise dash.exceptions.PreventUpdate
        return _with_state(edits, asset, {}), int(refresh or 0) + 1, None, None

    @app.callback(
        Output(ids.DETAIL_EDITS, "data", allow_duplicate=True),
        Output(ids.DETAIL_CONFLICTS, "data", allow_duplicate=True),
        Output(ids.DETAIL_RESULT, "children", allow_duplicate=True),
        Output(ids.DETAIL_REFRESH, "data", allow_duplicate=True),
        Input(detail_ids.conflict_keep(ALL, ALL), "n_clicks"),
        Input(detail_ids.conflict_drop(ALL, ALL), "n_clicks"),
        State(ids.DETAIL_CONFLICTS, "data"),
        State(ids.DETAIL_EDITS, "data"),
        State(ids.DETAIL_ASSET, "data"),
        State(ids.DETAIL_REFRESH, "data"),
        prevent_initial_call=True,
    )
    def resolve(keep, drop, conflicts, edits, asset, refresh):
        trigger = ctx.triggered_id
        if not trigger or not conflicts or not asset or not any((keep or []) + (drop or [])):
            raise dash.exceptions.PreventUpdate
        match = next((c for c in conflicts["items"]
                      if c.get("key") == trigger["key"] and c["field"] == trigger["field"]), None)
        if match is None:
            raise dash.exceptions.PreventUpdate
        state = _asset_state(edits, asset)
        kept = trigger["type"] == detail_ids.conflict_keep("", "")["type"]
        state = edit_state.keep_mine(state, match) if kept else edit_state.drop_mine(state, match)
        resolved = {**conflicts.get("resolved", {}), f"{match['key']}|{match['field']}": (
            "re-apply mine" if kept else "drop mine")}
        data = {**conflicts, "resolved": resolved}
        return (_with_state(edits, asset, state), data, conflicts_panel(conflicts["items"], resolved),
                int(refresh or 0) + 1)
