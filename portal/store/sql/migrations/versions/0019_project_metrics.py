"""The project page's tables: asset_groups and the pre-aggregated project_metrics and project_cells.

Revision ID: 0019
Revises: 0018

`asset_groups` holds per visible asset its project, instrument and experimenters (from the
acquisition metadata: portal.qc.acquisition) and which of its Fail metrics
allow_tag_failures tolerates; `project_metrics` counts per project x metric x modality x
stage (x instrument, x experimenter) the metrics Pass / Fail / Pending / tolerated and
their numeric values; `project_cells` counts the assets per modality x stage cell, subject x
modality and acquisition week x status; `ix_metric_values_trend` orders a metric's values by acquisition
time (the trends). The backfill runs **in this migration**: documents are read in id
order, in batches, and each asset's asset_groups row comes from the code ingest uses
(portal.qc.summarise, portal.store.sql.rows.group_row); both tables are then counted
from the status rows by portal.store.sql.project_aggregates.rebuild, the code that repairs
it, so a migrated database holds what a fresh ingest writes. Deleted assets get no rows.
Nothing existing changes.
"""

import logging

import sqlalchemy as sa
from alembic import op

from portal.store.sql.tables import JSONType

revision = "0019"
down_revision = "0018"

log = logging.getLogger("portal.migrations")
_BATCH = 500


def upgrade() -> None:
    op.create_table(
        "asset_groups",
        sa.Column("asset_id", sa.String(200), sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("project", sa.String(300), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("instrument", sa.String(200), nullable=False),
        sa.Column("experimenters", JSONType, nullable=False),
        sa.Column("tolerated", JSONType, nullable=False),
    )
    op.create_index("ix_asset_groups_project", "asset_groups", ["project", "instrument"])
    op.create_table(
        "project_metrics",
        sa.Column("project", sa.String(300), primary_key=True),
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("modality", sa.String(50), primary_key=True),
        sa.Column("stage", sa.String(30), primary_key=True),
        sa.Column("dimension", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        *(sa.Column(name, sa.Integer, nullable=False, server_default="0")
          for name in ("passed", "failed", "pending", "tolerated", "n_values")),
    )
    op.create_table(
        "project_cells",
        sa.Column("project", sa.String(300), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("a", sa.String(100), primary_key=True),
        sa.Column("b", sa.String(50), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_index("ix_metric_values_trend", "metric_values", ["project", "name", "modality", "stage", "acquired"])
    _backfill(op.get_bind())


def _backfill(connection) -> None:
    from portal.qc import summarise
    from portal.store.sql.hidden import DELETED
    from portal.store.sql.project_aggregates import rebuild
    from portal.store.sql.project_tables import asset_groups
    from portal.store.sql.rows import group_row
    from portal.store.sql.tables import assets

    last, done = "", 0
    while True:
        rows = connection.execute(
            sa.select(assets.c.id, assets.c.document, assets.c.status)
            .where(assets.c.id > last).order_by(assets.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        inserts = [group_row(row.id, summarise(row.document)) for row in rows if row.status != DELETED]
        if inserts:
            connection.execute(sa.insert(asset_groups), inserts)
        last, done = rows[-1].id, done + len(rows)
        if done % 10_000 < _BATCH:
            log.info("asset_groups: %d assets backfilled", done)
    rebuild(connection)


def downgrade() -> None:
    op.drop_index("ix_metric_values_trend", table_name="metric_values")
    op.drop_table("project_cells")
    op.drop_table("project_metrics")
    op.drop_table("asset_groups")
