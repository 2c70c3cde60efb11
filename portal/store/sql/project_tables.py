"""The project page's tables (migration 0019). Part of portal.store.sql.tables' `metadata`
(imported at its end): import them from here.

- `asset_groups`: per visible asset, what the project page groups by, as of its status
  rows: its project, subject, acquisition week (the Monday, UTC), overall status,
  instrument and experimenters (portal.qc.acquisition), and the positions of its metrics
  whose Fail `allow_tag_failures` tolerates. A status row: written and removed with
  asset_metrics (ingest, annotate, push, batch, restore, delete), so what an asset
  contributed can be subtracted before it is rewritten.
- `project_metrics`: pre-aggregated per-metric counts, one row per (project, metric name,
  modality, stage, dimension, value) with how many of the project's assets have that
  metric Pass / Fail / Pending / tolerated (a Fail allow_tag_failures counts as Pass) and how
  many numeric values it has. Dimension "*" (value "") counts every asset once;
  "instrument" rows count per instrument; "experimenter" rows per experimenter (an asset
  with two experimenters counts under both). Kept in step with the status rows in the same
  transaction (portal.store.sql.project_aggregates), so the project page reads
  O(metrics x groups of the project), never the per-asset rows. "" stands for none.
- `project_cells`: pre-aggregated asset counts of the project page's other parts, one row
  per (project, kind, a, b, status): kind "stage" (a modality, b stage: the status of that
  cell's metrics), "subject" (a subject, b modality: that modality's status), "week" (a the
  week's Monday, b "": the overall status). Kept like project_metrics.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from portal.store.sql.tables import JSONType, metadata, metric_values

asset_groups = Table(
    "asset_groups",
    metadata,
    Column("asset_id", String(200), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("project", String(300), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("week", String(10), nullable=False),  # YYYY-MM-DD of the Monday, "" when not acquired
    Column("status", String(20), nullable=False),
    Column("instrument", String(200), nullable=False),
    Column("experimenters", JSONType, nullable=False),  # list of names
    Column("tolerated", JSONType, nullable=False),  # list of metric positions
)
Index("ix_asset_groups_project", asset_groups.c.project, asset_groups.c.instrument)

project_metrics = Table(
    "project_metrics",
    metadata,
    Column("project", String(300), primary_key=True),
    Column("name", Text, primary_key=True),
    Column("modality", String(50), primary_key=True),
    Column("stage", String(30), primary_key=True),
    Column("dimension", String(20), primary_key=True),  # "*", "instrument", "experimenter"
    Column("value", String(200), primary_key=True),
    Column("passed", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("pending", Integer, nullable=False, default=0),
    Column("tolerated", Integer, nullable=False, default=0),
    Column("n_values", Integer, nullable=False, default=0),
)

project_cells = Table(
    "project_cells",
    metadata,
    Column("project", String(300), primary_key=True),
    Column("kind", String(10), primary_key=True),  # "stage", "subject", "week"
    Column("a", String(100), primary_key=True),
    Column("b", String(50), primary_key=True),
    Column("status", String(20), primary_key=True),
    Column("n", Integer, nullable=False),
)

# The trends: one metric's latest values by acquisition time, an ordered range of this index
# alone (it covers the columns the trend reads: migration 0021; 0019's read each value's row).
TREND_COLUMNS = ("project", "name", "modality", "stage", "acquired", "asset_id", "value", "status")
Index("ix_metric_values_trend", *(metric_values.c[c] for c in TREND_COLUMNS))
