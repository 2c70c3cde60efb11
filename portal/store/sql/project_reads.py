"""The project page's reads (SqlAssetStore methods): pre-aggregated counts, a metric's trend,
the times to QC. Each is an index range of its project, never a scan of the asset tables."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from portal.store.project_types import CellRow, ProjectMetricRow, QCTime, TrendPoint
from portal.store.sql import hidden
from portal.store.sql.project_aggregates import ALL
from portal.store.sql.project_tables import project_cells, project_metrics
from portal.store.sql.review_tables import review_entries
from portal.store.sql.tables import assets, metric_values

TREND_LIMIT = 2000
QC_TIME_LIMIT = 5000
_DECIDED = ("Pass", "Fail")


def _counts(p):
    return (p.passed + p.failed + p.pending + p.tolerated) > 0


def metric_table(connection, project: str, *, groups: bool = False,
                 names: Sequence[str] | None = None) -> list[ProjectMetricRow]:
    """The project's rows of project_metrics with a metric counted: dimension "*" (every asset
    once), or with `groups` the instrument and experimenter rows (only of `names` when given)."""
    p = project_metrics.c
    where = [p.project == project, _counts(p), p.dimension != ALL if groups else p.dimension == ALL]
    if names is not None:
        where.append(p.name.in_(list(names) or [""]))
    rows = connection.execute(
        select(p.name, p.modality, p.stage, p.dimension, p.value, p.passed, p.failed, p.pending, p.tolerated,
               p.n_values).where(*where))
    return [ProjectMetricRow(*row) for row in rows]


def group_totals(connection, project: str) -> list[ProjectMetricRow]:
    """Per instrument and per experimenter, the counts summed over every metric (name "")."""
    p = project_metrics.c
    sums = [func.sum(p[c]) for c in ("passed", "failed", "pending", "tolerated", "n_values")]
    rows = connection.execute(select(p.dimension, p.value, *sums)
                              .where(p.project == project, p.dimension != ALL).group_by(p.dimension, p.value))
    return [ProjectMetricRow("", "", "", dim, value, *(int(n or 0) for n in counts))
            for dim, value, *counts in rows if any(counts[:4])]


def cells(connection, project: str) -> list[CellRow]:
    """Every row of project_cells for `project` with n > 0."""
    c = project_cells.c
    rows = connection.execute(select(c.kind, c.a, c.b, c.status, c.n).where(c.project == project, c.n > 0))
    return [CellRow(*row) for row in rows]


def metric_trend(connection, project: str, metric: str, modality: str, stage: str, *,
                 limit: int = TREND_LIMIT) -> list[TrendPoint]:
    """The latest `limit` numeric values of one metric of `project` by acquisition time (oldest
    first); values of assets without an acquisition time are left out."""
    v = metric_values.c
    latest = (
        select(v.asset_id, v.acquired, v.value, v.status)
        .where(v.project == project, v.name == metric, v.modality == modality, v.stage == stage,
               v.acquired.is_not(None))
        .order_by(v.acquired.desc()).limit(limit).subquery()
    )
    rows = connection.execute(
        select(assets.c.name, latest.c.acquired, latest.c.value, latest.c.status)
        .join(assets, assets.c.id == latest.c.asset_id).order_by(latest.c.acquired, assets.c.name))
    return [TrendPoint(*row) for row in rows]


def qc_times(connection, project: str, *, limit: int = QC_TIME_LIMIT) -> list[QCTime]:
    """Per asset of `project` with a Pass/Fail entry written through the portal (review_entries):
    its creation in the portal, its first such entry and, when no metric is Pending any more, its
    last one; the `limit` most recently created such assets."""
    r = review_entries.c
    per_asset = (
        select(r.asset_id, func.min(r.entry_at).label("first"), func.max(r.entry_at).label("last"))
        .where(r.project == project, r.status.in_(_DECIDED)).group_by(r.asset_id).subquery()
    )
    rows = connection.execute(
        select(assets.c.name, assets.c.created_at, per_asset.c.first, per_asset.c.last, assets.c.n_pending)
        .join(per_asset, per_asset.c.asset_id == assets.c.id)
        .where(hidden.visible()).order_by(assets.c.created_at.desc()).limit(limit))
    return [QCTime(name, created, first, None if pending else last) for name, created, first, last, pending in rows]


class ProjectReads:
    """The project page's reads as SqlAssetStore methods (mixed in; `_read()` opens a connection)."""

    def project_metric_table(self, project: str, *, groups: bool = False,
                             names: Sequence[str] | None = None) -> list[ProjectMetricRow]:
        """Per-metric counts of a project: over all its assets, or with `groups` per instrument and
        per experimenter (only the metrics named `names` when given)."""
        with self._read() as connection:
            return metric_table(connection, project, groups=groups, names=names)

    def project_group_totals(self, project: str) -> list[ProjectMetricRow]:
        """Per instrument and per experimenter, the counts of every metric summed."""
        with self._read() as connection:
            return group_totals(connection, project)

    def project_cells(self, project: str) -> list[CellRow]:
        """Asset counts of a project per modality x stage, subject x modality and week."""
        with self._read() as connection:
            return cells(connection, project)

    def metric_trend(self, project: str, metric: str, modality: str, stage: str, *,
                     limit: int = TREND_LIMIT) -> list[TrendPoint]:
        """The latest `limit` values of one numeric metric of a project, oldest first."""
        with self._read() as connection:
            return metric_trend(connection, project, metric, modality, stage, limit=limit)

    def qc_times(self, project: str, *, limit: int = QC_TIME_LIMIT) -> list[QCTime]:
        """When the project's assets got their first human decision and lost their last Pending."""
        with self._read() as connection:
            return qc_times(connection, project, limit=limit)
