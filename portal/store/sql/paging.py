"""Pages of the asset listing at any depth without walking the rows they skip (issue 19).

An OFFSET page walks `offset` entries of the sort index, and the total is a count of every
matching row: both grow with the store (a last page at 100 000 assets walked 100 000 index
entries, and every block counted them all). Here:

- **Keyset continuation.** The grid asks blocks in order when it scrolls. Each served
  block leaves the sort key (sort value, name) of its first and last row in a bounded
  per-process cache, keyed by (query, sort, row position). A block that starts right after
  a remembered row reads the rows after that key (an index range seek), and a block that
  ends right before one reads the rows before it (scrolling back up from the end).
- **The far end.** A block past the middle of the result is read in the reversed order
  from the other end (a smaller offset), then put back in order: the last page costs what
  the first does.
- **Totals.** Answered by the pre-aggregated asset_counts when the filters allow
  (aggregates.answers), else counted, and cached like the keys.

Nothing cached is used unless the database is provably unchanged since it was read
(`Freshness`): a cached key is a position in the rows as they were, and one write before
it (an insert, a delete, a changed sort value, from any process) moves every row after it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace

from sqlalchemy import event, func, select

from portal.store.protocol import AssetQuery, Sort
from portal.store.sql import aggregates, filters
from portal.store.sql.tables import assets

FRESHNESS_DIALECTS = ("sqlite", "postgresql")  # where a Freshness token can repeat (elsewhere: always new)
CACHE_SIZE = 2048  # entries: a block leaves 2 keys, a query 1 total; a few dozen bytes each
_SEEN = "qc_portal_data_version"  # connection.info: the PRAGMA data_version this connection last saw
_WROTE = "qc_portal_wrote"  # connection.info: this connection ran a write since its checkout


class Freshness:
    """A token for the state of the database: two equal tokens mean nothing was committed between them.

    PostgreSQL: the transaction snapshot (`pg_current_snapshot()`: xmin, xmax and the
    transactions in progress). A commit or abort of any transaction that wrote, by any
    process, changes it (its id leaves the in-progress list or raises xmax), so an equal
    snapshot proves the same committed data. Read-only transactions take no id and leave it
    alone. Any write of the cluster counts, the portal's own tables too: a miss costs an
    OFFSET page, never a wrong one.

    SQLite: a generation number of this process, raised (a) after a connection of this
    engine that ran a write statement goes back to the pool, that is after its commit
    or rollback, and (b) whenever a connection's `PRAGMA data_version` differs from the
    one it saw last (or it never looked): SQLite changes that value when *another*
    connection, of any process, committed. A token is taken before the data is read, in
    the same read transaction (the pragma starts its snapshot). Any commit after it is
    either this process's own (a) or seen by the next connection that looks (b).

    Other databases: a new token every time (nothing is ever reused).
    """

    def __init__(self, engine):
        self.dialect = engine.dialect.name
        self.generation = 0
        self._lock = threading.Lock()
        if self.dialect == "sqlite":
            event.listen(engine, "after_cursor_execute", _note_write)
            event.listen(engine, "checkin", self._checked_in)

    def _bump(self) -> None:
        with self._lock:
            self.generation += 1

    def _checked_in(self, _dbapi_connection, record) -> None:
        if record.info.pop(_WROTE, False):
            self._bump()

    def token(self, connection):
        """The token of the database as `connection` (in its read transaction) sees it now."""
        if self.dialect == "postgresql":
            return connection.exec_driver_sql("SELECT pg_current_snapshot()::text").scalar_one()
        if self.dialect != "sqlite":
            return object()
        seen = connection.exec_driver_sql("PRAGMA data_version").scalar_one()
        if connection.info.get(_SEEN) != seen:
            connection.info[_SEEN] = seen
            self._bump()
        return self.generation


def _note_write(connection, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    # What is not a plain read counts as a write (DDL, DML, BEGIN IMMEDIATE, SAVEPOINT...): a
    # read taken for a write costs a cache miss, a write taken for a read would cost a wrong page.
    head = statement.lstrip()[:60].upper()
    if not (head.startswith("SELECT") or head == "BEGIN" or _reading_pragma(head)):
        connection.info[_WROTE] = True


# PRAGMAs that only read: data_version (the token itself) and the schema lookups of Alembic
# and SQLAlchemy's reflection (the readiness probe's has_table). Counted as writes, the probe
# a load balancer sends every few seconds made every kept page and total a miss.
_READ_PRAGMAS = frozenset({"DATA_VERSION", "TABLE_INFO", "TABLE_XINFO", "INDEX_LIST", "INDEX_INFO", "INDEX_XINFO",
                           "FOREIGN_KEY_LIST"})


def _reading_pragma(head: str) -> bool:
    if not head.startswith("PRAGMA") or "=" in head:
        return False
    name = head[6:].strip().split("(")[0].strip().rsplit(".", 1)[-1].strip('"')
    return name in _READ_PRAGMAS


class PageCache:
    """A bounded LRU of values valid for one Freshness token (thread-safe: gunicorn threads share it).

    A token, once replaced, never comes back (a commit cannot be undone), so storing under a
    new token drops everything stored under the old one: what a write made stale is freed at
    once instead of lingering until it is pushed out. A value computed under an older token
    and stored after a newer one (a request that overlapped a commit) drops the newer values
    instead: a miss for the next request, never a stale value.
    """

    def __init__(self, size: int = CACHE_SIZE):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._token = None
        self._lock = threading.Lock()

    def get(self, key, token):
        """The value stored under `key` with this `token`, else None."""
        with self._lock:
            if token != self._token:
                return None
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key, token, value) -> None:
        """Store `value` under `key` for `token` (the least recently used entry goes when full)."""
        with self._lock:
            if token != self._token:
                self._entries.clear()
                self._token = token
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Pager:
    """Reads pages of the (ungrouped) listing: keyset continuation, the far end, cached totals."""

    def __init__(self, engine, size: int = CACHE_SIZE):
        self.freshness = Freshness(engine)
        self.cache = PageCache(size)

    def page(self, connection, query: AssetQuery, sort: Sort, offset: int, limit: int, columns) -> tuple[list, int]:
        """(the rows of `columns` at [offset, offset + limit) in filters.order_by(sort), the total matching)."""
        token = self.freshness.token(connection)
        clause = filters.where(query)
        total = self.cache.get(("total", query), token)
        if total is None:
            total = count(connection, query, clause)
            self.cache.put(("total", query), token, total)
        limit = min(limit, total - offset)
        if limit <= 0:
            return [], total
        dialect = connection.dialect.name
        before = self.cache.get(("key", query, sort, offset - 1), token) if offset else None
        after = self.cache.get(("key", query, sort, offset + limit), token) if offset + limit < total else None
        if before is not None:  # scrolling down: the rows after the previous block's last
            ids = seek(clause, sort, before, limit, dialect)
        elif after is not None:  # scrolling up: the rows before the next block's first, read backwards
            ids = seek(clause, flipped(sort), after, limit, dialect)
        elif 2 * offset + limit > total:  # past the middle: from the other end
            ids = [_ids(clause, flipped(sort), dialect).offset(total - offset - limit).limit(limit)]
        else:
            ids = [_ids(clause, sort, dialect).offset(offset).limit(limit)]
        rows = _rows(connection, ids, limit, sort, columns)
        if rows:
            name = sort_key_name(sort)
            self.cache.put(("key", query, sort, offset), token, (getattr(rows[0], name), rows[0].name))
            last = offset + len(rows) - 1
            self.cache.put(("key", query, sort, last), token, (getattr(rows[-1], name), rows[-1].name))
        return rows, total


def count(connection, query: AssetQuery, clause) -> int:
    """How many assets match: from asset_counts when it answers the filters exactly, else counted."""
    if aggregates.answers(query, totals=True):
        return sum(aggregates.totals(connection, query).values())
    return connection.execute(select(func.count()).select_from(assets).where(clause)).scalar_one()


def flipped(sort: Sort) -> Sort:
    """The exact reverse of filters.order_by(sort): the other direction (NULLs included, see there)."""
    return replace(sort, descending=not sort.descending)


def sort_key_name(sort: Sort) -> str:
    """The listing column holding `sort`'s value (the key's first half; the name is its second)."""
    return filters.sort_column(sort).name


def _ids(clause, sort: Sort, dialect: str, *extra):
    return select(assets.c.id).where(clause, *extra).order_by(*filters.order_by(sort, dialect))


def seek(clause, sort: Sort, key: tuple, limit: int, dialect: str) -> list:
    """The id selects of the `limit` rows after `key` in `sort`'s order, one per run (filters.after)."""
    return [_ids(clause, sort, dialect, run).limit(limit) for run in filters.after(sort, key)]


def _rows(connection, selects: list, limit: int, sort: Sort, columns) -> list:
    """The rows of the ids `selects` give (read in turn until `limit`), in `sort`'s own order.

    One select (the usual case) is a subquery of the row read: one statement, as before. A
    seek across the NULLs of the sort column has two: their ids are read first.
    """
    order = filters.order_by(sort, connection.dialect.name)
    if len(selects) == 1:
        wanted = assets.c.id.in_(selects[0].scalar_subquery())
    else:
        ids: list = []
        for statement in selects:
            ids += connection.execute(statement.limit(limit - len(ids))).scalars().all()
            if len(ids) >= limit:
                break
        if not ids:
            return []
        wanted = assets.c.id.in_(ids)
    return connection.execute(select(*columns).where(wanted).order_by(*order)).all()
