"""Per-metric statuses (asset_metrics), backfilled from the stored documents.

Revision ID: 0002
Revises: 0001

The project page ranks metrics by failure and pending rate with a GROUP BY over this
table. Existing documents are read in id order, in batches, and each metric's own
latest status is computed with the same code ingest uses (portal.qc.summarise), so a
database migrated from 0001 holds exactly what a fresh ingest would write. Nothing is
dropped or rewritten: the documents are only read.
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

log = logging.getLogger("portal.migrations")
_BATCH = 500


def upgrade() -> None:
    op.create_table(
        "asset_metrics",
        sa.Column("asset_id", sa.String(200), sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("modality", sa.String(50), nullable=False),
        sa.Column("stage", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_asset_metrics_name", "asset_metrics", ["name", "status"])
    _backfill(op.get_bind())


def _backfill(connection) -> None:
    from portal.qc import summarise
    from portal.store.sql.rows import metric_rows
    from portal.store.sql.tables import asset_metrics, assets

    last, done = "", 0
    while True:
        rows = connection.execute(
            sa.select(assets.c.id, assets.c.document).where(assets.c.id > last).order_by(assets.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        inserts = [item for row in rows for item in metric_rows(row.id, summarise(row.document))]
        if inserts:
            connection.execute(sa.insert(asset_metrics), inserts)
        last, done = rows[-1].id, done + len(rows)
        if done % 10_000 < _BATCH:
            log.info("asset_metrics: %d assets backfilled", done)


def downgrade() -> None:
    op.drop_table("asset_metrics")
