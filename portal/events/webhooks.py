"""Webhooks admins register: a URL, the event types it receives, and the key that signs its deliveries.

A webhook receives the events written after it was registered (its cursor starts at the
end of the log). Its key is made here (256 random bits) unless one is given, and shown
once, like an API token; it stays in the portal's database because every delivery is
signed with it. The registry also reports each webhook's last delivery results.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, func, insert, select, update

from portal.errors import InvalidInput, NotFound
from portal.store.sql.engine import begin_write
from portal.store.sql.event_feed import end
from portal.store.sql.events import EVENT_TYPES
from portal.store.sql.tables import events, webhook_deliveries, webhooks

MAX_URL = 2000
MIN_SECRET = 16
ALL = "all"  # --events all: every event type


@dataclass(frozen=True)
class Delivery:
    """One delivery of an event to a webhook, as the last results show it."""

    id: int
    event_id: int
    event_type: str
    asset: str
    metric: str | None
    state: str  # pending / delivered / failed
    attempts: int
    last_at: datetime | None
    last_code: int | None
    last_error: str | None
    next_at: datetime


@dataclass(frozen=True)
class Webhook:
    """A registered webhook with its delivery counts and last deliveries (newest first)."""

    id: int
    url: str
    events: tuple[str, ...]
    active: bool
    created_at: datetime
    created_by: str
    counts: dict
    last: tuple[Delivery, ...] = ()


def parse_types(values) -> tuple[str, ...]:
    """Event types from one or more comma-separated values (`all`: every type); InvalidInput otherwise."""
    wanted = [part.strip() for value in values for part in str(value).split(",") if part.strip()]
    if not wanted:
        raise InvalidInput(f"choose the events to send: {', '.join(EVENT_TYPES)} (or {ALL})")
    if ALL in wanted:
        return EVENT_TYPES
    unknown = [t for t in wanted if t not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(f"unknown event type {unknown[0]!r}: one of {', '.join(EVENT_TYPES)} (or {ALL})")
    return tuple(t for t in EVENT_TYPES if t in wanted)


def check_url(url: str) -> str:
    """A webhook URL: http(s) with a host, no credentials, at most MAX_URL characters."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("a webhook URL is http:// or https:// with a host")
    if parts.username or parts.password:
        raise InvalidInput("a webhook URL may not hold credentials: receivers check X-QC-Portal-Signature instead")
    if len(url) > MAX_URL or re.search(r"[\x00-\x20\x7f]", url):
        raise InvalidInput(f"a webhook URL has at most {MAX_URL} characters and no spaces or control characters")
    return url


def add_webhook(engine: Engine, url: str, types, *, by: str, secret: str | None = None) -> tuple[Webhook, str]:
    """Register a webhook; returns it and its signing key (made here unless given)."""
    url, wanted = check_url(url), parse_types(types)
    if secret is not None and len(secret) < MIN_SECRET:
        raise InvalidInput(f"a webhook secret has at least {MIN_SECRET} characters")
    key = secret or secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with begin_write(engine) as connection:
        start = end(connection)  # events from now on, not the whole history
        new_id = connection.execute(insert(webhooks).values(
            url=url, events=list(wanted), secret=key, active=True, created_at=now, created_by=by,
            cursor_tx=start.tx, cursor_id=start.id).returning(webhooks.c.id)).scalar_one()
    return get_webhook(engine, new_id), key


def remove_webhook(engine: Engine, webhook_id: int) -> Webhook:
    """Delete a webhook and its queued deliveries; NotFound when there is none with this id."""
    found = get_webhook(engine, webhook_id)
    with begin_write(engine) as connection:
        connection.execute(delete(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id))
        connection.execute(delete(webhooks).where(webhooks.c.id == webhook_id))
    return found


def set_webhook_active(engine: Engine, webhook_id: int, active: bool) -> Webhook:
    """Pause (queued deliveries wait) or resume a webhook."""
    with begin_write(engine) as connection:
        done = connection.execute(update(webhooks).where(webhooks.c.id == webhook_id).values(active=active))
    if done.rowcount == 0:
        raise NotFound(f"no webhook with id {webhook_id}")
    return get_webhook(engine, webhook_id)


def get_webhook(engine: Engine, webhook_id: int) -> Webhook:
    """One webhook with its results; NotFound when there is none with this id."""
    found = [w for w in list_webhooks(engine, ids=[webhook_id])]
    if not found:
        raise NotFound(f"no webhook with id {webhook_id}")
    return found[0]


def list_webhooks(engine: Engine, *, last: int = 10, ids: list[int] | None = None) -> list[Webhook]:
    """Every webhook (or those of `ids`), oldest first, with counts and its `last` deliveries."""
    statement = select(webhooks).order_by(webhooks.c.id)
    if ids is not None:
        statement = statement.where(webhooks.c.id.in_(ids))
    out = []
    with engine.connect() as connection:
        for row in connection.execute(statement).all():
            counts = dict(connection.execute(
                select(webhook_deliveries.c.state, func.count()).where(webhook_deliveries.c.webhook_id == row.id)
                .group_by(webhook_deliveries.c.state)).all())
            recent = connection.execute(
                select(webhook_deliveries, events.c.type, events.c.asset_name, events.c.metric)
                .join(events, events.c.id == webhook_deliveries.c.event_id)
                .where(webhook_deliveries.c.webhook_id == row.id)
                .order_by(webhook_deliveries.c.id.desc()).limit(last)).all()
            out.append(Webhook(
                id=row.id, url=row.url, events=tuple(row.events or ()), active=bool(row.active),
                created_at=row.created_at, created_by=row.created_by,
                counts={state: int(counts.get(state, 0)) for state in ("pending", "delivered", "failed")},
                last=tuple(Delivery(d.id, d.event_id, d.type, d.asset_name, d.metric, d.state, d.attempts,
                                    d.last_at, d.last_code, d.last_error, d.next_at) for d in recent)))
    return out
