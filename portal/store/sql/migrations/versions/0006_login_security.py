"""Login throttling and single sign-on identities.

Revision ID: 0006
Revises: 0005

`login_failures`: failed sign-ins per (user, address) and per address, read by every
instance (no process memory), so a brute force is slowed whichever instance it hits.
`user_identities`: (issuer, subject) of an OpenID Connect login -> the portal account,
so a provider's user can never sign in as a local account that merely has the same name.
Both tables are new: nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

from portal.store.sql.tables import UTCDateTime

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_at", UTCDateTime(), nullable=False),
        sa.Column("blocked_until", UTCDateTime()),
    )
    op.create_table(
        "user_identities",
        sa.Column("issuer", sa.String(500), primary_key=True),
        sa.Column("subject", sa.String(255), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("user_identities")
    op.drop_table("login_failures")
