"""Accounts: one display name per reviewer, and sessions that sign-out ends.

Revision ID: 0011
Revises: 0010

`users.display_key`: the display name compared case-insensitively with spaces trimmed
and collapsed, under a unique index, so a status entry's evaluator names one account.
Accounts that already share a display name are renamed first, deterministically and
without failing: by id, the first keeps it, each later one becomes
`<display name> (<account name>)` (then `... 2`, `... 3` if that is taken too); an empty
display name becomes the account name. `users.session_epoch` (0): raised at each
sign-out; a session made under an older epoch no longer signs anyone in.

The key function is copied here on purpose (a migration must not change when the code
does); tests/test_accounts.py checks it agrees with portal.accounts.users.display_key.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"

_MAX_DISPLAY = 200
_MAX_KEY = 400


def _key(display: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", display or "").split()).casefold()[:_MAX_KEY]


def _clean(display: str) -> str:
    return " ".join((display or "").split())[:_MAX_DISPLAY]


def _suffixed(display: str, suffix: str) -> str:
    return display[: max(1, _MAX_DISPLAY - len(suffix))] + suffix


def unique_display_names(rows) -> dict[int, tuple[str, str]]:
    """{id: (display name, key)} for rows of (id, name, display_name), every key distinct."""
    rows = sorted(rows, key=lambda row: row[0])
    # Names that keep theirs are left exactly as stored (status histories carry them).
    wanted = {user_id: display if _clean(display) else (_clean(name) or str(user_id))
              for user_id, name, display in rows}
    claimed: set[str] = set()
    keeps: set[int] = set()
    for user_id, _name, _display in rows:  # first pass: the first holder of each name keeps it
        key = _key(wanted[user_id])
        if key not in claimed:
            claimed.add(key)
            keeps.add(user_id)
    plan = {}
    for user_id, name, _display in rows:
        display = wanted[user_id]
        if user_id not in keeps:
            account = (_clean(name) or str(user_id))[:80]
            display = _clean(display)
            candidate, n = _suffixed(display, f" ({account})"), 1
            while _key(candidate) in claimed:
                n += 1
                candidate = _suffixed(display, f" ({account}) {n}")
            display = candidate
            claimed.add(_key(display))
        plan[user_id] = (display, _key(display))
    return plan


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("display_key", sa.String(_MAX_KEY)))
        batch.add_column(sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name, display_name FROM users")).all()
    for user_id, (display, key) in unique_display_names([tuple(row) for row in rows]).items():
        bind.execute(sa.text("UPDATE users SET display_name = :display, display_key = :key WHERE id = :id"),
                     {"display": display, "key": key, "id": user_id})
    op.create_index("ux_users_display_key", "users", ["display_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_users_display_key", "users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
        batch.drop_column("display_key")
