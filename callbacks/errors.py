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
    if isinstance(exc, PortalError):
        message = exc.message
        log.warning("callback refused: %s", message)
    elif database_down(exc):
        # The database went away under the callback (the user loader, a token list): say so,
        # without the driver's text (it names the host, port or file); the log has it.
        log.error("callback: the database did not answer: %s: %s", type(exc).__name__,
                  str(getattr(exc, "orig", exc)).strip().splitlines()[:1])
        message = f"Store unavailable: {DATABASE_DOWN}. Your changes were not lost; try again in a moment."
    else:
        # The user gets a reference to quote; the traceback stays in the server log.
        ref = uuid.uuid4().hex[:8]
        log.exception("callback failed (ref %s)", ref)
        message = f"Something went wrong on the server (ref {ref}). Your changes were not lost; try again."
    set_props(ids.ERROR_BANNER, {"children": message, "is_open": True})
