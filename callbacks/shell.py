"""The frame around every page, built per request (the navbar shows who is signed in)."""

from __future__ import annotations

from flask_login import current_user

from components.shell import app_layout


def layout():
    """The app layout for the current request's user."""
    user = current_user
    name = user.display_name if getattr(user, "is_authenticated", False) else None
    return app_layout(user_name=name, user_role=getattr(user, "role", None))
