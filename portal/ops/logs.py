"""Logging: one access line per request (with a request id), text or JSON lines.

`RequestLog` wraps the WSGI app. It takes the caller's `X-Request-ID` (a load balancer
or another service may set one; anything but a short token is replaced) or makes one,
hands it to the app in the environ and to every log record of the request (a context
variable), returns it in the response's `X-Request-ID`, and when the response is done
logs `portal.access`: method, path, status, duration, size, client address. Paths only:
query strings can carry one-time secrets (the single sign-on callback's `code`), and
headers (cookies, Authorization) are never logged.

`logging_config(format, level)` is the `logging.config.dictConfig` of the whole process
(gunicorn's own loggers included), text or one JSON object per line on stderr.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

HEADER = "X-Request-ID"
ENVIRON_KEY = "qc_portal.request_id"
_REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("qc_portal_request_id", default="-")
# What a caller's id may look like (uuids, AWS ALB's "Root=1-..." trace ids): nothing to forge log lines with.
_VALID_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
access_log = logging.getLogger("portal.access")


def request_id() -> str:
    """The id of the request being handled ("-" outside a request)."""
    return _REQUEST_ID.get()


def _incoming_id(value: str | None) -> str:
    if value and _VALID_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestLog:
    """WSGI middleware: request id in and out, and the access line (see the module docstring)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        """Serve one request through the app, tagged with its id, and log it when done."""
        rid = _incoming_id(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_KEY] = rid
        token = _REQUEST_ID.set(rid)
        started = time.perf_counter()
        answer: dict = {}

        def start(status, headers, exc_info=None):
            answer["status"] = int(status.split(" ", 1)[0])
            answer["bytes"] = next((v for k, v in headers if k.lower() == "content-length"), None)
            headers = [(k, v) for k, v in headers if k.lower() != HEADER.lower()]
            headers.append((HEADER, rid))
            return start_response(status, headers, exc_info)

        def done():
            _log_access(environ, rid, answer.get("status", 500), answer.get("bytes"), started)

        try:
            body = self.app(environ, start)
        except BaseException:
            done()
            raise
        finally:
            # The id tags records logged while the app handles the request; a streamed
            # body is sent later, outside it (its access line still carries the id).
            _REQUEST_ID.reset(token)
        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
            # gunicorn sends files with sendfile() only when it gets its own wrapper back:
            # log now (the time to the first byte) rather than wrap it.
            done()
            return body
        return _ClosingBody(body, done)


class _ClosingBody:
    """The app's response body; `done` runs once, when it is all sent or when the server
    closes it (the client went away; a test client that never reads it to the end)."""

    def __init__(self, body, done):
        self._body, self._done = body, done

    def __iter__(self):
        yield from self._body
        self._finish()

    def close(self):
        """Close the app's body, then log."""
        try:
            if hasattr(self._body, "close"):
                self._body.close()
        finally:
            self._finish()

    def _finish(self):
        done, self._done = self._done, None
        if done:
            done()


def _log_access(environ, rid: str, status: int, size, started: float) -> None:
    ms = round((time.perf_counter() - started) * 1000, 1)
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    fields = {
        "request_id": rid,
        "method": environ.get("REQUEST_METHOD", "-"),
        "path": path,
        "status": status,
        "duration_ms": ms,
        "bytes": int(size) if size and str(size).isdigit() else None,
        "remote_addr": environ.get("REMOTE_ADDR", "-"),
    }
    level = logging.ERROR if status >= 500 else logging.INFO
    access_log.log(level, "%s %s %s %.1fms", fields["method"], path, status, ms, extra=fields)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (`%(request_id)s` in formats)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `request_id` unless the record carries one already (the access line)."""
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


# LogRecord's own attributes: everything else on a record came from `extra=`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s [%(request_id)s]: %(message)s"


def logging_config(log_format: str = "text", level: str = "INFO") -> dict:
    """The dictConfig for the process: one stderr handler, our format, gunicorn's loggers included.

    gunicorn's own access log is silenced: `portal.access` writes the line, with the
    request id, in the same format as everything else.
    """
    formatter = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"portal": formatter},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "portal",
                       "filters": ["request_id"]},
        },
        "root": {"level": "WARNING", "handlers": ["stderr"]},
        "loggers": {
            "portal": {"level": level, "propagate": True},
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            "alembic": {"level": "WARNING", "propagate": True},  # migrations are checked at every start
        },
    }


def configure(log_format: str = "text", level: str = "INFO") -> None:
    """Apply `logging_config` to this process (the CLI; gunicorn applies it from its config)."""
    import logging.config

    logging.config.dictConfig(logging_config(log_format, level))
