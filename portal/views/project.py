"""View-model of the project page `/project/<name>`, read from pre-aggregated tables.

On the SQL store every part is an index range of the project's pre-aggregated rows
(migration 0019: project_metrics, project_cells; portal.store.sql.project_reads) plus the
asset_counts totals and one page of the listing, so the page costs O(metrics and groups of
the project), not O(assets). On a store without those tables (DocDB: Unsupported) the
counts come from the store's GROUP BY reads and the parts that need the tables (tolerated
counts, trends, by instrument, time to QC) say they are not available.

Parts: status totals; status per modality x stage; QC status per acquisition week; metrics
ranked by fail rate (portal.views.project_metrics); trends and time to QC
(portal.views.project_trends); pass rates by instrument and by experimenter; the subject x
modality matrix with the counts per status; the assets with Pending metrics, oldest first;
completeness against the project's expected sessions (portal.review.completeness).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from portal.errors import Unsupported
from portal.qc.types import FAIL, PASS, PENDING
from portal.review.completeness import Completeness, completeness_of
from portal.store.protocol import AssetQuery, AssetRow, AssetStore, Sort
from portal.views import project_metrics as pm
from portal.views.overview import STATUS_ORDER
from portal.views.project_metrics import METRIC_LIMIT, Breakdown, MetricRank
from portal.views.project_trends import QCTimes, Trend, TrendOption, parse_option, qc_times_of, trend_of

STAGE_ORDER = ("Raw data", "Processing", "Analysis", "Multi-asset")
_RANK = {PASS: 0, "No QC": 1, "Unreadable": 2, PENDING: 3, FAIL: 4}
PENDING_LIMIT = 50
SUBJECT_LIMIT = 60
NO_SUBJECT = "(no subject)"

__all__ = ["METRIC_LIMIT", "MetricRank", "ProjectView", "SubjectRow", "project_view", "worst_status"]


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
    modalities: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    stage_cells: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # (modality, stage) -> counts
    metrics: list[MetricRank] = field(default_factory=list)  # ranked, at most METRIC_LIMIT
    metric_total: int = 0
    weeks: list[tuple[date, dict[str, int]]] = field(default_factory=list)
    undated: int = 0  # assets without an acquisition time (not in `weeks`)
    subjects: list[SubjectRow] = field(default_factory=list)  # most urgent first, at most SUBJECT_LIMIT
    subject_total: int = 0
    pending_assets: list[AssetRow] = field(default_factory=list)  # oldest acquisition first
    pending_total: int = 0
    aggregated: bool = True  # False: the store has no project tables (DocDB): no tolerated, trends, groups
    trend_options: list[TrendOption] = field(default_factory=list)  # most values first
    trend: Trend | None = None
    by_instrument: Breakdown | None = None
    by_experimenter: Breakdown | None = None
    qc_times: QCTimes | None = None
    completeness: Completeness | None = None  # None: the project tracks no expected sessions


def _stage_sorted(stages) -> list[str]:
    return sorted(set(stages), key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else 99, s))


def _subject_rows(subjects: dict[str, dict[str, dict[str, int]]]) -> list[SubjectRow]:
    return sorted((SubjectRow(s, cells) for s, cells in subjects.items()), key=lambda r: (-_RANK.get(r.worst, 0),
                                                                                         r.subject))


def _metric(row) -> MetricRank:
    return MetricRank(row.name, row.modality, row.stage, row.passed, row.failed, row.pending, row.tolerated,
                      row.n_values)


def _from_tables(store: AssetStore, project: str) -> dict:
    """The counts from project_metrics and project_cells (Unsupported on stores without them)."""
    metrics = [_metric(row) for row in store.project_metric_table(project)]
    cells = store.project_cells(project, subjects=SUBJECT_LIMIT)
    stage_cells: dict[tuple[str, str], dict[str, int]] = {}
    subjects: dict[str, dict[str, dict[str, int]]] = {}
    weeks: dict[date, dict[str, int]] = {}
    undated = 0
    for cell in cells:
        if cell.kind == "stage":
            stage_cells.setdefault((cell.a, cell.b), {})[cell.status] = cell.n
        elif cell.kind == "subject":
            subjects.setdefault(cell.a or NO_SUBJECT, {}).setdefault(cell.b, {})[cell.status] = cell.n
        elif cell.a:
            weeks.setdefault(date.fromisoformat(cell.a), {})[cell.status] = cell.n
        else:
            undated += cell.n
    return {"stage_cells": stage_cells, "subjects": subjects, "weeks": weeks, "undated": undated,
            "metrics": metrics, "aggregated": True, "subject_total": store.project_subject_count(project)}


def _breakdowns(store: AssetStore, project: str, ranked: list[MetricRank]) -> tuple[Breakdown, Breakdown]:
    """By instrument and by experimenter: group totals, then only the shown metrics' rows."""
    columns = pm.group_columns(ranked)
    totals = store.project_group_totals(project)
    rows = store.project_metric_table(project, groups=True, names=sorted({m.name for m in columns}))
    out = []
    for dimension in ("instrument", "experimenter"):
        out.append(pm.breakdown(dimension, [(r.value, _metric(r)) for r in totals if r.dimension == dimension],
                                [(r.value, _metric(r)) for r in rows if r.dimension == dimension], columns))
    return out[0], out[1]


