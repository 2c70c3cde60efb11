"""Checks a server runs once before it takes traffic, in gunicorn's master before any worker boots.

- the secret key: set and at least 32 characters outside demo mode (ConfigError: one line,
  exit status 2);
- the port: nothing else listens on it. With QC_PORTAL_REUSE_PORT every worker binds its
  own SO_REUSEPORT socket, and the kernel would let a second portal (of the same user)
  bind the same port too and silently take half the connections — possibly to an empty
  store. So the master probes the address with a plain socket first (no SO_REUSEPORT):
  the kernel refuses that bind while any socket listens there. PortInUse: one line, exit 1;
- the database: a PostgreSQL server still starting (a container started beside it) is
  waited for, up to QC_PORTAL_DATABASE_WAIT_S, with one log line per retry, instead of the
  portal exiting at once. StoreUnavailable after that.

`gunicorn.conf.py` (the Docker image) and `qc-portal serve` run `preflight` before gunicorn
starts; `portal.wsgi` runs the secret and database checks in each worker when gunicorn is
started without the config file.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
import time
from collections.abc import Callable
from typing import NoReturn

from portal.errors import ConfigError, PortalError, StoreUnavailable
from portal.settings import Settings

log = logging.getLogger("portal.ops.preflight")

MIN_SECRET_LENGTH = 32


def stop(exc: PortalError, status: int) -> NoReturn:
    """A server that cannot start: one bare `qc-portal: error: ...` line on stderr (like the
    command line's, whatever QC_PORTAL_LOG_FORMAT says: it comes before logging is set up,
    or from a worker gunicorn is about to give up on), then exit with `status`."""
    _start_errors().error("%s", exc.message)
    sys.exit(status)


def _start_errors() -> logging.Logger:
    logger = logging.getLogger("portal.start")
    if not logger.handlers:
        handler = logging.StreamHandler()  # stderr, flushed after each line
        handler.setFormatter(logging.Formatter("qc-portal: error: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.ERROR)
        logger.propagate = False  # the bare line only, not also the portal's log format
    return logger


_GENERATE = "python -c \"import secrets; print(secrets.token_urlsafe(48))\""


class PortInUse(PortalError):
    """Another process already listens on the address the server would bind."""

    status = 409
    title = "Address in use"


def check_secret(settings: Settings) -> None:
    """ConfigError unless the secret key is set and long enough (demo mode generates its own)."""
    from portal.accounts.secret import MISSING

    if settings.demo and not settings.secret_key:
        return
    if not settings.secret_key:
        raise ConfigError(MISSING)
    if len(settings.secret_key) < MIN_SECRET_LENGTH and not settings.demo:
        raise ConfigError(f"QC_PORTAL_SECRET_KEY is {len(settings.secret_key)} characters long; use at least "
                          f"{MIN_SECRET_LENGTH} random ones ({_GENERATE})")


def _host_port(bind: str) -> tuple[str, int] | None:
    if bind.startswith("unix:"):
        return None  # a socket file: gunicorn itself refuses one that is in use
    host, _, port = bind.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 - gunicorn's meaning of ":8000"


def check_port(bind: str) -> None:
    """PortInUse when something listens on `bind` (HOST:PORT) already."""
    address = _host_port(bind)
    if address is None:
        return
    host, port = address
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return  # gunicorn says so itself
    for family, kind, proto, _, where in infos:
        with socket.socket(family, kind, proto) as probe:
            # SO_REUSEADDR (as gunicorn sets it) ignores connections in TIME_WAIT; not SO_REUSEPORT,
            # with which the kernel would let this bind share a listening port.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(where)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUse(f"{bind} is already in use by another server (is a portal already running "
                                    "there?): stop it, or choose another address (QC_PORTAL_BIND, --port)") from None
                return  # not ours to judge (no such address, a privileged port): gunicorn reports it


def wait_for_database(settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                      clock: Callable[[], float] = time.monotonic) -> None:
    """Return once the portal's database answers; StoreUnavailable after QC_PORTAL_DATABASE_WAIT_S.

    SQLite is a local file, not a server that starts: it is not waited for.
    """
    if settings.is_sqlite:
        return
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from portal.store.sql.engine import describe, first_line, make_engine

    engine = make_engine(settings.database, timeout=settings.db_timeout)
    deadline = clock() + settings.database_wait_s
    delay, attempt = 0.5, 0
    try:
        while True:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                if attempt:
                    log.info("the database %s answers (after %d retries)", describe(engine), attempt)
                return
            except DBAPIError as exc:
                left = deadline - clock()
                if left <= 0:
                    raise StoreUnavailable(f"cannot use the database {describe(engine)}: {first_line(exc)} (waited "
                                           f"{settings.database_wait_s:g} s: QC_PORTAL_DATABASE_WAIT_S)") from None
                attempt += 1
                pause = min(delay, left)
                log.warning("the database %s does not answer yet (%s); retry %d in %.1f s (giving up %.0f s from "
                            "now: QC_PORTAL_DATABASE_WAIT_S)", describe(engine), first_line(exc), attempt, pause, left)
                sleep(pause)
                delay = min(delay * 2, 5.0)
    finally:
        engine.dispose()


_DONE: set[int] = set()  # pids that ran the checks: gunicorn re-reads its config file on SIGHUP


def preflight(settings: Settings, bind: str) -> None:
    """Every check, once per process (a reload of gunicorn's config file skips them: its own
    workers then listen on the port). ConfigError, PortInUse or StoreUnavailable."""
    if os.getpid() in _DONE:
        return
    check_secret(settings)
    # A master re-executed by SIGUSR2 (GUNICORN_PID is its parent) starts beside the old one on purpose.
    if "GUNICORN_PID" not in os.environ:
        check_port(bind)
    wait_for_database(settings)
    _DONE.add(os.getpid())
