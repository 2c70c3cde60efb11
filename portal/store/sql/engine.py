"""Engines for the portal's database: SQLite (WAL) or PostgreSQL, and migrations."""

from __future__ import annotations

import fcntl
import functools
import logging
import time
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from portal.errors import ConfigError, StoreUnavailable

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works: it only has to be the same for every portal instance sharing a database.
_MIGRATION_LOCK = 7_134_511
# How long a SQLite writer waits for the write lock (the busy timeout, and BEGIN IMMEDIATE's retries).
_SQLITE_WAIT_S = 10.0


def make_engine(url: str, *, timeout: float = 5.0) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout, PostgreSQL a connect timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"invalid setting QC_PORTAL_DATABASE: {url!r} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": timeout})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=10,
            connect_args={"connect_timeout": max(1, int(timeout))},
        )
    raise ConfigError(f"invalid setting QC_PORTAL_DATABASE: unsupported database {parsed.get_backend_name()!r}")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the driver, emit BEGIN (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # First, so that the statements after it wait for a lock too.
    cursor.execute(f"PRAGMA busy_timeout={int(_SQLITE_WAIT_S * 1000)}")
    # WAL lets readers (the web app) proceed while an ingest writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # pysqlite starts transactions lazily, at the first write, so a read-modify-write
    # would not be atomic. Writers take the write lock up front (BEGIN IMMEDIATE) and
    # so run one after the other; readers use a plain deferred BEGIN and never block on WAL.
    if not connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN")
        return
    # SQLite's busy timeout covers BEGIN IMMEDIATE; this loop covers the rare "database is
    # locked" that comes back at once all the same (CI saw one in 15 ms, behind one other
    # writer): past BEGIN IMMEDIATE, nothing in the transaction waits for a lock again.
    deadline, pause = time.monotonic() + _SQLITE_WAIT_S, 0.002
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if not is_locked(exc) or time.monotonic() + pause > deadline:
                raise
        log.info("SQLite said the database is locked at BEGIN IMMEDIATE: trying again in %.0f ms", pause * 1000)
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def is_locked(exc: DBAPIError) -> bool:
    """Whether a driver error is SQLite's "database is locked" (another writer holds the lock)."""
    return "database is locked" in str(getattr(exc, "orig", exc))


WRITE_OPTION = "qc_portal_write"


@contextmanager
def begin_write(engine: Engine):
    """`engine.begin()` for a transaction that writes; yields its connection. SQLite takes the
    write lock at BEGIN (BEGIN IMMEDIATE): a transaction that reads before it writes waits its
    turn behind another writer, where a plain BEGIN fails at once with "database is locked"
    (SQLite does not wait to turn a read transaction into a write one). PostgreSQL: as
    engine.begin()."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


def describe(engine: Engine) -> str:
    """The database URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def _alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@contextmanager
def _sqlite_migration_lock(engine: Engine):
    """Processes migrating one SQLite file take turns through a lock file beside it.

    Gunicorn workers start together over a new file: without this, one of them can get
    "database is locked" from SQLite (switching to WAL and upgrading a read transaction
    to a write one do not wait for the busy timeout), and that worker stops.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; several instances may call it at once."""
    with _sqlite_migration_lock(engine):
        _migrate(engine)


def _migrate(engine: Engine) -> None:
    try:
        # SQLite: a write transaction from the start (BEGIN IMMEDIATE), so gunicorn workers
        # starting together over a new file wait for each other (busy timeout) instead of
        # both reading, then failing to upgrade to the write lock ("database is locked").
        with engine.connect() as plain, plain.execution_options(**{WRITE_OPTION: True}).begin() as transaction:
            connection = transaction.connection
            if engine.dialect.name == "postgresql":
                # Two instances starting together must not both run a migration.
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            command.upgrade(_alembic_config(connection), "head")
    except DBAPIError as exc:
        # Refused connections, timeouts, a file that is not a database: all say why in one line.
        raise StoreUnavailable(f"cannot use the database {describe(engine)}: {_first_line(exc)}") from None


def missing_database(url: str, *, timeout: float = 5.0) -> str | None:
    """Why the portal's database at `url` does not exist yet (None when it does): a SQLite
    file that is not there (or empty), a PostgreSQL database no portal ever migrated.
    StoreUnavailable when the server does not answer. Creates nothing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            return None
        path = Path(database)
        return None if path.is_file() and path.stat().st_size > 0 else f"there is no portal database at {path}"
    engine = make_engine(url, timeout=timeout)
    try:
        with engine.connect() as connection:
            migrated = MigrationContext.configure(connection).get_current_revision() is not None
    except DBAPIError as exc:
        raise StoreUnavailable(f"cannot use the database {describe(engine)}: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    return None if migrated else f"the database {describe(engine)} holds no portal (it was never migrated)"


def schema_is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    with engine.connect() as connection:
        return schema_state(connection)[0] == "current"


@functools.cache
def _revisions() -> tuple[str, frozenset[str]]:
    # (head, every revision) of this release's migrations: the code does not change while
    # it runs, so they are read once per process rather than at every readiness probe.
    scripts = ScriptDirectory.from_config(_alembic_config(None))
    return scripts.get_current_head(), frozenset(r.revision for r in scripts.walk_revisions())


def schema_state(connection) -> tuple[str, str | None]:
    """(state, revision) of the database on `connection`; state is `current` (at this
    release's newest migration), `behind` (older, or not migrated at all) or `ahead` (a
    revision this release does not know: a newer release has migrated it)."""
    revision = MigrationContext.configure(connection).get_current_revision()
    head, known = _revisions()
    if revision == head:
        return "current", revision
    return ("behind" if revision is None or revision in known else "ahead"), revision


def first_line(exc: Exception) -> str:
    """The first line of a driver error (for one-line messages at start)."""
    return _first_line(exc)


def _first_line(exc: Exception) -> str:
    detail = getattr(exc, "orig", None) or exc
    return str(detail).strip().splitlines()[0] if str(detail).strip() else type(detail).__name__
