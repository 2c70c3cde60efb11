"""View-model of the project summary page `/project/<name>` (every number a GROUP BY).

Status counts per modality x stage, metrics ranked by failure and pending rate, QC
status per acquisition week, the subject x modality matrix, and the assets that still
have Pending metrics, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.qc.types import FAIL, PASS, PENDING
from portal.store.protocol import AssetQuery, AssetRow, AssetStore, Sort
from portal.views.overview import STATUS_ORDER

STAGE_ORDER = ("Raw data", "Processing", "Analysis", "Multi-asset")
_RANK = {PASS: 0, "No QC": 1, "Unreadable": 2, PENDING: 3, FAIL: 4}
PENDING_LIMIT = 50
SUBJECT_LIMIT = 60
METRIC_LIMIT = 50


@dataclass(frozen=True)
class MetricRank:
    """One metric (name, modality, stage) over the project's assets."""

    name: str
    modality: str
    stage: str
    passed: int
    failed: int
    pending: int

    @property
    def n(self) -> int:
        """How many assets have this metric."""
        return self.passed + self.failed + self.pending

    def share(self, status: str) -> float:
        """The share (0..1) of this metric's evaluations in `status`."""
        value = {PASS: self.passed, FAIL: self.failed, PENDING: self.pending}[status]
        return value / self.n if self.n else 0.0


@dataclass(frozen=True)
class SubjectRow:
    """One subject of the matrix: {modality: {status: assets}} and its worst status."""

    subject: str
    cells: dict[str, dict[str, int]]

    @property
    def worst(self) -> str:
        """The most urgent status over all its cells."""
        return worst_status({s: n for cell in self.cells.values() for s, n in cell.items() if n})


def worst_status(counts: dict[str, int]) -> str:
    """Fail before Pending before Unreadable before No QC before Pass (statuses with n > 0)."""
    present = [status for status, n in counts.items() if n]
    return max(present, key=lambda status: _RANK.get(status, 0)) if present else PASS


@dataclass(frozen=True)
class ProjectView:
    """Everything the project page shows."""

    project: str
    total: int
    by_status: dict[str, int]
    modalities: list[str]
    stages: list[str]
    stage_cells: dict[tuple[str, str], dict[str, int]]  # (modality, stage) -> {status: assets}
    metrics: list[MetricRank]  # ranked, at most METRIC_LIMIT
    metric_total: int
    weeks: list[tuple[date, dict[str, int]]]
    undated: int  # assets without an acquisition time (not in `weeks`)
    subjects: list[SubjectRow]  # most urgent first, at most SUBJECT_LIMIT
    subject_total: int
    pending_assets: list[AssetRow]  # oldest acquisition first, at most PENDING_LIMIT
    pending_total: int


def _rank_key(metric: MetricRank):
    return (-metric.share(FAIL), -metric.share(PENDING), -metric.n, metric.name, metric.modality, metric.stage)


def project_view(store: AssetStore, project: str) -> ProjectView:
    """The project page for `project` (GROUP BYs and one page of the listing)."""
    query = AssetQuery(project=(project,))
    totals = store.status_totals(query)
    by_status = {status: totals.get(status, 0) for status in STATUS_ORDER}
    total = sum(by_status.values())
    if total == 0:
        return ProjectView(project, 0, by_status, [], [], {}, [], 0, [], 0, [], 0, [], 0)

    stage_cells: dict[tuple[str, str], dict[str, int]] = {}
    for row in store.stage_counts(query):
        stage_cells.setdefault((row.modality, row.stage), {})[row.status] = row.n
    stages = sorted({s for _, s in stage_cells}, key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else 99, s))

    metrics: dict[tuple[str, str, str], dict[str, int]] = {}
    for row in store.metric_counts(query):
        metrics.setdefault((row.name, row.modality, row.stage), {})[row.status] = row.n
    ranked = sorted(
        (MetricRank(name, modality, stage, c.get(PASS, 0), c.get(FAIL, 0), c.get(PENDING, 0))
         for (name, modality, stage), c in metrics.items()),
        key=_rank_key,
    )

    weeks: dict[date, dict[str, int]] = {}
    undated = 0
    for group in store.status_counts(query, "week"):
        if group.key is None:
            undated += group.n
        else:
            weeks.setdefault(group.key, {})[group.status] = group.n

    subjects: dict[str, dict[str, dict[str, int]]] = {}
    modalities: set[str] = {m for m, _ in stage_cells}
    for row in store.subject_counts(query):
        subjects.setdefault(row.subject or "(no subject)", {}).setdefault(row.modality, {})[row.status] = row.n
        modalities.add(row.modality)
    subject_rows = sorted((SubjectRow(s, cells) for s, cells in subjects.items()),
                          key=lambda r: (-_RANK.get(r.worst, 0), r.subject))

    pending = store.list_assets(AssetQuery(project=(project,), pending=True), Sort("acquired", False), 0,
                                PENDING_LIMIT)
    return ProjectView(
        project=project,
        total=total,
        by_status=by_status,
        modalities=sorted(modalities),
        stages=stages,
        stage_cells=stage_cells,
        metrics=ranked[:METRIC_LIMIT],
        metric_total=len(ranked),
        weeks=sorted(weeks.items()),
        undated=undated,
        subjects=subject_rows[:SUBJECT_LIMIT],
        subject_total=len(subject_rows),
        pending_assets=pending.rows,
        pending_total=pending.total,
    )
