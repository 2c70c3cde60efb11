"""Portal accounts, kept in the portal's own database (never in DocDB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from portal.errors import InvalidInput, NotFound
from portal.settings import ROLES
from portal.store.sql.auth_tables import user_identities
from portal.store.sql.tables import users

__all__ = ["ROLES", "Account", "UserStore"]
# Checked against when the user does not exist, so a login attempt for an unknown name
# costs the same time as one for a known name (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


@dataclass(frozen=True)
class Account:
    """A portal user as stored (never carries the password hash out of this module)."""

    id: int
    name: str
    display_name: str
    role: str
    created_at: datetime
    last_login_at: datetime | None


class UserStore:
    """Create, find, check and change portal accounts."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, name: str, role: str, password: str | None, display_name: str | None = None) -> Account:
        """Create an account; the password is stored as a scrypt hash."""
        name = (name or "").strip()
        if not name:
            raise InvalidInput("a user needs a name")
        _check_role(role)
        if password is not None and len(password) < 8:
            raise InvalidInput("passwords need at least 8 characters")
        row = {
            "name": name,
            "display_name": (display_name or name).strip(),
            "role": role,
            "password_hash": generate_password_hash(password, method="scrypt") if password else None,
            "created_at": datetime.now(UTC),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(users).values(**row))
        except IntegrityError:
            raise InvalidInput(f"user {name!r} already exists") from None
        return self.get(name)

    def get(self, name: str) -> Account | None:
        """The account with this name, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.name == name)).first()
        return _account(row) if row else None

    def get_by_id(self, user_id: int) -> Account | None:
        """The account with this id, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(select(users).where(users.c.id == user_id)).first()
        return _account(row) if row else None

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
        with self.engine.begin() as connection:
            connection.execute(update(users).where(users.c.id == row.id).values(last_login_at=now))
        return self.get(name)

    def sign_in_external(self, issuer: str, subject: str, *, name: str, display_name: str, role: str) -> Account:
        """The account of a single sign-on identity, created at its first sign-in.

        The identity (issuer, subject) decides which account this is, never the name: a
        provider's user whose preferred name equals a local account's gets an account of
        its own (the name with a numeric suffix). Display name and role follow the
        provider's claims at every sign-in.
        """
        _check_role(role)
        now = datetime.now(UTC)
        display_name = (display_name or name).strip()[:200]
        link = (user_identities.c.issuer == issuer) & (user_identities.c.subject == subject)
        for _ in range(3):  # a concurrent first sign-in of the same identity: read it again
            try:
                with self.engine.begin() as connection:
                    user_id = connection.execute(select(user_identities.c.user_id).where(link)).scalar()
                    if user_id is not None:
                        connection.execute(update(users).where(users.c.id == user_id).values(
                            display_name=display_name, role=role, last_login_at=now))
                    else:
                        unique = _free_name(connection, (name or subject).strip()[:180] or "user")
                        user_id = connection.execute(insert(users).values(
                            name=unique, display_name=display_name, role=role, password_hash=None,
                            created_at=now, last_login_at=now)).inserted_primary_key[0]
                        connection.execute(insert(user_identities).values(
                            issuer=issuer, subject=subject, user_id=user_id, created_at=now))
                return self.get_by_id(user_id)  # after the commit: another connection reads it
            except IntegrityError:
                continue
        raise InvalidInput("could not create the account for this sign-in; try again")

    def list(self) -> list[Account]:
        """Every account, by name."""
        with self.engine.connect() as connection:
            return [_account(r) for r in connection.execute(select(users).order_by(users.c.name))]

    def set_role(self, name: str, role: str) -> Account:
        """Change an account's role."""
        _check_role(role)
        with self.engine.begin() as connection:
            if connection.execute(update(users).where(users.c.name == name).values(role=role)).rowcount != 1:
                raise NotFound(f"no user named {name!r}")
        return self.get(name)

    def remove(self, name: str) -> None:
        """Delete an account (its audit entries stay: they name the user, not the row)."""
        with self.engine.begin() as connection:
            user_id = connection.execute(select(users.c.id).where(users.c.name == name)).scalar()
            if user_id is None:
                raise NotFound(f"no user named {name!r}")
            connection.execute(delete(user_identities).where(user_identities.c.user_id == user_id))
            connection.execute(delete(users).where(users.c.id == user_id))


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


def _account(row) -> Account:
    return Account(row.id, row.name, row.display_name, row.role, row.created_at, row.last_login_at)
