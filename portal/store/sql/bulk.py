"""Bulk inserts of the ingest hot path: many rows of one table, handed to the driver in one go.

`insert_rows(connection, table, rows)` stores exactly what `connection.execute(insert(table),
rows)` stores — every value goes through its column type's own bind processor (UTC
timestamps, JSON), and a column a row leaves out takes its scalar default — without
SQLAlchemy's per-row, per-parameter bookkeeping, which cost more than the database's
own work for the ingest's small rows (issue 19):

- SQLite: one `executemany` of positional rows on the driver;
- PostgreSQL: `COPY ... FROM STDIN` on the connection's own psycopg cursor.

Both run on the caller's connection, inside its transaction and savepoint, and a
driver error is raised as SQLAlchemy's (a duplicate key is still an IntegrityError, so a
clashing batch is split and retried as before: portal.store.sql.upserts).
"""

from __future__ import annotations

import functools
from operator import itemgetter

from sqlalchemy import String, Table, insert
from sqlalchemy.exc import DBAPIError


def insert_rows(connection, table: Table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in the caller's transaction."""
    if not rows:
        return
    dialect = connection.dialect
    plan = _plan(table, dialect, tuple(rows[0]))
    if plan is None:  # a default only SQLAlchemy can compute: its own path
        connection.execute(insert(table), rows)
        return
    values = plan.values(rows)
    if dialect.name == "postgresql":
        _copy(connection, plan.statement, values)
    else:
        connection.exec_driver_sql(plan.statement, values)


_UNSEEN = object()  # no column value is this object: the first row always converts


class _Plan:
    """How one table's rows with one set of keys become driver parameters."""

    def __init__(self, statement: str, columns: tuple[str, ...], keys: tuple[str, ...], processors: list,
                 defaults: tuple):
        self.statement, self.columns = statement, columns
        self._get = itemgetter(*keys) if len(keys) > 1 else (lambda row, key=keys[0]: (row[key],))
        self._processors = [(index, processor) for index, processor in enumerate(processors) if processor]
        self._defaults = defaults

    def values(self, rows: list[dict]) -> list[tuple]:
        """The parameter rows, in `columns` order."""
        get, defaults = self._get, self._defaults
        # Per processed column, the last value and what it became: a batch's rows share one `now`
        # (created_at, updated_at, at), converted once instead of per row. By identity only: a
        # processor is a pure function of its value, and no row changes while this runs.
        processors = [[index, processor, _UNSEEN, None] for index, processor in self._processors]
        out = []
        append = out.append
        for row in rows:
            value = [*get(row), *defaults]
            for memo in processors:
                index = memo[0]
                given = value[index]
                if given is not memo[2]:
                    memo[2], memo[3] = given, memo[1](given)
                value[index] = memo[3]
            append(tuple(value))  # SQLAlchemy's exec_driver_sql takes tuples (or dicts) only
        return out


@functools.lru_cache(maxsize=256)
def _plan(table: Table, dialect, keys: tuple[str, ...]) -> _Plan | None:
    # Cached per (table, dialect, keys): the statement and processors are the same for every batch.
    given = [table.c[key] for key in keys]
    defaulted = []
    for column in table.columns:
        if column.key in keys or column.default is None:
            continue  # left out: NULL, a server default or the autoincrement id, as SQLAlchemy leaves it
        if not column.default.is_scalar:
            return None
        defaulted.append(column)
    columns = [*given, *defaulted]
    names = tuple(column.name for column in columns)
    # The processors SQLAlchemy's own compiled insert applies (the type's, for this dialect).
    processors = [column.type._cached_bind_processor(dialect) for column in columns]
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    if dialect.name == "postgresql":
        statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN"
    else:
        marks = ", ".join("?" for _ in names)
        # Names come from the table definition, quoted; every value is a bound parameter.
        statement = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({quoted}) VALUES ({marks})"  # noqa: S608
    defaults = tuple(column.default.arg for column in defaulted)
    return _Plan(statement, names, keys, processors, defaults)


def _copy(connection, statement: str, values: list[tuple]) -> None:
    driver = connection.connection.driver_connection
    dialect = connection.dialect
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for value in values:
                copy.write_row(value)
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy raises it for its own statements: IntegrityError for a duplicate key.
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc


def add_counts(connection, table: Table, key: tuple[str, ...], columns: tuple[str, ...], rows: list[dict]) -> None:
    """Add each row's `columns` to the row of `table` with its `key` (inserted when missing):
    `INSERT ... ON CONFLICT (key) DO UPDATE SET c = c + excluded.c`, rows applied in the given
    order (callers sort them: concurrent writers then lock rows in one order, never deadlocking).

    Rows must have distinct keys (PostgreSQL refuses to update one row twice in a statement).
    SQLite: one driver executemany of SQLAlchemy's own compiled statement; PostgreSQL: one
    statement over `unnest` of one array per column (one round trip for the whole batch).
    """
    if not rows:
        return
    statement, names = _counts_statement(table, connection.dialect, key, columns)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(statement, tuple([row[name] for row in rows] for name in names))
    else:
        get = itemgetter(*names)
        connection.exec_driver_sql(statement, [get(row) for row in rows])


@functools.lru_cache(maxsize=64)
def _counts_statement(table: Table, dialect, key: tuple[str, ...], columns: tuple[str, ...]) -> tuple[str, tuple]:
    preparer = dialect.identifier_preparer
    names = (*key, *columns)
    target = preparer.format_table(table)
    updates = ", ".join(f"{preparer.quote(c)} = {target}.{preparer.quote(c)} + excluded.{preparer.quote(c)}"
                        for c in columns)
    conflict = ", ".join(preparer.quote(k) for k in key)
    quoted = ", ".join(preparer.quote(name) for name in names)
    if dialect.name == "postgresql":
        # Strings travel as text[]: a cast to VARCHAR(n)[] would cut an over-long value where the
        # insert into the column refuses it, as SQLAlchemy's statement did.
        arrays = ", ".join(f"%s::{_array_type(table.c[name].type, dialect)}[]" for name in names)
        source = f"SELECT * FROM unnest({arrays})"  # noqa: S608 - casts from the table definition
    else:
        source = f"VALUES ({', '.join('?' for _ in names)})"
    # Names come from the table definition, quoted; every value is a bound parameter.
    statement = (f"INSERT INTO {target} ({quoted}) {source} "  # noqa: S608
                 f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}")
    return statement, names


def _array_type(type_, dialect) -> str:
    return "TEXT" if isinstance(type_, String) else type_.compile(dialect=dialect)
