"""Numeric metric values (metric_values), backfilled from the stored documents.

Revision ID: 0017
Revises: 0016

The asset page's metric distributions and the project page's trends read this table (an
index range per project x metric x modality x stage, ordered by value). The backfill runs
**in this migration**: existing documents are read in id order, in batches, and each
metric's numeric value and own status come from the same code ingest uses
(portal.qc.summarise, portal.store.sql.rows.value_rows), so a migrated database holds what
a fresh ingest would write. Deleted assets get no rows (they are hidden everywhere).
Nothing existing changes. (Numbered 0017 and chained to 0014 while 0015 and 0016 are
written elsewhere: the chain is fixed when they are merged.)
"""

import logging

import sqlalchemy as sa
from alembic import op

from portal.store.sql.tables import UTCDateTime

revision = "0017"
down_revision = "0016"

log = logging.getLogger("portal.migrations")
_BATCH = 500


def upgrade() -> None:
    op.create_table(
        "metric_values",
        sa.Column("asset_id", sa.String(200), sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("project", sa.String(300), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("modality", sa.String(50), nullable=False),
        sa.Column("stage", sa.String(30), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("acquired", UTCDateTime()),
    )
    op.create_index("ix_metric_values_group", "metric_values",
                    ["project", "name", "modality", "stage", "value", "status"])
    _backfill(op.get_bind())


def _backfill(connection) -> None:
    from portal.qc import summarise
    from portal.store.sql.hidden import DELETED
    from portal.store.sql.rows import value_rows
    from portal.store.sql.tables import assets, metric_values

    last, done = "", 0
    while True:
        rows = connection.execute(
            sa.select(assets.c.id, assets.c.document, assets.c.status)
            .where(assets.c.id > last).order_by(assets.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        inserts = [item for row in rows if row.status != DELETED
                   for item in value_rows(row.id, summarise(row.document))]
        if inserts:
            connection.execute(sa.insert(metric_values), inserts)
        last, done = rows[-1].id, done + len(rows)
        if done % 10_000 < _BATCH:
            log.info("metric_values: %d assets backfilled", done)


def downgrade() -> None:
    op.drop_table("metric_values")
