"""Bookkeeping of assets stored in DocDB (docdb_assets), kept in the portal's database.

Revision ID: 0004
Revises: 0003

DocDB records carry no version counter and the portal may not add fields to them, so
the portal keeps, per DocDB asset, the version reviewers see (bumped when the
quality_control it last saw changes), that quality_control's hash, and what the
portal changed (so a re-ingest keeps reviewers' work, as the SQL store does).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "docdb_assets",
        sa.Column("asset_id", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("qc_hash", sa.String(64), nullable=False),
        sa.Column("portal_edits", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("docdb_assets")
