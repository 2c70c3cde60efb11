"""The review queue's index over the metrics table.

Revision ID: 0015
Revises: 0014

`/review` serves the Pending metrics of the assets an overview filter matches. With a
`metric` filter it asks which assets hold a Pending metric of those names, and how many:
`ix_asset_metrics_queue` (status, name, asset_id) answers both from the index alone
(`ix_asset_metrics_name` lacks the asset id, so each hit cost a row lookup). A new index:
nothing existing changes.
"""

from alembic import op

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    op.create_index("ix_asset_metrics_queue", "asset_metrics", ["status", "name", "asset_id"])


def downgrade() -> None:
    op.drop_index("ix_asset_metrics_queue", table_name="asset_metrics")