def _from_group_bys(store: AssetStore, query: AssetQuery) -> dict:
    """The same counts from the store's GROUP BY reads (no tolerated, no groups)."""
    stage_cells: dict[tuple[str, str], dict[str, int]] = {}
    for row in store.stage_counts(query):
        stage_cells.setdefault((row.modality, row.stage), {})[row.status] = row.n
    metrics: dict[tuple[str, str, str], dict[str, int]] = {}
    for row in store.metric_counts(query):
        metrics.setdefault((row.name, row.modality, row.stage), {})[row.status] = row.n
    weeks: dict[date, dict[str, int]] = {}
    undated = 0
    for group in store.status_counts(query, "week"):
        if group.key is None:
            undated += group.n
        else:
            weeks.setdefault(group.key, {})[group.status] = group.n
    subjects: dict[str, dict[str, dict[str, int]]] = {}
    for row in store.subject_counts(query):
        subjects.setdefault(row.subject or NO_SUBJECT, {}).setdefault(row.modality, {})[row.status] = row.n
    overall = [MetricRank(n, m, s, c.get(PASS, 0), c.get(FAIL, 0), c.get(PENDING, 0))
               for (n, m, s), c in metrics.items()]
    return {"stage_cells": stage_cells, "subjects": subjects, "weeks": weeks, "undated": undated,
            "metrics": overall, "aggregated": False, "subject_total": len(subjects)}


def trend_options(ranked: list[MetricRank]) -> list[TrendOption]:
    """The numeric metrics of a ranking, most values first (then the most failing)."""
    numeric = [m for m in ranked if m.n_values]
    numeric.sort(key=lambda m: -m.n_values)  # stable: equal counts keep the ranking's order
    return [TrendOption(m.name, m.modality, m.stage, m.n_values) for m in numeric]


def choose(options: list[TrendOption], wanted: str | None) -> TrendOption | None:
    """The option `wanted` names (a chooser value), else the first (most values)."""
    key = parse_option(wanted)
    for option in options:
        if key == (option.name, option.modality, option.stage):
            return option
    return options[0] if options else None


def project_view(store: AssetStore, project: str, *, trend: str | None = None) -> ProjectView:
    """The project page for `project`; `trend` picks the trends' metric (a TrendOption value).
    The built page is kept while the store is unchanged (callbacks.project.kept_page)."""
    query = AssetQuery(project=(project,))
    totals = store.status_totals(query)
    by_status = {status: totals.get(status, 0) for status in STATUS_ORDER}
    total = sum(by_status.values())
    if total == 0:
        return ProjectView(project, 0, by_status)
    try:
        parts = _from_tables(store, project)
    except Unsupported:
        parts = _from_group_bys(store, query)
    stage_cells = parts["stage_cells"]
    ranked = pm.rank(parts["metrics"])
    subject_rows = _subject_rows(parts["subjects"])
    modalities = {m for m, _ in stage_cells} | {m for r in subject_rows for m in r.cells}
    pending = store.list_assets(AssetQuery(project=(project,), pending=True), Sort("acquired", False), 0,
                                PENDING_LIMIT)
    aggregated = parts["aggregated"]
    options = trend_options(ranked) if aggregated else []
    by_instrument, by_experimenter = _breakdowns(store, project, ranked) if aggregated else (None, None)
    return ProjectView(
        project=project,
        total=total,
        by_status=by_status,
        modalities=sorted(modalities),
        stages=_stage_sorted(s for _, s in stage_cells),
        stage_cells=stage_cells,
        metrics=ranked[:METRIC_LIMIT],
        metric_total=len(ranked),
        weeks=sorted(parts["weeks"].items()),
        undated=parts["undated"],
        subjects=subject_rows[:SUBJECT_LIMIT],
        subject_total=parts["subject_total"],
        pending_assets=pending.rows,
        pending_total=pending.total,
        aggregated=aggregated,
        trend_options=options,
        trend=trend_of(store, project, choose(options, trend)) if aggregated else None,
        by_instrument=by_instrument,
        by_experimenter=by_experimenter,
        qc_times=qc_times_of(store, project) if aggregated else None,
        completeness=completeness_of(store, project),
    )


def project_trend(store: AssetStore, project: str, wanted: str | None) -> Trend | None:
    """The trend the chooser asks for (a TrendOption value; the default metric when unknown)."""
    ranked = pm.rank(_metric(r) for r in store.project_metric_table(project))
    return trend_of(store, project, choose(trend_options(ranked), wanted))
