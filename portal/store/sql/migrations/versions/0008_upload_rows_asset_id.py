"""Upload rows know their asset's id.

Revision ID: 0008
Revises: 0007

A batch upload names assets by name or id; applying it works per asset id (two rows
naming one asset differently are one asset). `upload_rows.asset_id` keeps the id the
row was checked against. The column is new and nullable: nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("upload_rows") as batch:
        batch.add_column(sa.Column("asset_id", sa.String(200)))
    op.create_index("ix_upload_rows_asset", "upload_rows", ["upload_id", "asset_id"])


def downgrade() -> None:
    op.drop_index("ix_upload_rows_asset", "upload_rows")
    with op.batch_alter_table("upload_rows") as batch:
        batch.drop_column("asset_id")
