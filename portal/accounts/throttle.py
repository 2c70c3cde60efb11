"""Slowing down password guessing: failed sign-ins counted in the portal's database.

Two counters per attempt: one for (user name, address) and one for the address alone
(a password spray over many names). A counter allows a few failures, then each further
failure blocks its key for twice as long as the last (1 s, 2 s, 4 s, ... up to 15
minutes); a key is forgotten an hour after its last failure, and the (user, address)
key on a successful sign-in. While a key is blocked the password is not even checked,
so guessing gets no answers. The counters live in the database, not in process
memory: every instance behind a load balancer sees the same ones.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select, update

from portal.store.sql.auth_tables import login_failures
from portal.store.sql.engine import begin_write


@dataclass(frozen=True)
class Policy:
    """How many failures a key may have before it is blocked, and for how long."""

    free: int
    max_block: float = 900.0
    forget_after: float = 3600.0

    def block_for(self, failures: int) -> float:
        """Seconds a key with `failures` failures is blocked (0: not blocked)."""
        if failures < self.free:
            return 0.0
        return min(2.0 ** (failures - self.free), self.max_block)


USER_POLICY = Policy(free=5)
ADDRESS_POLICY = Policy(free=30)


def _keys(name: str, address: str) -> list[tuple[str, Policy]]:
    # Names are hashed: a key is bounded in length and the table holds no guessed names.
    digest = hashlib.sha256(name.strip().lower().encode()).hexdigest()[:32]
    return [(f"user:{digest}|{address}", USER_POLICY), (f"addr:{address}", ADDRESS_POLICY)]


class LoginThrottle:
    """Failed sign-in counters in the portal's database, counted atomically.

    An attempt is counted *before* its password is checked (`attempt`), in one write
    transaction that holds the counters' rows (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
    rows locked FOR UPDATE): so 24 parallel guesses, on any number of threads, workers or
    instances, get exactly as many password checks as the policy allows, not as many as
    raced past a read. A right password then takes its attempt back (`succeeded`).
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None):
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))

    def wait(self, name: str, address: str) -> int:
        """Seconds until `name` may try again from `address` (0: now). Reads only."""
        now = self.clock()
        keys = [key for key, _ in _keys(name, address)]
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(login_failures.c.blocked_until).where(login_failures.c.key.in_(keys))
            ).all()
        return _longest_wait([row.blocked_until for row in rows], now)

    def attempt(self, name: str, address: str) -> int:
        """Count a sign-in attempt of `name` from `address` as a failure unless it is blocked.

        Returns 0 when the password may be checked now (the attempt is counted), else the
        seconds to wait (nothing is counted, and the password must not be checked).
        """
        now = self.clock()
        keys = dict(sorted(_keys(name, address)))  # one lock order for every caller: no deadlock
        with self._write() as connection:
            for key in keys:  # make sure both rows exist, so both can be locked
                connection.execute(_insert_missing(connection).values(key=key, failures=0, last_at=now))
            rows = connection.execute(
                select(login_failures).where(login_failures.c.key.in_(list(keys)))
                .order_by(login_failures.c.key).with_for_update()
            ).all()
            wait = _longest_wait([row.blocked_until for row in rows], now)
            if wait:
                return wait
            for row in rows:
                policy = keys[row.key]
                stale = (now - row.last_at) > timedelta(seconds=policy.forget_after)
                failures = 1 if stale or not row.failures else row.failures + 1
                connection.execute(update(login_failures).where(login_failures.c.key == row.key).values(
                    failures=failures, last_at=now, blocked_until=_until(now, policy.block_for(failures))))
        return 0

    def succeeded(self, name: str, address: str) -> None:
        """The password was right: forget the (user, address) failures and take this attempt
        back from the address counter (its other failures stay)."""
        (user_key, _), (address_key, policy) = _keys(name, address)
        with self._write() as connection:
            connection.execute(delete(login_failures).where(login_failures.c.key == user_key))
            row = connection.execute(
                select(login_failures.c.failures).where(login_failures.c.key == address_key).with_for_update()
            ).first()
            if row is not None and row.failures > 0:
                failures = row.failures - 1
                values = {"failures": failures}
                if policy.block_for(failures) == 0:
                    values["blocked_until"] = None
                connection.execute(update(login_failures).where(login_failures.c.key == address_key).values(**values))

    @contextmanager
    def _write(self):
        """A write transaction (SQLite takes the write lock at BEGIN: attempts run one after another)."""
        with begin_write(self.engine) as connection:
            yield connection


def _insert_missing(connection):
    """INSERT that does nothing when the key exists (both dialects say ON CONFLICT DO NOTHING)."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(login_failures).on_conflict_do_nothing(index_elements=["key"])


def _longest_wait(blocked: list[datetime | None], now: datetime) -> int:
    return max([0, *(math.ceil((until - now).total_seconds()) for until in blocked if until and until > now)])


def _until(now: datetime, seconds: float) -> datetime | None:
    return now + timedelta(seconds=seconds) if seconds else None
