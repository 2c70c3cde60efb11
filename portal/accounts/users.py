"""Portal accounts, kept in the portal's own database (never in DocDB).

An account has a login `name` (unique, what the audit log records) and a
`display_name` (what is written as evaluator into status histories). No two accounts
share a display name, compared case-insensitively with spaces trimmed and collapsed
(`display_key`, unique in the database since migration 0011): a status entry names one
reviewer. `session_epoch` counts sign-outs: a session remembers the epoch it was made
in, and signing out raises it, so a copied cookie stops working (portal.accounts.auth).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from portal.errors import InvalidInput, NotFound
from portal.settings_rules import ROLES
from portal.store.sql.auth_tables import user_identities
from portal.store.sql.engine import begin_write
from portal.store.sql.tables import users

__all__ = ["ROLES", "Account", "UserStore", "display_key", "users"]

# Checked against when the user does not exist, so a login attempt for an unknown name
# costs the same time as one for a known name (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")
_MAX_DISPLAY = 200
_MAX_KEY = 400  # NFKC can lengthen a name ("ﬃ" -> "ffi"): the key has room for that


def display_key(display_name: str) -> str:
    """The form two display names are compared in: NFKC, case-folded, spaces trimmed and
    collapsed ("Ada  LOVELACE " and "ada lovelace" are the same reviewer)."""
    return " ".join(unicodedata.normalize("NFKC", display_name or "").split()).casefold()[:_MAX_KEY]


@dataclass(frozen=True)
class Account:
    """A portal user as stored (never carries the password hash out of this module)."""

    id: int
    name: str
    display_name: str
    role: str
    created_at: datetime
    last_login_at: datetime | None
    session_epoch: int = 0


def account_from_row(row) -> Account:
    """The Account of a `users` row (or of a row that selects all of its columns)."""
    return Account(row.id, row.name, row.display_name, row.role, row.created_at, row.last_login_at,
                   row.session_epoch or 0)


class UserStore:
    """Create, find, check and change portal accounts."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, name: str, role: str, password: str | None, display_name: str | None = None) -> Account:
        """Create an account; the password is stored as a scrypt hash. InvalidInput if the
        name or the display name (case-insensitively) is taken."""
        name = (name or "").strip()
        if not name:
            raise InvalidInput("a user needs a name")
        _check_role(role)
        if password is not None and len(password) < 8:
            raise InvalidInput("passwords need at least 8 characters")
        display = _clean_display(display_name) or name
        row = {
            "name": name,
            "display_name": display,
            "display_key": display_key(display),
            "role": role,
            "password_hash": generate_password_hash(password, method="scrypt") if password else None,
            "created_at": datetime.now(UTC),
            "session_epoch": 0,
        }
        try:
            with begin_write(self.engine) as connection:
                if connection.execute(select(users.c.id).where(users.c.name == name)).first():
                    raise InvalidInput(f"user {name!r} already exists")
                _check_display_free(connection, display)
                connection.execute(insert(users).values(**row))
        except IntegrityError:  # a concurrent add won the race: say which name was taken
            if self.get(name) is not None:
                raise InvalidInput(f"user {name!r} already exists") from None
            with self.engine.connect() as connection:
                if _display_owner(connection, display) is not None:
                    raise InvalidInput(_taken(display)) from None
            raise
        return self.get(name)

    def get(self, name: str) -> Account | None:
        """The account with this name, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).first()
        return account_from_row(row) if row else None

    def get_by_id(self, user_id: int) -> Account | None:
        """The account with this id, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.id == user_id)).first()
        return account_from_row(row) if row else None

    def verify(self, name: str, password: str) -> Account | None:
        """The account if the password is right (and records the login), else None."""
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).first()
        if row is None or not row.password_hash:
            check_password_hash(_DUMMY_HASH, password or "")
            return None
        if not check_password_hash(row.password_hash, password or ""):
            return None
        now = datetime.now(UTC)
        with begin_write(self.engine) as connection:
            connection.execute(update(users).where(users.c.id == row.id).values(last_login_at=now))
        return self.get(name)

    def sign_in_external(self, issuer: str, subject: str, *, name: str, display_name: str, role: str) -> Account:
        """The account of a single sign-on identity, created at its first sign-in.

        The identity (issuer, subject) decides which account this is, never the name: a
        provider's user whose preferred name equals a local account's gets an account of
        its own (the name with a numeric suffix). Display name and role follow the
        provider's claims at every sign-in; a display name another account has is made
        unique with the account name ("Ada Lovelace (ada.l)").
        """
        _check_role(role)
        now = datetime.now(UTC)
        wanted = _clean_display(display_name) or _clean_display(name) or subject
        link = (user_identities.c.issuer == issuer) & (user_identities.c.subject == subject)
        for _ in range(3):  # a concurrent first sign-in (same identity or same names): read again
            try:
                with begin_write(self.engine) as connection:
                    user_id = connection.execute(select(user_identities.c.user_id).where(link)).scalar()
                    if user_id is not None:
                        account = connection.execute(select(users.c.name).where(users.c.id == user_id)).scalar()
                        display = _free_display(connection, wanted, account, user_id)
                        connection.execute(update(users).where(users.c.id == user_id).values(
                            display_name=display, display_key=display_key(display), role=role, last_login_at=now))
                    else:
                        unique = _free_name(connection, (name or subject).strip()[:180] or "user")
                        display = _free_display(connection, wanted, unique, None)
                        user_id = connection.execute(insert(users).values(
                            name=unique, display_name=display, display_key=display_key(display), role=role,
                            password_hash=None, created_at=now, last_login_at=now, session_epoch=0,
                        )).inserted_primary_key[0]
                        connection.execute(insert(user_identities).values(
                            issuer=issuer, subject=subject, user_id=user_id, created_at=now))
                return self.get_by_id(user_id)  # after the commit: another connection reads it
            except IntegrityError:
                continue
        raise InvalidInput("could not create the account for this sign-in; try again")

    def list(self) -> list[Account]:
        """Every account, by name."""
        with self.engine.connect() as connection:
            return [account_from_row(r) for r in connection.execute(select(users).order_by(users.c.name))]

    def set_role(self, name: str, role: str) -> Account:
        """Change an account's role."""
        _check_role(role)
        with begin_write(self.engine) as connection:
            if connection.execute(update(users).where(users.c.name == name).values(role=role)).rowcount != 1:
                raise NotFound(f"no user named {name!r}")
        return self.get(name)

    def set_display_name(self, name: str, display_name: str) -> Account:
        """Change an account's display name; InvalidInput if another account has it."""
        display = _clean_display(display_name)
        if not display:
            raise InvalidInput("a display name cannot be empty")
        try:
            with begin_write(self.engine) as connection:
                user_id = connection.execute(select(users.c.id).where(users.c.name == name)).scalar()
                if user_id is None:
                    raise NotFound(f"no user named {name!r}")
                _check_display_free(connection, display, user_id)
                connection.execute(update(users).where(users.c.id == user_id).values(
                    display_name=display, display_key=display_key(display)))
        except IntegrityError:
            raise InvalidInput(_taken(display)) from None
        return self.get(name)

    def end_sessions(self, user_id: int) -> int:
        """Sign the account out everywhere: every session made before now stops working
        (API tokens are not sessions: they stay until revoked). Returns the new epoch."""
        with begin_write(self.engine) as connection:
            connection.execute(update(users).where(users.c.id == user_id)
                               .values(session_epoch=users.c.session_epoch + 1))
            epoch = connection.execute(select(users.c.session_epoch).where(users.c.id == user_id)).scalar()
        return int(epoch or 0)

    def remove(self, name: str) -> None:
        """Delete an account (its audit entries stay: they name the user, not the row)."""
        with begin_write(self.engine) as connection:
            user_id = connection.execute(select(users.c.id).where(users.c.name == name)).scalar()
            if user_id is None:
                raise NotFound(f"no user named {name!r}")
            connection.execute(delete(user_identities).where(user_identities.c.user_id == user_id))
            connection.execute(delete(users).where(users.c.id == user_id))


