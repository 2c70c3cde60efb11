"""Transactions on the portal's database: a database that does not answer is StoreUnavailable.

One place for the plumbing every SQL store shares (the asset store, the ratings): a write
transaction takes SQLite's write lock up front (portal.store.sql.engine's WRITE_OPTION: a
read-modify-write is atomic there too); no URL or driver text reaches callers.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from portal.errors import StoreUnavailable
from portal.store.sql.engine import WRITE_OPTION, describe

log = logging.getLogger("portal.store.sql.store")


@contextmanager
def write_tx(engine: Engine, *, rollback: bool = False):
    """A write transaction on `engine` (rolled back at the end with `rollback`: a dry run)."""
    try:
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin() as transaction:
                yield connection
                if rollback:
                    transaction.rollback()
    except OperationalError as exc:
        log.error("the database %s did not answer: %s", describe(engine), short_error(exc))
        raise StoreUnavailable("the database did not answer") from None


@contextmanager
def read_tx(engine: Engine):
    """A connection for reads on `engine`."""
    try:
        with engine.connect() as connection:
            yield connection
    except OperationalError as exc:
        log.error("the database %s did not answer: %s", describe(engine), short_error(exc))
        raise StoreUnavailable("the database did not answer") from None


def short_error(exc: Exception) -> str:
    """The first line of a database error (the driver's message), for logs."""
    detail = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else exc
    text_ = str(detail or exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
