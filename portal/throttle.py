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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.store.sql.auth_tables import login_failures


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
    """Failed sign-in counters in the portal's database."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None):
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))

    def wait(self, name: str, address: str) -> int:
        """Seconds until `name` may try again from `address` (0: now)."""
        now = self.clock()
        keys = [key for key, _ in _keys(name, address)]
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(login_failures.c.blocked_until).where(login_failures.c.key.in_(keys))
            ).all()
        waits = [(row.blocked_until - now).total_seconds() for row in rows if row.blocked_until]
        return max([0, *(math.ceil(w) for w in waits)])

    def failed(self, name: str, address: str) -> None:
        """Count a failed sign-in of `name` from `address`."""
        now = self.clock()
        for key, policy in _keys(name, address):
            self._count(key, policy, now)

    def succeeded(self, name: str, address: str) -> None:
        """Forget the failures of `name` from `address` (the address counter stays)."""
        key = _keys(name, address)[0][0]
        with self.engine.begin() as connection:
            connection.execute(delete(login_failures).where(login_failures.c.key == key))

    def _count(self, key: str, policy: Policy, now: datetime) -> None:
        for _ in range(3):  # two instances may insert the same new key at once: then update it
            try:
                with self.engine.begin() as connection:
                    self._count_in(connection, key, policy, now)
                return
            except IntegrityError:
                continue

    @staticmethod
    def _count_in(connection, key: str, policy: Policy, now: datetime) -> None:
        row = connection.execute(
            select(login_failures.c.failures, login_failures.c.last_at)
            .where(login_failures.c.key == key).with_for_update()
        ).first()
        if row is None:
            connection.execute(insert(login_failures).values(
                key=key, failures=1, last_at=now, blocked_until=_until(now, policy.block_for(1))))
            return
        stale = (now - row.last_at) > timedelta(seconds=policy.forget_after)
        failures = 1 if stale else row.failures + 1
        connection.execute(update(login_failures).where(login_failures.c.key == key).values(
            failures=failures, last_at=now, blocked_until=_until(now, policy.block_for(failures))))


def _until(now: datetime, seconds: float) -> datetime | None:
    return now + timedelta(seconds=seconds) if seconds else None
