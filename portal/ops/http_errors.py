"""The app-wide error path: what a request answers when something fails below a view.

- The portal's database does not answer (SQLAlchemy `OperationalError`,
  `InterfaceError`, a pool timeout, a dropped connection; psycopg's and sqlite3's own
  errors when a driver raises them bare): 503 with the short message "the database did
  not answer", wherever it happened (the user loader, a token check, the login
  throttle, a view, a hook). The details (URL, host, port, file, driver text) go to the
  server log only.
- A `PortalError` a view did not catch: its status and message (the API blueprint has
  its own handler with the same shape).
- Anything else: 500 with a generic message; the traceback goes to the log.

API and Dash requests get JSON `{"error", "message"}` (the shape portal.api.http
documents); a browser navigating to a page gets a small HTML page saying the same.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, Response, jsonify, request
from markupsafe import escape
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import InternalServerError

from portal.errors import PortalError

log = logging.getLogger(__name__)

DATABASE_DOWN = "the database did not answer"
_DRIVER_ERRORS: tuple[type[BaseException], ...] = (sqlite3.OperationalError, sqlite3.InterfaceError)
try:  # psycopg is installed with the portal, but the SQLite default must not need it
    import psycopg

    _DRIVER_ERRORS += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - psycopg is a dependency
    pass

# Filled with escaped text, not a Jinja template: rendering one would ask flask-login for the
# current user (its context processor), i.e. the database this page may be reporting down.
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · QC Portal</title></head>
<body><main style="max-width: 36em; margin: 10vh auto; font-family: sans-serif">
<h1>{title}</h1><p>{message}</p><p><a href="{home}">Back to the portal</a></p>
</main></body></html>"""


def database_down(exc: BaseException | None) -> bool:
    """Whether `exc` means the database did not answer (rather than a bug in a query)."""
    if exc is None:
        return False
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) or isinstance(exc.orig, _DRIVER_ERRORS):
            return True
        # sqlite3's base class itself (not a subclass): the file is not a database, or is damaged.
        return type(exc.orig) is sqlite3.DatabaseError
    return isinstance(exc, (sa_exc.TimeoutError, sa_exc.DisconnectionError, *_DRIVER_ERRORS))


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:500] if text else type(exc).__name__


def wants_json() -> bool:
    """API, Dash and script requests answer JSON; a browser opening a page gets HTML."""
    path = request.path
    if path.startswith(("/api/", "/_dash")) or path == "/api":
        return True
    if request.method not in ("GET", "HEAD", "POST"):
        return True
    accept = request.accept_mimetypes
    return not (accept.accept_html and accept["text/html"] >= accept["application/json"])


def error_answer(status: int, title: str, message: str) -> Response:
    """The one error answer outside the API blueprint: JSON `{"error", "message"}` or a small page."""
    if wants_json():
        response = jsonify(error=title, message=message)
    else:
        page = _PAGE.format(title=escape(title), message=escape(message), home=escape(request.script_root + "/"))
        response = Response(page, mimetype="text/html")
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "5"  # the database usually comes back: say when to try again
    response.headers["Cache-Control"] = "no-store"
    return response


def unavailable(exc: BaseException) -> Response:
    """503 for a database that did not answer; the reason is logged, never sent."""
    log.error("%s %s: the database did not answer: %s: %s", request.method, request.path,
              type(exc).__name__, _first_line(exc))
    return error_answer(503, "Store unavailable", f"{DATABASE_DOWN}; try again in a moment.")


def init_error_handlers(server: Flask) -> None:
    """Register the app-wide handlers on `server` (see the module docstring)."""

    @server.errorhandler(sa_exc.DBAPIError)
    def _dbapi_error(exc: sa_exc.DBAPIError):
        if database_down(exc):
            return unavailable(exc)
        log.error("%s %s failed in the database", request.method, request.path, exc_info=exc)
        return error_answer(500, "internal error", "Something went wrong on the server.")

    for kind in (sa_exc.TimeoutError, sa_exc.DisconnectionError, *_DRIVER_ERRORS):
        server.register_error_handler(kind, unavailable)

    @server.errorhandler(PortalError)
    def _portal_error(exc: PortalError):
        if exc.status >= 500:
            log.warning("%s %s: %s", request.method, request.path, exc.message)
        return error_answer(exc.status, exc.title, exc.message)

    @server.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError):
        # Also reached by errors raised where no other handler applies (an after_request
        # hook, the user loader run while a response is finished): look at the cause.
        cause = exc.original_exception
        if database_down(cause):
            return unavailable(cause)
        if isinstance(cause, PortalError):
            return _portal_error(cause)
        return error_answer(500, "internal error", "Something went wrong on the server.")
