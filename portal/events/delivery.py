"""Webhook deliveries: queued in the database, POSTed signed, retried with backoff.

One round (`run_once`), which any number of processes may run at once:

1. **enqueue**: for each active webhook, under its row's lock, read the event log after
   its cursor (portal.store.sql.event_feed: nothing skipped or repeated), queue a delivery
   for each event of its types, and move the cursor, in one transaction;
2. **claim**: take due deliveries (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's write
   lock) and push their `next_at` past the time the POSTs can take: that is the lease, so
   a process that dies mid-POST leaves them due again and nothing is lost on a restart;
3. **send** each: `POST <url>` with the event as JSON, `X-QC-Portal-Signature` (the hex
   HMAC-SHA256 of the body under the webhook's key), `X-QC-Portal-Event` and
   `X-QC-Portal-Delivery`; a 2xx answer delivers it, anything else (another status, a
   redirect, a timeout, a refused connection) is retried after backoff * 2^(attempt-1)
   seconds (at most an hour), and fails for good after `attempts` tries.

Deliveries are at least once (a receiver that answered after the lease ran out may get an
event again): receivers deduplicate by the event's `id` or the delivery header.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from sqlalchemy import Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.events.feed import event_json
from portal.store.sql import event_feed
from portal.store.sql.engine import begin_write
from portal.store.sql.event_feed import Position
from portal.store.sql.tables import events, webhook_deliveries, webhooks

log = logging.getLogger(__name__)

SIGNATURE = "X-QC-Portal-Signature"
MAX_BACKOFF = 3600.0
_ENQUEUE_BATCH = 500
_CLAIM_BATCH = 10
_ERROR_TEXT = 300  # characters of an error kept for the last results


@dataclass(frozen=True)
class Policy:
    """How deliveries are made: request timeout, attempts before giving up, first retry delay."""

    timeout: float = 10.0
    attempts: int = 12
    backoff: float = 30.0

    @classmethod
    def from_settings(cls, settings) -> Policy:
        """The policy of QC_PORTAL_WEBHOOK_TIMEOUT, _ATTEMPTS and _BACKOFF."""
        return cls(settings.webhook_timeout, settings.webhook_attempts, settings.webhook_backoff)

    def delay(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failed ones."""
        return min(MAX_BACKOFF, self.backoff * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class Round:
    """What one round did."""

    queued: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def sign(secret: str, body: bytes) -> str:
    """The X-QC-Portal-Signature of a body: hex HMAC-SHA256 under the webhook's key."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(event) -> bytes:
    """A delivery's body: the event as JSON (the same bytes at every attempt)."""
    return json.dumps(event_json(event), sort_keys=True, separators=(",", ":")).encode()


def run_once(engine: Engine, policy: Policy, *, session: requests.Session | None = None,
             now: datetime | None = None) -> Round:
    """Queue new events, then send every delivery due now; returns the counts."""
    queued = enqueue(engine)
    delivered = retried = failed = 0
    with session or requests.Session() as http:
        while claimed := claim(engine, policy, now=now):
            for item in claimed:
                outcome = send(http, item, policy)
                state = record(engine, item, outcome, policy, now=now)
                delivered += state == "delivered"
                retried += state == "pending"
                failed += state == "failed"
            if now is not None:
                break  # a fixed clock (tests): one pass, or retries due "now" would loop
    return Round(queued, delivered, retried, failed)


def enqueue(engine: Engine) -> int:
    """Queue a delivery per new event of each active webhook's types; returns how many."""
    with engine.connect() as connection:
        ids = connection.execute(select(webhooks.c.id).where(webhooks.c.active.is_(True))).scalars().all()
    return sum(_enqueue_one(engine, webhook_id) for webhook_id in ids)


def _enqueue_one(engine: Engine, webhook_id: int) -> int:
    queued = 0
    with begin_write(engine) as connection:
        hook = connection.execute(select(webhooks).where(webhooks.c.id == webhook_id).with_for_update()).first()
        if hook is None or not hook.active:
            return 0
        found, position = event_feed.read(connection, Position(hook.cursor_tx, hook.cursor_id),
                                          tuple(hook.events or ()), _ENQUEUE_BATCH)
        if found:
            now = datetime.now(UTC)
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            connection.execute(dialect.insert(webhook_deliveries).on_conflict_do_nothing(), [
                {"webhook_id": webhook_id, "event_id": e.id, "state": "pending", "attempts": 0, "next_at": now,
                 "created_at": now} for e in found])
            queued = len(found)
        if position != Position(hook.cursor_tx, hook.cursor_id):
            connection.execute(update(webhooks).where(webhooks.c.id == webhook_id)
                               .values(cursor_tx=position.tx, cursor_id=position.id))
    return queued + (_enqueue_one(engine, webhook_id) if queued == _ENQUEUE_BATCH else 0)


@dataclass(frozen=True)
class Claimed:
    """A delivery this process holds the lease of, with what it needs to send it."""

    id: int
    attempts: int  # counting this one
    url: str
    secret: str
    event: event_feed.Event


def claim(engine: Engine, policy: Policy, *, now: datetime | None = None) -> list[Claimed]:
    """Take up to a batch of due deliveries of active webhooks and lease them for the time sending takes."""
    now = now or datetime.now(UTC)
    lease = now + timedelta(seconds=(policy.timeout + 5) * _CLAIM_BATCH + 30)
    with begin_write(engine) as connection:
        due = connection.execute(
            select(webhook_deliveries.c.id, webhook_deliveries.c.attempts, webhook_deliveries.c.event_id,
                   webhooks.c.url, webhooks.c.secret)
            .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
            .where(webhook_deliveries.c.state == "pending", webhook_deliveries.c.next_at <= now,
                   webhooks.c.active.is_(True))
            .order_by(webhook_deliveries.c.next_at, webhook_deliveries.c.id).limit(_CLAIM_BATCH)
            .with_for_update(skip_locked=True, of=webhook_deliveries)
        ).all()
        if not due:
            return []
        for row in due:
            connection.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == row.id)
                               .values(next_at=lease, attempts=row.attempts + 1))
        rows = connection.execute(select(events).where(events.c.id.in_([r.event_id for r in due]))).all()
    by_id = {row.id: event_feed._event(row) for row in rows}
    return [Claimed(r.id, r.attempts + 1, r.url, r.secret, by_id[r.event_id]) for r in due if r.event_id in by_id]


