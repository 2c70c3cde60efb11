"""The project page's trends (a numeric metric over acquisition time) and time to QC.

Trends: the latest TREND_LIMIT values of one metric (by acquisition time, from the
metric_values table), their median and MAD (portal.qc.stats: raw MAD, not scaled), control
limits median +/- 3 MAD, and the values outside them (outliers, linked to their assets).
The median and limits are those of the points read (the page says how many of how many).

Time to QC: per asset reviewed in the portal, the hours from its creation in the portal
(the assets table's created_at: its first ingest) to its first Pass/Fail status entry written
through the portal (review_entries: the review page, the asset page, the review queue, the
API's status entries) and, for assets with no Pending metric left, to the last such entry.
Entries that came in the ingested documents (pipelines, other tools) are not counted: the
portal cannot tell who wrote them or when they were really made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from portal.errors import Unsupported
from portal.qc.stats import quantile
from portal.store.project_types import QCTime, TrendPoint

TREND_LIMIT = 1000
OUTLIER_LIST = 20
# Histogram buckets of hours to QC: (upper bound in hours, label).
BUCKETS = ((1, "< 1 h"), (6, "1–6 h"), (24, "6–24 h"), (72, "1–3 d"), (168, "3–7 d"), (672, "1–4 wk"),
           (2160, "1–3 mo"), (float("inf"), "> 3 mo"))


@dataclass(frozen=True)
class TrendOption:
    """A numeric metric the trends chooser offers."""

    name: str
    modality: str
    stage: str
    n_values: int

    @property
    def value(self) -> str:
        """The chooser's value: name, modality and stage joined by a tab (names hold no tab)."""
        return "\t".join((self.name, self.modality, self.stage))

    @property
    def label(self) -> str:
        """What the chooser shows."""
        return f"{self.name} · {self.modality} · {self.stage} ({self.n_values:,} values)"


def parse_option(value: str | None) -> tuple[str, str, str] | None:
    """(name, modality, stage) of a chooser value, or None when it is not one."""
    parts = (value or "").split("\t")
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 and all(parts) else None


@dataclass(frozen=True)
class Trend:
    """One metric's values over time, with median, control limits and outliers."""

    option: TrendOption
    points: list[TrendPoint]  # oldest first
    median: float
    mad: float
    outliers: list[TrendPoint]  # largest deviation first, at most OUTLIER_LIST
    n_outliers: int
    names: dict[str, str] = field(default_factory=dict)  # asset id -> name, of the outliers listed

    @property
    def limits(self) -> tuple[float, float] | None:
        """(lower, upper) control limits, None when the MAD is 0 (no spread to judge by)."""
        if self.mad <= 0:
            return None
        return (self.median - 3 * self.mad, self.median + 3 * self.mad)


def is_outlier(value: float, median: float, mad: float) -> bool:
    """Outside median +/- 3 MAD (never when the MAD is 0)."""
    return mad > 0 and abs(value - median) > 3 * mad


def trend(option: TrendOption, points: Sequence[TrendPoint]) -> Trend | None:
    """The Trend of the points read (None without points)."""
    if not points:
        return None
    ordered = sorted(point.value for point in points)
    median = quantile(ordered, 0.5)
    mad = quantile(sorted(abs(v - median) for v in ordered), 0.5)
    out = sorted((p for p in points if is_outlier(p.value, median, mad)),
                 key=lambda p: (-abs(p.value - median), p.asset_id))
    return Trend(option, list(points), median, mad, out[:OUTLIER_LIST], len(out))


def trend_of(store, project: str, option: TrendOption | None) -> Trend | None:
    """Read and summarise one metric's trend (None without an option or values)."""
    if option is None:
        return None
    points = store.metric_trend(project, option.name, option.modality, option.stage, limit=TREND_LIMIT)
    found = trend(option, points)
    if found is None or not found.outliers:
        return found
    return replace(found, names=store.asset_names(sorted({p.asset_id for p in found.outliers})))


@dataclass(frozen=True)
class QCTimes:
    """Time to QC over a project's assets reviewed in the portal."""

    n: int  # assets with a first decision
    n_settled: int  # of them, with no Pending left
    first_hist: list[tuple[str, int]]  # (bucket label, assets)
    settled_hist: list[tuple[str, int]]
    months: list[tuple[str, int, float, float | None]]  # (YYYY-MM, assets, median hours first, settled)
    limited: bool  # True when only the latest `limit` assets were read


def _hours(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds() / 3600)


def _histogram(hours: list[float]) -> list[tuple[str, int]]:
    counts = [0] * len(BUCKETS)
    for value in hours:
        counts[next(i for i, (upper, _) in enumerate(BUCKETS) if value < upper)] += 1
    return [(label, n) for (_, label), n in zip(BUCKETS, counts, strict=True)]


def qc_times(rows: Sequence[QCTime], *, limit: int) -> QCTimes:
    """Histograms and medians per month (of creation) of the hours to QC."""
    first = [_hours(r.created, r.first_decision) for r in rows]
    settled = [_hours(r.created, r.settled) for r in rows if r.settled is not None]
    per_month: dict[str, tuple[list[float], list[float]]] = {}
    for row in rows:
        month = per_month.setdefault(row.created.strftime("%Y-%m"), ([], []))
        month[0].append(_hours(row.created, row.first_decision))
        if row.settled is not None:
            month[1].append(_hours(row.created, row.settled))
    months = [(month, len(a), quantile(sorted(a), 0.5), quantile(sorted(b), 0.5) if b else None)
              for month, (a, b) in sorted(per_month.items())]
    return QCTimes(len(rows), len(settled), _histogram(first), _histogram(settled), months, len(rows) >= limit)


QC_TIME_LIMIT = 5000


def qc_times_of(store, project: str) -> QCTimes | None:
    """Time to QC of a project; None when the store cannot tell (DocDB)."""
    try:
        rows = store.qc_times(project, limit=QC_TIME_LIMIT)
    except Unsupported:
        return None
    return qc_times(rows, limit=QC_TIME_LIMIT)