def _clean_display(display_name: str | None) -> str:
    """A display name as stored: inner runs of spaces collapsed, trimmed, at most 200 characters."""
    return " ".join((display_name or "").split())[:_MAX_DISPLAY]


def _taken(display: str) -> str:
    return f"the display name {display!r} is taken by another account (compared ignoring case): choose another"


def _display_owner(connection, display: str) -> int | None:
    return connection.execute(select(users.c.id).where(users.c.display_key == display_key(display))).scalar()


def _check_display_free(connection, display: str, user_id: int | None = None) -> None:
    owner = _display_owner(connection, display)
    if owner is not None and owner != user_id:
        raise InvalidInput(_taken(display))


def _free_display(connection, wanted: str, account: str, user_id: int | None) -> str:
    """`wanted` if no other account has it, else `wanted (account)`, `wanted (account) 2`, ..."""
    account = account[:80]  # the suffix must leave room for the name itself
    candidates = [wanted, _suffixed(wanted, f" ({account})")]
    for candidate in candidates:
        owner = _display_owner(connection, candidate)
        if owner is None or owner == user_id:
            return candidate
    n = 2
    while True:
        candidate = _suffixed(wanted, f" ({account}) {n}")
        owner = _display_owner(connection, candidate)
        if owner is None or owner == user_id:
            return candidate
        n += 1


def _suffixed(display: str, suffix: str) -> str:
    return display[: max(1, _MAX_DISPLAY - len(suffix))] + suffix


def _free_name(connection, name: str) -> str:
    """`name`, or `name-2`, `name-3`, ... whichever no account has yet."""
    taken = set(connection.execute(select(users.c.name).where(users.c.name.like(f"{name}%"))).scalars())
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")