def send(http: requests.Session, item: Claimed, policy: Policy) -> tuple[int | None, str | None]:
    """POST one delivery; (HTTP status or None, error text or None)."""
    body = body_of(item.event)
    headers = {"Content-Type": "application/json", SIGNATURE: sign(item.secret, body),
               "X-QC-Portal-Event": item.event.type, "X-QC-Portal-Delivery": str(item.id),
               "User-Agent": "qc-portal-webhooks"}
    try:
        response = http.post(item.url, data=body, headers=headers, timeout=policy.timeout, allow_redirects=False)
    except requests.RequestException as exc:
        return None, _short(f"{type(exc).__name__}: {exc}")
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, _short(f"HTTP {response.status_code} {response.reason or ''}".strip())


def record(engine: Engine, item: Claimed, outcome: tuple[int | None, str | None], policy: Policy, *,
           now: datetime | None = None) -> str:
    """Write an attempt's result; returns the delivery's state ("delivered", "pending" again, "failed")."""
    code, error = outcome
    now = now or datetime.now(UTC)
    if error is None:
        values = {"state": "delivered", "delivered_at": now}
    elif item.attempts >= policy.attempts:
        values = {"state": "failed"}
    else:
        values = {"state": "pending", "next_at": now + timedelta(seconds=policy.delay(item.attempts))}
    if error is not None:
        log.warning("webhook delivery %d to %s failed (attempt %d): %s", item.id, item.url, item.attempts, error)
    with begin_write(engine) as connection:
        # Only while the lease is ours: a process whose lease ran out must not undo a later attempt.
        connection.execute(update(webhook_deliveries)
                           .where(webhook_deliveries.c.id == item.id, webhook_deliveries.c.attempts == item.attempts,
                                  webhook_deliveries.c.state == "pending")
                           .values(last_at=now, last_code=code, last_error=error, **values))
    return values["state"]


def retry_failed(engine: Engine, webhook_id: int) -> int:
    """Queue a webhook's failed deliveries again (attempts start over); returns how many."""
    with begin_write(engine) as connection:
        done = connection.execute(update(webhook_deliveries).where(
            webhook_deliveries.c.webhook_id == webhook_id, webhook_deliveries.c.state == "failed")
            .values(state="pending", attempts=0, next_at=datetime.now(UTC)))
    return done.rowcount


def _short(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "error"
    return line if len(line) <= _ERROR_TEXT else line[:_ERROR_TEXT] + "…"
