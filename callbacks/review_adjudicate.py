"""The adjudication queue (`/review?adjudicate=1`): the review page's mode for disputes.

The page, the keys and the stores are the review queue's (callbacks/review.py hands a press
here when the item shown is a dispute: its state carries `adjudicate`). `j` / `k` move
through the disputes, `p` / `f` decide one through portal.review.ratings.adjudicate (refused
on the server unless the user is an admin or one of the project's leads), then the next
dispute shows. Nothing else (undo, choices, reasons) applies here.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import dash
from flask_login import current_user

from components import review as view
from portal.context import current_portal
from portal.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal.qc.identity import MetricSelector
from portal.review import ratings as service
from portal.views.adjudication import dispute_item, disputes, index_of, may_adjudicate_any
from portal.views.review import DECISIONS, ReviewParams

TITLE = "Adjudication queue"


def refusal() -> object:
    """Why this user sees no disputes: they adjudicate nowhere."""
    return view.refused("Only admins and a project's leads adjudicate: its review policy names the leads "
                        "(the project's settings page).", sign_in=False)


def body(params: ReviewParams, groups_of, *, message: str | None = None, kind: str = "info", index: int = 0,
         done: int = 0) -> tuple[object, dict | None]:
    """(children, state) of the dispute at `index` of the user's disputes (or at the URL's
    position), or the end of the queue. `groups_of(item)` resolves the item's references."""
    portal = current_portal()
    if not may_adjudicate_any(portal, current_user):
        return refusal(), None
    items = disputes(portal, current_user, params.query)
    if params.at:
        index = index_of(items, params.at, params.key) or 0
    found = dispute_item(portal, items, index)
    if found is None:
        text = "No disputes to adjudicate: every rating round you may decide is settled."
        return ([view.empty(text), view.refused(message, sign_in=False)] if message else view.empty(text)), None
    item, rounds = found
    children = view.item(item, groups_of(item), message=message, message_kind=kind, done=done, rounds=rounds,
                         render=uuid.uuid4().hex[:12])
    state = {"adjudicate": True, "asset": item.detail.name, "asset_id": item.detail.id, "key": item.metric.key,
             "status": item.metric.status, "index": item.number - 1, "filters": params.filters,
             "order": params.order, "search": params.search(item.detail.name, item.metric.key)}
    return children, state


def move(params: ReviewParams, press: dict, state: dict, session: dict, groups_of):
    """j / k / n: the next or previous dispute (reading only)."""
    step = {"next": 1, "skip": 1, "prev": -1}.get(press.get("action"))
    if step is None:
        raise dash.exceptions.PreventUpdate
    index = int(state.get("index") or 0) + step
    if index < 0:
        raise dash.exceptions.PreventUpdate
    children, new_state = body(replace_position(params), groups_of, index=index, done=session["done"])
    return children, new_state, session


def decide(params: ReviewParams, press: dict, state: dict, session: dict, groups_of):
    """p / f: the adjudicator's decision, appended under their name; then the next dispute."""
    status = DECISIONS.get(press.get("action"))
    if status is None:
        raise dash.exceptions.PreventUpdate
    index = int(state.get("index") or 0)
    try:
        made = service.adjudicate(current_portal(), current_user, state["asset_id"], MetricSelector(key=state["key"]),
                                  status)
    except (Forbidden, Conflict, InvalidInput, NotFound) as exc:
        children, new_state = body(params, groups_of, message=exc.message, kind="danger", index=index,
                                   done=session["done"])
        return children, new_state, session
    session["done"] += 1
    # The decided dispute leaves the list: the one after it now has its index.
    children, new_state = body(replace_position(params), groups_of, index=index, done=session["done"], kind="success",
                               message=f"{made.metric} of {state['asset']}: {made.status}, appended under your name.")
    return children, new_state, session


def replace_position(params: ReviewParams) -> ReviewParams:
    """`params` without a position (the index says where)."""
    return replace(params, at=None, key=None, notes=())
