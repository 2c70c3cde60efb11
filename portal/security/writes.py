"""The mark every write path carries, and the permission check it brings.

A Dash callback that changes data is decorated with `writes(action)`; a Flask view
with `write_route(action)`. Both check `portal.accounts.auth.require(action)` on the server
*before* the body runs (whatever the request says: a forged POST to
/_dash-update-component is refused like a click), and both leave a mark that
`write_action` finds through any wrapping (Dash and Flask wrap the functions).

tests/test_write_paths.py walks every registered Dash callback and every Flask route
that accepts an unsafe method: a callback that reaches a write (the annotation service,
a store write) must carry the mark; a route must carry it or be one of the few known
session routes; and an anonymous or viewer request to each is refused and writes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import jsonify
from flask_login import current_user

from portal.errors import Forbidden

MARK = "__qc_portal_writes__"


def writes(action: str = "annotate") -> Callable:
    """Decorate a Dash callback that writes: `require(action)` runs first (Forbidden otherwise,
    which the callback error path shows to the user)."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def checked(*args, **kwargs):
            from portal.accounts.auth import require

            require(action)
            return function(*args, **kwargs)

        setattr(checked, MARK, action)
        return checked

    return decorate


def write_route(action: str = "annotate") -> Callable:
    """Decorate a Flask view that writes: refuses with 401 (not signed in) or 403 (role)
    as JSON `{"error", "message"}` before the view runs."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args, **kwargs):
            from portal.accounts.auth import require

            try:
                require(action)
            except Forbidden as exc:
                status = 401 if not getattr(current_user, "is_authenticated", False) else exc.status
                response = jsonify(error=exc.title, message=exc.message)
                response.status_code = status
                return response
            return view(*args, **kwargs)

        setattr(checked, MARK, action)
        return checked

    return decorate


def write_action(function: Callable) -> str | None:
    """The action a callback or view is marked with (through any `__wrapped__`), or None."""
    seen = set()
    while function is not None and id(function) not in seen:
        seen.add(id(function))
        action = getattr(function, MARK, None)
        if action is not None:
            return action
        function = getattr(function, "__wrapped__", None)
    return None
