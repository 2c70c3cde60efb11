"""The project page's reads (SqlAssetStore methods): pre-aggregated counts, a metric's trend,
the times to QC. Each is an index range of its project, never a scan of the asset tables."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, distinct, func, select

from portal.store.project_types import CellRow, ProjectMetricRow, QCTime, TrendPoint
from portal.store.sql import hidden
from portal.store.sql.project_aggregates import ALL
from portal.store.sql.project_tables import project_cells, project_metrics
from portal.store.sql.review_tables import review_entries
from portal.store.sql.tables import assets, metric_values

TREND_LIMIT = 1000
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


_URGENCY = {"Fail": 4, "Pending": 3, "Unreadable": 2, "No QC": 1}


def cells(connection, project: str, *, subjects: int | None = None) -> list[CellRow]:
    """The project's rows of project_cells with n > 0; with `subjects`, only the subject rows of
    the `subjects` most urgent subjects (worst status first, then by id): the matrix's rows.

    Read as ranges of the primary key (project, kind, a, ...): the stage and week rows, the
    ranking of the subjects (one pass over the subject rows), then only the chosen subjects'
    rows: a condition "not a subject, or one of these" made SQLite step through every subject
    row of the project a second time.
    """
    c = project_cells.c
    columns = (c.kind, c.a, c.b, c.status, c.n)
    if subjects is None:
        rows = connection.execute(select(*columns).where(c.project == project, c.n > 0)).all()
        return [CellRow(*row) for row in rows]
    rows = connection.execute(select(*columns).where(c.project == project, c.kind.in_(("stage", "week")),
                                                     c.n > 0)).all()
    urgency = case(*((c.status == status, rank) for status, rank in _URGENCY.items()), else_=0)
    worst = func.max(urgency).label("worst")
    top = connection.execute(select(c.a).where(c.project == project, c.kind == "subject", c.n > 0)
                             .group_by(c.a).order_by(worst.desc(), c.a).limit(subjects)).scalars().all()
    if top:
        rows += connection.execute(select(*columns).where(c.project == project, c.kind == "subject",
                                                          c.a.in_(top), c.n > 0)).all()
    return [CellRow(*row) for row in rows]


def subject_count(connection, project: str) -> int:
    """How many subjects the project's assets have ("" counting as one)."""
    c = project_cells.c
    return connection.execute(select(func.count(distinct(c.a))).where(
        c.project == project, c.kind == "subject", c.n > 0)).scalar_one()


def metric_trend(connection, project: str, metric: str, modality: str, stage: str, *,
                 limit: int = TREND_LIMIT) -> list[TrendPoint]:
    """The latest `limit` numeric values of one metric of `project` by acquisition time (oldest
    first; one ordered range of ix_metric_values_trend, no join); values of assets without an
    acquisition time are left out."""
    v = metric_values.c
    rows = connection.execute(
        select(v.asset_id, v.acquired, v.value, v.status)
        .where(v.project == project, v.name == metric, v.modality == modality, v.stage == stage,
               v.acquired.is_not(None))
        .order_by(v.acquired.desc(), v.asset_id.desc()).limit(limit))  # the index's order, backwards
    return [TrendPoint(*row) for row in reversed(rows.all())]


def asset_names(connection, asset_ids: Sequence[str]) -> dict[str, str]:
    """{id: name} of the visible assets among `asset_ids` (a primary-key lookup each)."""
    if not asset_ids:
        return {}
    rows = connection.execute(select(assets.c.id, assets.c.name).where(assets.c.id.in_(list(asset_ids)),
                                                                       hidden.visible()))
    return dict(rows.all())


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

    def project_cells(self, project: str, *, subjects: int | None = None) -> list[CellRow]:
        """Asset counts of a project per modality x stage, subject x modality (of the `subjects` most
        urgent subjects when given) and week."""
        with self._read() as connection:
            return cells(connection, project, subjects=subjects)

    def project_subject_count(self, project: str) -> int:
        """How many subjects the project's assets have."""
        with self._read() as connection:
            return subject_count(connection, project)

    def metric_trend(self, project: str, metric: str, modality: str, stage: str, *,
                     limit: int = TREND_LIMIT) -> list[TrendPoint]:
        """The latest `limit` values of one numeric metric of a project, oldest first."""
        with self._read() as connection:
            return metric_trend(connection, project, metric, modality, stage, limit=limit)

    def asset_names(self, asset_ids: Sequence[str]) -> dict[str, str]:
        """{id: name} of the visible assets among `asset_ids`."""
        with self._read() as connection:
            return asset_names(connection, asset_ids)

    def qc_times(self, project: str, *, limit: int = QC_TIME_LIMIT) -> list[QCTime]:
        """When the project's assets got their first human decision and lost their last Pending."""
        with self._read() as connection:
            return qc_times(connection, project, limit=limit)
