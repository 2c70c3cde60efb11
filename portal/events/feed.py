"""The event feed: pages of the event log as JSON, for `GET /api/v1/events` and webhook bodies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from portal.errors import InvalidInput, StoreUnavailable
from portal.store.sql import event_feed
from portal.store.sql.event_feed import Event, Position

MAX_LIMIT = 1000


@dataclass(frozen=True)
class FeedPage:
    """Events after a cursor, and the cursor to read on from."""

    events: list[Event]
    next_cursor: str


def page(engine: Engine, after: str | None = None, types=(), limit: int = 100) -> FeedPage:
    """Up to `limit` events after the cursor `after` (of `types`, when given), oldest first.

    InvalidInput for a malformed cursor, an unknown type or a limit outside 1..MAX_LIMIT.
    """
    position = event_feed.parse_cursor(after)
    wanted = event_feed.check_types(types)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be from 1 to {MAX_LIMIT}")
    try:
        # One transaction: on SQLite both of read()'s queries see the same snapshot.
        with engine.connect() as connection, connection.begin():
            found, position = event_feed.read(connection, position, wanted, limit)
    except OperationalError:
        raise StoreUnavailable("the database did not answer") from None
    return FeedPage(found, position.cursor())


def end(engine: Engine) -> Position:
    """The position after every event readable now."""
    with engine.connect() as connection, connection.begin():
        return event_feed.end(connection)


def event_json(event: Event) -> dict:
    """One event as the API lists it and a webhook receives it."""
    return {"id": event.id, "cursor": event.cursor, "type": event.type,
            "at": event.at.isoformat().replace("+00:00", "Z"), "asset": event.asset, "asset_id": event.asset_id,
            "metric": event.metric, "user": event.user, "detail": event.detail}
