"""Asset aliases, and the metric key of each batch-upload row.

Revision ID: 0009
Revises: 0008

DocDB's 1.x -> 2.x migration re-issued records under new `_id`s with the same `name`.
When a newer record replaces a stored one, the asset takes the new id and its old id
becomes an alias, so links to `/asset/<old id>` and API calls by the old id still find
it. Metrics that share a name are told apart by their key (portal.qc.identity): an
upload row keeps the key of the metric it was checked against. Both are new (a table,
a nullable column): nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "asset_aliases",
        sa.Column("alias", sa.String(200), primary_key=True),
        sa.Column("asset_id", sa.String(200),
                  sa.ForeignKey("assets.id", ondelete="CASCADE", onupdate="CASCADE"), nullable=False),
    )
    op.create_index("ix_asset_aliases_asset", "asset_aliases", ["asset_id"])
    with op.batch_alter_table("upload_rows") as batch:
        batch.add_column(sa.Column("metric_key", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("upload_rows") as batch:
        batch.drop_column("metric_key")
    op.drop_index("ix_asset_aliases_asset", table_name="asset_aliases")
    op.drop_table("asset_aliases")
