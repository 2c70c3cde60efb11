"""Reading the event log by cursor: never skipping or repeating an event, whatever commits when.

An event's position is (tx, id). On PostgreSQL `id` comes from a sequence when the row is
inserted, but transactions commit in another order: a reader that saw id 12 committed
while id 11's transaction was still running would skip 11 for good. So each event also
holds its transaction's id (`tx`, events.emit), and a reader only returns events whose
transaction is older than the oldest one still running (the snapshot's `xmin`): every
such transaction has finished, so no event can ever appear before a position already
returned; the events of transactions still running come in a later read, after the
positions returned now (a transaction that starts later gets a larger id). Events of one
transaction keep their insertion order. The cost: an event is readable once every write
transaction that was running when it was written has ended (a long ingest batch holds the
log back until it commits, never longer).

On SQLite writers commit one at a time (each holds the database's write lock from its
first write to its commit), so ids are in commit order; `tx` is 0 and the position is the id.

A cursor is the text `<tx>-<id>` of the last position read; "" (or no cursor) is the start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select, text, tuple_

from portal.errors import InvalidInput
from portal.store.sql.events import EVENT_TYPES
from portal.store.sql.tables import events

_CURSOR = re.compile(r"(\d{1,19})-(\d{1,19})")


class Position(NamedTuple):
    """Where an event lies in the log: (transaction id, event id)."""

    tx: int
    id: int

    def cursor(self) -> str:
        """The position as the cursor text clients send back as `after`."""
        return f"{self.tx}-{self.id}"


START = Position(0, 0)


@dataclass(frozen=True)
class Event:
    """One event of the log, as readers get it."""

    id: int
    cursor: str
    type: str
    at: datetime
    asset_id: str
    asset: str
    metric: str | None
    user: str
    detail: dict


def parse_cursor(value: str | None) -> Position:
    """The position a cursor names (START for none); InvalidInput for anything else."""
    if value is None or value == "":
        return START
    match = _CURSOR.fullmatch(value.strip())
    if match is None:
        raise InvalidInput("`after` must be a cursor from an earlier answer (`next_cursor`), like 0-42")
    return Position(int(match.group(1)), int(match.group(2)))


def check_types(types) -> tuple[str, ...]:
    """The event types asked for, each known (InvalidInput naming an unknown one)."""
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(f"unknown event type {unknown[0]!r}: one of {', '.join(EVENT_TYPES)}")
    return tuple(dict.fromkeys(types))


def horizon(connection) -> int | None:
    """Events of transactions with an id below this have all committed (None: no bound, SQLite)."""
    if connection.dialect.name != "postgresql":
        return None
    return connection.execute(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one()


def _after(position: Position):
    # A row-value comparison: one range of the (tx, id) index on both databases.
    return tuple_(events.c.tx, events.c.id) > tuple_(position.tx, position.id)


def read(connection, after: Position = START, types: tuple[str, ...] = (), limit: int = 100
         ) -> tuple[list[Event], Position]:
    """Up to `limit` events after `after` (of `types`, when given), oldest first, and the cursor to
    read on from. Run inside one transaction: on SQLite the two queries then see one snapshot.

    When fewer than `limit` events match, the cursor moves past every event readable now, of
    any type, so a filtered reader does not scan the same other events again next time.
    """
    bound = horizon(connection)
    readable = [_after(after)] + ([events.c.tx < bound] if bound is not None else [])
    statement = select(events).where(*readable).order_by(events.c.tx, events.c.id).limit(limit)
    if types:
        statement = statement.where(events.c.type.in_(types))
    rows = connection.execute(statement).all()
    found = [_event(row) for row in rows]
    if len(rows) == limit:
        return found, Position(rows[-1].tx, rows[-1].id)
    last = connection.execute(
        select(events.c.tx, events.c.id).where(*readable).order_by(events.c.tx.desc(), events.c.id.desc()).limit(1)
    ).first()
    return found, Position(last.tx, last.id) if last is not None else after


def end(connection) -> Position:
    """The position after every event readable now (where a new webhook starts)."""
    bound = horizon(connection)
    statement = select(events.c.tx, events.c.id).order_by(events.c.tx.desc(), events.c.id.desc()).limit(1)
    if bound is not None:
        statement = statement.where(events.c.tx < bound)
    last = connection.execute(statement).first()
    return Position(last.tx, last.id) if last is not None else START


def _event(row) -> Event:
    return Event(id=row.id, cursor=Position(row.tx, row.id).cursor(), type=row.type, at=row.at,
                 asset_id=row.asset_id, asset=row.asset_name, metric=row.metric, user=row.user,
                 detail=dict(row.detail or {}))

