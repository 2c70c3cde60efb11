"""The review queue (`/review`): its layout and the two key-press callbacks.

assets/review.js turns key presses into data on two stores: REVIEW_MOVE (next, previous,
skip: reading only) and REVIEW_DECIDE (Pass, Fail, confirm a choice, undo: writes, so the
callback carries the write mark and is refused on the server for viewers and anonymous
visitors, a forged POST included). Each press names the item it was made on; a press
meant for an item no longer shown is dropped, so a fast reviewer never decides the
wrong metric. The page keeps the position in the URL (history.replaceState: no reload).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace

import dash
from dash import ClientsideFunction, Input, Output, State
from flask import request
from flask_login import current_user

from callbacks import review_adjudicate as adjudicate
from callbacks.shell import for_user
from components import ids
from components import review as view
from portal.accounts.auth import can
from portal.context import current_portal
from portal.errors import Conflict, InvalidInput, NotFound, PortalError
from portal.qc import status_from_choice
from portal.qc.identity import MetricSelector
from portal.qc.types import PENDING
from portal.references import AssetLocation
from portal.references.route import resolvers
from portal.review import annotation_service
from portal.review import ratings as ratings_service
from portal.review.assignments import assignment_filters
from portal.security.writes import writes
from portal.store.protocol import Annotation, MetricEdit
from portal.store.queue_types import REVIEW_ORDERS
from portal.views.asset.model import load_detail
from portal.views.asset.viewers import reference_groups
from portal.views.review import (
    DECISIONS,
    Queue,
    ReviewItem,
    ReviewParams,
    choice,
    conflict_message,
    decision,
    fail_reasons,
    parse_review,
    with_assignment,
)
from portal.views.review_ratings import RaterView, rated_message

log = logging.getLogger(__name__)
KEEP = 50  # decisions (for undo) and visited items (for k) a tab remembers


def _may_review() -> bool:
    return can(current_user, "annotate")


def _refusal():
    signed_in = bool(getattr(current_user, "is_authenticated", False))
    if signed_in:
        return view.refused(f"Your role ({current_user.role}) may not review: only annotators and admins decide "
                            "metrics. The overview and the asset pages show everything.", sign_in=False)
    return view.refused("Sign in as an annotator to review the queue.", sign_in=True)


def _groups(item: ReviewItem, metric=None, detail=None):
    """The resolved references of a metric (the item's own, by default)."""
    detail = detail or item.detail
    metric = metric or item.metric
    settings = current_portal().settings
    host = request.host_url.rstrip("/")
    return reference_groups(AssetLocation(detail.name, detail.summary.location), [metric], resolvers(),
                            app_url=dash.get_relative_path, absolute_url=lambda path: host + path,
                            frame_hosts=settings.embeddable_hosts)


def _state(params: ReviewParams, item: ReviewItem) -> dict:
    """What the next key press needs of the item shown (JSON)."""
    return {
        "asset": item.detail.name, "asset_id": item.detail.id, "key": item.metric.key,
        "version": item.detail.version, "seen_history": len(item.metric.history), "status": item.metric.status,
        "place": list(item.place) if item.place else None, "filters": params.filters, "order": params.order,
        "search": params.search(item.detail.name, item.metric.key),
    }


def _raters() -> RaterView:
    return RaterView(current_portal(), current_user)


def _queue(params: ReviewParams, raters: RaterView) -> Queue:
    """The queue of `params` for this reviewer (passing over what they rated and others have not yet)."""
    return Queue(current_portal().store, params, skip=raters.skip if raters.active else None)


def _render(params: ReviewParams, item: ReviewItem | None, session: dict, *, message: str | None = None,
            kind: str = "warning", last: dict | None = None, raters: RaterView | None = None,
            resume: dict | None = None):
    """(children, state) of the item container: the item, or the end of the queue.

    `resume`: the item is a blinded repeat, and the queue goes on from this position after it."""
    if item is None:
        text = "Nothing is Pending under these filters." if not last else "Nothing Pending after this item."
        state = {**last, "end": True} if last else None
        body = view.empty(text)
        if message:
            body = [view.empty(text), view.refused(message, sign_in=False)]
        return body, state
    prefetch = ()
    if item.next_metric is not None:
        prefetch = tuple(v for g in _groups(item, item.next_metric, item.next_detail) for v in g.viewers)
    raters = raters or _raters()
    rounds = raters.round_view(item.detail, item.metric.key) if raters.active else None
    masked = raters.active and raters.masked(item.detail)
    children = view.item(item, _groups(item), prefetch=prefetch, message=message, message_kind=kind,
                         reasons=fail_reasons(current_portal(), item.detail), done=int(session.get("done", 0)),
                         render=uuid.uuid4().hex[:12], rounds=rounds, masked=masked)
    state = _state(params, item)
    if resume:
        state["resume"] = resume
    return children, state


def _resolved(params: ReviewParams) -> ReviewParams:
    """`params` with an assignment's filters (NotFound / Conflict for an unknown or closed one)."""
    return with_assignment(params, lambda number: assignment_filters(current_portal().store, number))


def _params(state: dict) -> ReviewParams:
    params = _resolved(parse_review(state.get("filters") or ""))
    order = state.get("order")
    return replace(params, order=order if order in REVIEW_ORDERS else params.order, at=None, key=None, notes=())


def _session(data) -> dict:
    data = data if isinstance(data, dict) else {}
    return {"decisions": list(data.get("decisions") or [])[-KEEP:], "trail": list(data.get("trail") or [])[-KEEP:],
            "done": int(data.get("done") or 0)}


def _pressed(press, state) -> dict:
    """The key press, if it was made on the item shown (else the page moved on: dropped)."""
    if not isinstance(press, dict) or not isinstance(state, dict) or not state.get("asset"):
        raise dash.exceptions.PreventUpdate
    if press.get("item") != [state["asset"], state["key"]]:
        raise dash.exceptions.PreventUpdate
    return press


def layout(**query):
    """The queue at the URL's filters, order and position, built per request."""
    if not for_user():  # Dash's shared validation layout: no user, no data
        return view.page(None, state=None, orders=dict.fromkeys(REVIEW_ORDERS, ""), order="oldest")
    params = parse_review(query)
    orders = {name: dash.get_relative_path("/review") + replace(params, order=name).search(None, None)
              for name in REVIEW_ORDERS}
    if not _may_review():
        return view.page(_refusal(), state=None, orders=orders, order=params.order, notes=params.notes)
    if params.adjudicate:
        try:
            body, state = adjudicate.body(params, _groups)
        except PortalError as exc:
            log.warning("adjudication queue: %s", exc)
            body, state = view.refused(exc.message, sign_in=False), None
        return view.page(body, state=state, orders={}, order=params.order, notes=params.notes, title=adjudicate.TITLE)
    try:
        params = _resolved(params)
        raters = _raters()
        queue = _queue(params, raters)
        item = queue.at(params.at, params.key) if params.at else queue.first()
        body, state = _render(params, item, {}, raters=raters)
    except PortalError as exc:
        log.warning("review queue: %s", exc)
        body, state = view.refused(exc.message, sign_in=False), None
    return view.page(body, state=state, orders=orders, order=params.order, notes=params.notes)


def _next_after(queue: Queue, state: dict):
    """The item after the one shown, or after the position a blinded repeat interrupted."""
    resume = state.get("resume")
    if resume:
        return queue.next(resume["asset"], resume["key"], resume.get("place"))
    return queue.next(state["asset"], state["key"], state.get("place"))


def move(press, state, session):
    """j / k / n and the arrows: the next or previous item (reading only)."""
    press = _pressed(press, state)
    if not _may_review():
        raise dash.exceptions.PreventUpdate  # the page shows no queue to them; a forged press reads nothing
    if state.get("adjudicate"):
        return adjudicate.move(_params(state), press, state, _session(session), _groups)
    params, session, raters = _params(state), _session(session), _raters()
    queue = _queue(params, raters)
    here = [state["asset"], state["key"]]
    action = press.get("action")
    if action == "prev":
        trail = session["trail"]
        if trail:
            asset, key = trail.pop()
            item = queue.at(asset, key, exact=True)
        else:
            item = queue.previous(state["asset"], state["key"], state.get("place"))
        if item is None:
            raise dash.exceptions.PreventUpdate  # the first item: nothing before it
    elif action in ("next", "skip"):
        if state.get("end"):
            raise dash.exceptions.PreventUpdate
        item = _next_after(queue, state)
        if not state.get("resume"):
            session["trail"] = [*session["trail"], here][-KEEP:]
    else:
        raise dash.exceptions.PreventUpdate
    children, new_state = _render(params, item, session, last=state, raters=raters)
    return children, new_state, session


def _text(press: dict, field: str) -> str | None:
    value = press.get(field)
    return value if isinstance(value, str) else None


@writes("annotate")  # refused before anything runs for anonymous users and viewers (direct POSTs too)
def decide(press, state, session):
    """p / f / Enter / u: one annotation through the annotation service (or, in a project that
    needs several ratings, one rating), then the next item."""
    press = _pressed(press, state)
    if state.get("adjudicate"):
        return adjudicate.decide(_params(state), press, state, _session(session), _groups)
    params, session, raters = _params(state), _session(session), _raters()
    queue = _queue(params, raters)
    action = press.get("action")
    if action == "undo":
        return _undo(queue, params, state, session, raters)
    if action not in (*DECISIONS, "confirm") or state.get("end"):
        raise dash.exceptions.PreventUpdate
    portal = current_portal()
    try:
        detail = load_detail(portal.store, state["asset_id"], with_derived=False)
    except NotFound:
        detail = None
    metric = next((m for m in detail.metrics if m.key == state["key"]), None) if detail else None
    if metric is None:  # gone meanwhile (deleted, re-issued without it): go on to the next item
        item = _next_after(queue, state)
        children, new_state = _render(params, item, session, last=state, kind="secondary", raters=raters,
                                      message=f"{state['key']} of {state['asset']} is no longer there: not saved.")
        return children, new_state, session
    status = DECISIONS.get(action)
    option = press.get("option") if isinstance(press.get("option"), int) else None

    def in_place(message: str, kind: str = "secondary"):
        shown = queue.at(state["asset"], state["key"], exact=True)
        children, new_state = _render(params, shown, session, message=message, kind=kind, last=state, raters=raters,
                                      resume=state.get("resume"))
        return children, new_state, session

    if raters.multi(detail):
        return _rate(queue, params, state, session, raters, detail, metric, status, option, press, in_place)
    try:
        annotation = decision(state, metric, status, option, reason=_text(press, "reason"),
                              comment=_text(press, "comment"))
        result = annotation_service.submit(portal, current_user, annotation)
    except (InvalidInput, Conflict) as exc:  # a reason missing or not the project's, a policy refusal
        return in_place(exc.message)
    if not result.applied:
        # Someone else decided it meanwhile: nothing of theirs or ours is lost. The metric is
        # shown as it is now (their entry in its history); a new press adds ours after theirs.
        log.info("review: %s's %s of %s / %s met a conflict", current_user.name, action, state["asset"], state["key"])
        return in_place(conflict_message(result.conflicts, status), "danger")
    new_status = annotation.edits[0].status or PENDING
    session["decisions"] = [*session["decisions"], {"asset": state["asset"], "asset_id": state["asset_id"],
                                                    "key": state["key"], "from": state["status"],
                                                    "to": new_status}][-KEEP:]
    session["done"] += 1
    if new_status == PENDING:
        # A choice saved whose options imply no status: still Pending, stay for p / f.
        return in_place("Choice saved; the metric is still Pending: press p or f to decide it.", "success")
    session["trail"] = [*session["trail"], [state["asset"], state["key"]]][-KEEP:]
    item = queue.next(state["asset"], state["key"], state.get("place"))
    children, new_state = _render(params, item, session, last=state, raters=raters)
    return children, new_state, session


def _rate(queue, params, state, session, raters, detail, metric, status, option, press, in_place):
    """A decision in a project that needs several ratings: a rating (portal.review.ratings),
    then the next item, or now and then a blinded repeat (the policy's repeat_fraction)."""
    if status is None and option is not None:
        status = status_from_choice(choice(metric, option) or {})
    if status is None:
        return in_place("A rating is Pass or Fail: press p or f (a choice alone is not a rating here).")
    shown_ms = press.get("shown_ms")
    shown_ms = int(shown_ms) if isinstance(shown_ms, int | float) and 0 <= shown_ms < 86_400_000 else None
    try:
        made = ratings_service.decide(current_portal(), current_user, detail.id, MetricSelector(key=metric.key),
                                      status, reason=_text(press, "reason"), comment=_text(press, "comment"),
                                      shown_ms=shown_ms)
    except (InvalidInput, Conflict) as exc:
        return in_place(exc.message)
    session["done"] += 1
    message, kind = rated_message(made)
    resume = state.get("resume") or {"asset": state["asset"], "key": state["key"], "place": state.get("place")}
    nxt = _next_after(queue, state)
    repeat = raters.repeat_due(detail) if made.recorded != "repeat" and nxt is not None else None
    if repeat is not None:
        again = queue.at(*repeat, exact=True)
        if again is not None:
            # Shown as the next item would be: its place in the queue, nothing saying it is a repeat.
            again = replace(again, number=nxt.number, total=nxt.total, note=None)
            children, new_state = _render(params, again, session, message=message or None, kind=kind, last=state,
                                          raters=raters, resume=resume)
            return children, new_state, session
    if not state.get("resume"):
        session["trail"] = [*session["trail"], [state["asset"], state["key"]]][-KEEP:]
    children, new_state = _render(params, nxt, session, message=message or None, kind=kind, last=state,
                                  raters=raters)
    return children, new_state, session


def _undo(queue: Queue, params: ReviewParams, state: dict, session: dict, raters: RaterView):
    """Put the last decision's metric back to the status it had, by appending that status
    again (the history keeps both entries); refused when someone changed it since. Ratings
    are not undone: going back (k) and rating again replaces one while its round is open."""
    if not session["decisions"]:
        shown = queue.at(state["asset"], state["key"], exact=True) if not state.get("end") else None
        text = "Nothing to undo in this tab."
        if shown is not None and raters.multi(shown.detail):
            text += " Ratings are not undone: go back (k) and rate again while the round is open."
        children, new_state = _render(params, shown, session, message=text, kind="secondary", last=state,
                                      raters=raters)
        return children, new_state, session
    last = session["decisions"][-1]
    item = queue.at(last["asset"], last["key"], exact=True)
    if item is None:
        shown = queue.at(state["asset"], state["key"], exact=True) if not state.get("end") else None
        children, new_state = _render(params, shown, session, kind="secondary", last=state, raters=raters,
                                      message=f"Cannot undo: {last['asset']} is no longer there.")
        return children, new_state, session
    metric = item.metric
    if metric.status != last["to"]:
        entry = metric.history[-1] if metric.history else None
        who = f"{entry.evaluator or 'someone'} set {entry.status}" if entry else "someone changed it"
        children, new_state = _render(params, item, session, kind="danger", raters=raters,
                                      message=f"Not undone: {who} since your {last['to']}. Nothing was changed.")
        return children, new_state, session
    annotation = Annotation(item.detail.id, item.detail.version,
                            (MetricEdit(key=metric.key, status=last["from"], seen_history=len(metric.history)),))
    result = annotation_service.submit(current_portal(), current_user, annotation)
    if not result.applied:
        fresh = queue.at(last["asset"], last["key"], exact=True)
        children, new_state = _render(params, fresh, session, kind="danger", raters=raters,
                                      message=conflict_message(result.conflicts, f"undo to {last['from']}"))
        return children, new_state, session
    session["decisions"] = session["decisions"][:-1]
    session["done"] = max(0, session["done"] - 1)
    item = queue.at(last["asset"], last["key"], exact=True)
    children, new_state = _render(params, item, session, kind="info", raters=raters,
                                  message=f"Undone: {metric.name} is {last['from']} again (its history keeps your "
                                          f"{last['to']} and this entry).")
    return children, new_state, session


def register(app: dash.Dash) -> None:
    """Register the page and its callbacks on `app`."""
    dash.register_page("review", path="/review", title="Review queue · QC Portal", name="Review", layout=layout)
    outputs = (Output(ids.REVIEW_ITEM, "children", allow_duplicate=True),
               Output(ids.REVIEW_STATE, "data", allow_duplicate=True),
               Output(ids.REVIEW_SESSION, "data", allow_duplicate=True))
    states = (State(ids.REVIEW_STATE, "data"), State(ids.REVIEW_SESSION, "data"))
    app.callback(*outputs, Input(ids.REVIEW_MOVE, "data"), *states, prevent_initial_call=True)(move)
    app.callback(*outputs, Input(ids.REVIEW_DECIDE, "data"), *states, prevent_initial_call=True)(decide)
    app.clientside_callback(
        ClientsideFunction("qcReview", "syncUrl"),
        Output(ids.REVIEW_URL_SYNC, "data"),
        Input(ids.REVIEW_STATE, "data"),
    )

