"""Completeness: a project's expected sessions.

Revision ID: 0020
Revises: 0019

`expected_sessions`: per project, the sessions it expects, in order: a subject and an
acquisition day (stored as the UTC day's half-open range for the join with assets.acquired)
or a session name. A new table; nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

from portal.store.sql.tables import UTCDateTime

revision = "0020"
down_revision = "0019"


def upgrade() -> None:
    op.create_table(
        "expected_sessions",
        sa.Column("project", sa.String(300), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("subject_id", sa.String(100)),
        sa.Column("on_date", sa.String(10)),
        sa.Column("day_start", UTCDateTime()),
        sa.Column("day_end", UTCDateTime()),
        sa.Column("session", sa.String(500)),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("expected_sessions")
