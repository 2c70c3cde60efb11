"""Several raters: review policies, rating items and ratings.

Revision ID: 0018
Revises: 0017

`review_policies`: per project, the ratings required, blind, the repeat fraction, the
leads. `rating_items`: one row per metric and round being rated (locked while a rating is
added). `ratings`: each rater's rating (or blinded repeat). Every table is new. (Chained to
0014 while 0015-0017 are written on other branches: the chain is fixed when they merge.)
"""

import sqlalchemy as sa
from alembic import op

from portal.store.sql.tables import JSONType, UTCDateTime

revision = "0018"
down_revision = "0017"

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "review_policies",
        sa.Column("project", sa.String(300), primary_key=True),
        sa.Column("ratings_required", sa.Integer, nullable=False, server_default="1"),
        sa.Column("blind", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("repeat_fraction", sa.Float, nullable=False, server_default="0"),
        sa.Column("leads", JSONType, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "rating_items",
        sa.Column("asset_id", sa.String(200), primary_key=True),
        sa.Column("metric_key", sa.Text, primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("asset_name", sa.String(500), nullable=False),
        sa.Column("project", sa.String(300)),
        sa.Column("metric_name", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("decided_status", sa.String(20)),
        sa.Column("decided_by", sa.String(500)),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_rating_items_project_state", "rating_items", ["project", "state"])
    op.create_table(
        "ratings",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.String(200), nullable=False),
        sa.Column("metric_key", sa.Text, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("project", sa.String(300)),
        sa.Column("metric_name", sa.Text, nullable=False),
        sa.Column("rater", sa.String(200), nullable=False),
        sa.Column("rater_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("comment", sa.Text),
        sa.Column("repeat", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("shown_ms", sa.Integer),
        sa.Column("rated_at", UTCDateTime(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_ratings_item", "ratings", ["asset_id", "metric_key", "round"])
    op.create_index("ix_ratings_project_metric", "ratings", ["project", "metric_name"])


def downgrade() -> None:
    op.drop_table("ratings")
    op.drop_table("rating_items")
    op.drop_table("review_policies")
