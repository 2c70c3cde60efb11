"""The one error path for callbacks: log with traceback, show the user a short message."""

from __future__ import annotations

import logging
import uuid

from dash import set_props

from components import ids
from portal.errors import PortalError
from portal.ops.http_errors import DATABASE_DOWN, database_down

log = logging.getLogger("portal.callbacks")


def on_callback_error(exc: Exception) -> None:
    """Dash's on_error hook: expected errors show their message, others an error id."""
    set_props(ids.ERROR_BANNER, {"children": user_message(exc), "is_open": True})


def user_message(exc: Exception) -> str:
    """What to tell the user of a callback's failure, logged here: a portal error's own message, a
    database that did not answer, or (for anything else, with its traceback in the log) a
    reference to quote."""
    if isinstance(exc, PortalError):
        log.warning("callback refused: %s", exc.message)
        return exc.message
    if database_down(exc):
        # The database went away under the callback (the user loader, a token list): say so,
        # without the driver's text (it names the host, port or file); the log has it.
        log.error("callback: the database did not answer: %s: %s", type(exc).__name__,
                  str(getattr(exc, "orig", exc)).strip().splitlines()[:1])
        return f"Store unavailable: {DATABASE_DOWN}. Your changes were not lost; try again in a moment."
    # The user gets a reference to quote; the traceback stays in the server log.
    ref = uuid.uuid4().hex[:8]
    log.exception("callback failed (ref %s)", ref)
    return f"Something went wrong on the server (ref {ref}). Your changes were not lost; try again."
