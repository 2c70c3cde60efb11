"""Transactions on the portal's database: a database that does not answer is StoreUnavailable.

One place for the plumbing every SQL store shares (the asset store, the ratings): a write
transaction takes SQLite's write lock up front (portal.store.sql.engine's WRITE_OPTION: a
read-modify-write is atomic there too); no URL or driver text reaches callers.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from portal.errors import StoreUnavailable
from portal.store.sql.engine import begin_write, describe

log = logging.getLogger("portal.store.sql.store")


@contextmanager
def write_tx(engine: Engine, *, rollback: bool = False):
    """A write transaction on `engine` (rolled back at the end with `rollback`: a dry run)."""
    started = time.monotonic()
    try:
        with begin_write(engine) as connection:
            yield connection
            if rollback:
                connection.get_transaction().rollback()
    except OperationalError as exc:
        log.error("the database %s did not answer (%s, after %.0f ms): %s", describe(engine), _statement(exc),
                  (time.monotonic() - started) * 1000, short_error(exc))
        raise StoreUnavailable("the database did not answer") from None


@contextmanager
def read_tx(engine: Engine):
    """A connection for reads on `engine`."""
    try:
        with engine.connect() as connection:
            yield connection
    except OperationalError as exc:
        log.error("the database %s did not answer (%s): %s", describe(engine), _statement(exc), short_error(exc))
        raise StoreUnavailable("the database did not answer") from None


def _statement(exc: DBAPIError) -> str:
    # Which statement failed (its first words, never its parameters): a lock error at BEGIN
    # and one at a later statement have different causes.
    words = " ".join(str(exc.statement or "").split()[:2])
    return f"at {words}" if words else "connecting"


def short_error(exc: Exception) -> str:
    """The first line of a database error (the driver's message), for logs."""
    detail = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else exc
    text_ = str(detail or exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
