"""The assignments page `/review/assignments`: admins make and close assignments; every
signed-in account sees those given to it ("My reviews" in the navbar).

Making and closing carry the write mark `writes("admin")`: refused on the server before
anything runs for anyone but admins, a forged POST to /_dash-update-component included
(portal.review.assignments checks the role again). Errors the admin can fix (an unknown
filter key, too many assets, no reviewer) are shown in place and the form keeps its values.
"""

from __future__ import annotations

import logging

import dash
from dash import ALL, Input, Output, State, ctx, no_update, set_props
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.shell import for_user, open_reviews
from components import ids
from components.assignments import (
    assignment_list,
    assignments_page,
    created,
    my_reviews_label,
    refusal,
    sign_in_panel,
)
from components.shell import error_panel
from portal.context import current_portal
from portal.errors import Conflict, InvalidInput, NotFound, PortalError
from portal.review import assignments
from portal.security.writes import writes
from portal.views.assignments import AssignmentsView, load

log = logging.getLogger(__name__)
PATH = "/review/assignments"
MAX_PREFILL = 2000  # characters of `?filters=` put into the form


def layout(filters: str = "", **_query):
    """The page for the current user; `?filters=` prefills the admins' form (the overview's query string)."""
    if not for_user():  # Dash's shared validation layout: every id, nobody's data
        return assignments_page(AssignmentsView((), admin=True))
    if not getattr(current_user, "is_authenticated", False):
        return sign_in_panel(PATH)
    prefill = filters if isinstance(filters, str) else ""
    try:
        return assignments_page(load(current_portal(), current_user, filters=prefill[:MAX_PREFILL].lstrip("?")))
    except PortalError as exc:
        log.warning("assignments page: %s", exc)
        return error_panel(exc.title, exc.message)


def _list(messages: dict[int, str] | None = None):
    return assignment_list(load(current_portal(), current_user), messages)


def _update_navbar() -> None:
    """The admin's own "My reviews" count, which a create or close may have changed."""
    count = open_reviews(current_user)
    set_props(ids.NAV_MY_REVIEWS, {"children": my_reviews_label(count),
                                   "data-open-count": "" if count is None else str(count)})


@writes("admin")
def create(clicks, name, filters, reviewers):
    """Make an assignment from the form (admins); why not, in place, with the form untouched."""
    if not clicks:
        raise PreventUpdate
    people = [r for r in reviewers if isinstance(r, str)] if isinstance(reviewers, list) else []
    try:
        made = assignments.create(current_portal(), current_user, name if isinstance(name, str) else "",
                                  filters if isinstance(filters, str) else "", people)
    except InvalidInput as exc:
        return refusal(exc.message), no_update, no_update, no_update
    view = load(current_portal(), current_user)
    mine = next(c for c in view.cards if c.id == made.id)
    _update_navbar()
    return created(mine), assignment_list(view), "", []


@writes("admin")
def close(clicks):
    """Close the assignment whose button was clicked (admins); already closed: said on its card."""
    # Re-rendered buttons fire with no clicks: only a real click closes.
    if not ctx.triggered_id or not ctx.triggered or not ctx.triggered[0].get("value"):
        raise PreventUpdate
    assignment_id = ctx.triggered_id.get("assignment")
    if not isinstance(assignment_id, int) or isinstance(assignment_id, bool):
        raise PreventUpdate
    messages = {}
    try:
        assignments.close(current_portal(), current_user, assignment_id)
    except (Conflict, NotFound) as exc:
        messages[assignment_id] = exc.message
    _update_navbar()
    return _list(messages)


def register(app: dash.Dash) -> None:
    """Register the page and its callbacks on `app`."""
    dash.register_page("assignments", path=PATH, title="Assignments · QC Portal", name="Assignments", layout=layout)
    app.callback(Output(ids.ASSIGN_MESSAGE, "children"), Output(ids.ASSIGN_LIST, "children"),
                 Output(ids.ASSIGN_NAME, "value"), Output(ids.ASSIGN_REVIEWERS, "value"),
                 Input(ids.ASSIGN_CREATE, "n_clicks"), State(ids.ASSIGN_NAME, "value"),
                 State(ids.ASSIGN_FILTERS, "value"), State(ids.ASSIGN_REVIEWERS, "value"),
                 prevent_initial_call=True)(create)
    app.callback(Output(ids.ASSIGN_LIST, "children", allow_duplicate=True),
                 Input(ids.assignment_close(ALL), "n_clicks"), prevent_initial_call=True)(close)
