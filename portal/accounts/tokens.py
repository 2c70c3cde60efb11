"""Personal API tokens: `Authorization: Bearer <token>` for the REST API and the client.

A token is `qcp_` + 43 URL-safe characters (256 random bits), shown once when it is
made (UI or `qc-portal tokens create`) and stored only as its SHA-256. A token acts as
its account: the role is the account's at each request, so changing a role or
removing the account takes effect at once; a revoked token never works again. Tokens
live in the portal's own database (table api_tokens), never in DocDB.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, or_, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.accounts.users import Account, account_from_row, users
from portal.errors import InvalidInput, NotFound
from portal.store.sql.api_tables import api_tokens
from portal.store.sql.engine import begin_write

log = logging.getLogger(__name__)

PREFIX = "qcp_"
_SHOWN = 12  # characters of a token kept to tell tokens apart in lists ("qcp_AbCdEfGh")
# Last use is written at most this often per token: a busy pipeline must not turn every
# read into a database write. The write is best effort: it waits at most _TOUCH_WAIT_MS
# for a lock and never fails the request (SQLite under write contention: "database is
# locked"; PostgreSQL: a row someone holds).
_TOUCH_EVERY = timedelta(minutes=1)
_TOUCH_WAIT_MS = 100
_TOUCH_RETRY = timedelta(seconds=5)  # after a write that could not get its lock
_TOUCHED_MAX = 10_000  # tokens remembered per process (the memory is only an optimisation)


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never the token itself)."""

    id: int
    user: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        """True until revoked."""
        return self.revoked_at is None


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    """Create, check, list and revoke API tokens."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # token id -> when this process last wrote its last use: concurrent requests with
        # one token write it once, not once each.
        self._touched: dict[int, datetime] = {}
        self._touched_lock = threading.Lock()

    def create(self, account: Account, name: str = "") -> tuple[str, TokenInfo]:
        """A new token for `account`: (the token, shown once; its listing)."""
        name = (name or "").strip()[:200] or "token"
        token = PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with begin_write(self.engine) as connection:
            token_id = connection.execute(insert(api_tokens).values(
                user_id=account.id, name=name, token_hash=token_hash(token), prefix=token[:_SHOWN], created_at=now,
            )).inserted_primary_key[0]
        return token, TokenInfo(token_id, account.name, name, token[:_SHOWN], now, None, None)

    def account(self, token: str) -> Account | None:
        """The account a token acts as, or None (unknown, revoked, or its account is gone)."""
        if not token or not token.startswith(PREFIX) or len(token) > 200:
            return None
        digest = token_hash(token)
        with self.engine.connect() as connection:
            row = connection.execute(
                select(users, api_tokens.c.id.label("token_id"), api_tokens.c.token_hash,
                       api_tokens.c.last_used_at.label("token_used"))
                .join(api_tokens, api_tokens.c.user_id == users.c.id)
                .where(api_tokens.c.token_hash == digest, api_tokens.c.revoked_at.is_(None))
            ).first()
        # The lookup is by hash (an index); compare again in constant time all the same.
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        self._touch(row.token_id, row.token_used)
        return account_from_row(row)

    def _touch(self, token_id: int, last_used: datetime | None) -> None:
        """Record the token's use, at most once a minute, without ever failing the request."""
        now = datetime.now(UTC)
        if last_used is not None and now - last_used < _TOUCH_EVERY:
            return
        with self._touched_lock:
            mine = self._touched.get(token_id)
            if mine is not None and now - mine < _TOUCH_EVERY:
                return  # another request of this process is writing it, or just did
            if len(self._touched) >= _TOUCHED_MAX:
                self._touched.clear()
            self._touched[token_id] = now
        stale = now - _TOUCH_EVERY
        try:
            with self.engine.connect() as connection, _sqlite_short_wait(connection), connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text(f"SET LOCAL lock_timeout = '{_TOUCH_WAIT_MS}ms'"))
                # Conditional: another process (or instance) may have written it meanwhile.
                connection.execute(update(api_tokens).where(
                    api_tokens.c.id == token_id,
                    or_(api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at < stale),
                ).values(last_used_at=now))
        except DBAPIError as exc:
            with self._touched_lock:  # try again soon, not at every request of a busy pipeline
                self._touched[token_id] = now - _TOUCH_EVERY + _TOUCH_RETRY
            log.info("the last use of token %s was not recorded (%s): it is best effort", token_id,
                     str(exc.orig).strip().splitlines()[:1])

    def list(self, user: str | None = None) -> list[TokenInfo]:
        """Tokens (of one user, by login name), newest first."""
        statement = (select(api_tokens, users.c.name.label("user_name"))
                     .join(users, users.c.id == api_tokens.c.user_id)
                     .order_by(api_tokens.c.created_at.desc(), api_tokens.c.id.desc()))
        if user is not None:
            statement = statement.where(users.c.name == user)
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [TokenInfo(r.id, r.user_name, r.name, r.prefix, r.created_at, r.last_used_at, r.revoked_at)
                for r in rows]

    def revoke(self, token_id: int, *, user: str | None = None) -> TokenInfo:
        """Revoke a token (only `user`'s own when given); NotFound otherwise. Idempotent."""
        mine = [t for t in self.list(user) if t.id == token_id]
        if not mine:
            raise NotFound(f"no token {token_id}" + (f" of {user}" if user else ""))
        if mine[0].active:
            with begin_write(self.engine) as connection:
                connection.execute(update(api_tokens).where(api_tokens.c.id == token_id,
                                                            api_tokens.c.revoked_at.is_(None))
                                   .values(revoked_at=datetime.now(UTC)))
        return next(t for t in self.list(user) if t.id == token_id)


@contextmanager
def _sqlite_short_wait(connection):
    """On SQLite, wait at most _TOUCH_WAIT_MS for the write lock (the pooled connection gets
    its busy timeout back afterwards); elsewhere nothing (PostgreSQL: SET LOCAL lock_timeout)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.dbapi_connection  # autocommit sqlite3: a PRAGMA runs at once
    before = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute(f"PRAGMA busy_timeout={_TOUCH_WAIT_MS}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(before)}")


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    value = value.strip()
    if not value:
        raise InvalidInput("the Authorization header has no token")
    return value


def create_token(portal, user, name: str = "") -> tuple[str, TokenInfo]:
    """A new token for `user` made in the UI (annotators and admins; Forbidden otherwise).
    Viewers get theirs from an operator: `qc-portal tokens create USER`."""
    from portal.accounts.auth import require
    from portal.errors import Forbidden

    if user is None:
        raise Forbidden("Sign in as an annotator to make changes.")
    user = require("annotate", "tokens", user=user)
    return TokenStore(portal.users.engine).create(user.account, name)


def revoke_token(portal, user, token_id: int) -> TokenInfo:
    """Revoke one of `user`'s own tokens (annotators and admins; Forbidden otherwise)."""
    from portal.accounts.auth import require
    from portal.errors import Forbidden

    if user is None:
        raise Forbidden("Sign in as an annotator to make changes.")
    user = require("annotate", "tokens", user=user)
    return TokenStore(portal.users.engine).revoke(token_id, user=user.name)
