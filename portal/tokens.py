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
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from portal.errors import InvalidInput, NotFound
from portal.store.sql.api_tables import api_tokens
from portal.store.sql.tables import users
from portal.users import Account

PREFIX = "qcp_"
_SHOWN = 12  # characters of a token kept to tell tokens apart in lists ("qcp_AbCdEfGh")
# Last use is written at most this often per token: a busy pipeline must not turn every
# read into a database write.
_TOUCH_EVERY = timedelta(minutes=1)


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

    def create(self, account: Account, name: str = "") -> tuple[str, TokenInfo]:
        """A new token for `account`: (the token, shown once; its listing)."""
        name = (name or "").strip()[:200] or "token"
        token = PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
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
        now = datetime.now(UTC)
        if row.token_used is None or now - row.token_used > _TOUCH_EVERY:
            with self.engine.begin() as connection:
                connection.execute(update(api_tokens).where(api_tokens.c.id == row.token_id)
                                   .values(last_used_at=now))
        return Account(row.id, row.name, row.display_name, row.role, row.created_at, row.last_login_at)

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
            with self.engine.begin() as connection:
                connection.execute(update(api_tokens).where(api_tokens.c.id == token_id,
                                                            api_tokens.c.revoked_at.is_(None))
                                   .values(revoked_at=datetime.now(UTC)))
        return next(t for t in self.list(user) if t.id == token_id)


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
    from portal.auth import require
    from portal.errors import Forbidden

    if user is None:
        raise Forbidden("Sign in as an annotator to make changes.")
    user = require("annotate", "tokens", user=user)
    return TokenStore(portal.users.engine).create(user.account, name)


def revoke_token(portal, user, token_id: int) -> TokenInfo:
    """Revoke one of `user`'s own tokens (annotators and admins; Forbidden otherwise)."""
    from portal.auth import require
    from portal.errors import Forbidden

    if user is None:
        raise Forbidden("Sign in as an annotator to make changes.")
    user = require("annotate", "tokens", user=user)
    return TokenStore(portal.users.engine).revoke(token_id, user=user.name)
