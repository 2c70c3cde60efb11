"""Review workflow: project fail reasons, review entries (reasons and comments of status
entries), assignments with their reviewers and covered metrics.

Revision ID: 0016
Revises: 0015

Every table is new: nothing existing changes. (Numbered 0016 and chained to 0014 while 0015
is written elsewhere: the chain is fixed when they are merged.)
"""

import sqlalchemy as sa
from alembic import op

from portal.store.sql.tables import UTCDateTime

revision = "0016"
down_revision = "0015"

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "project_reasons",
        sa.Column("project", sa.String(300), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "review_entries",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.String(200), nullable=False),
        sa.Column("asset_name", sa.String(500), nullable=False),
        sa.Column("project", sa.String(300)),
        sa.Column("metric_key", sa.Text, nullable=False),
        sa.Column("entry_at", UTCDateTime(), nullable=False),
        sa.Column("evaluator", sa.String(200), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("comment", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_review_entries_asset", "review_entries", ["asset_id", "entry_at"])
    op.create_index("ix_review_entries_project", "review_entries", ["project", "reason"])
    op.create_table(
        "review_assignments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("filters", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("closed_by", sa.String(200)),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "review_assignees",
        sa.Column("assignment_id", sa.Integer, sa.ForeignKey("review_assignments.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("account", sa.String(200), primary_key=True),
    )
    op.create_index("ix_review_assignees_account", "review_assignees", ["account"])
    op.create_table(
        "review_assignment_items",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("assignment_id", sa.Integer, sa.ForeignKey("review_assignments.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("asset_id", sa.String(200), nullable=False),
        sa.Column("metric_key", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_review_assignment_items", "review_assignment_items", ["assignment_id", "asset_id"])


def downgrade() -> None:
    op.drop_index("ix_review_assignment_items", table_name="review_assignment_items")
    op.drop_table("review_assignment_items")
    op.drop_index("ix_review_assignees_account", table_name="review_assignees")
    op.drop_table("review_assignees")
    op.drop_table("review_assignments")
    op.drop_index("ix_review_entries_project", table_name="review_entries")
    op.drop_index("ix_review_entries_asset", table_name="review_entries")
    op.drop_table("review_entries")
    op.drop_table("project_reasons")
