"""The frame around every page, built per request (the navbar shows who is signed in).

Dash also calls every layout once on its own, at the first request, to build its
*validation layout*, which it then sends to every visitor inside each page's config.
Whoever made that first request must leave no trace there: layouts ask `for_user()`
and show nobody's name and no data when it is False.
"""

from __future__ import annotations

import logging

import dash
from flask import g, has_request_context
from flask_login import current_user

from components.shell import app_layout
from portal.context import current_portal
from portal.review import assignments

log = logging.getLogger(__name__)
_READY = "qc_portal_user_request"


def for_user() -> bool:
    """True while a layout is built for the current request's user; False while Dash
    builds its shared validation layout (in its own first-request hooks)."""
    return has_request_context() and bool(g.get(_READY))


def open_reviews(user) -> int | None:
    """How many open assignments are given to `user` (the navbar's "My reviews" badge): one
    indexed count. None when it cannot be counted (the database did not answer, a store
    without the table): the link is shown without a number, the page never fails for it."""
    try:
        return assignments.open_count(current_portal(), user.name)
    except Exception as exc:  # a badge must never take the page down
        log.warning("navbar: open assignments not counted: %s", type(exc).__name__)
        return None


def layout():
    """The app layout for the current request's user."""
    user = current_user
    if not for_user() or not getattr(user, "is_authenticated", False):
        return app_layout()
    return app_layout(user_name=user.display_name, user_role=getattr(user, "role", None),
                      open_reviews=open_reviews(user))


def register(app: dash.Dash) -> None:
    """Mark requests as ready for user layouts, after Dash's own first-request hooks
    (registered when the Dash app was made, so they run before this one)."""

    @app.server.before_request
    def _user_request():
        g.setdefault(_READY, True)
