"""The project page's metric ranking and its pass rates by instrument and by experimenter.

Definitions (the page's captions repeat them):

- a metric is one (name, modality, stage); n counts the project's assets having it;
- **decided** = Pass + Fail + tolerated (Pending is not decided yet); **tolerated** is a
  Fail that `allow_tag_failures` counts as Pass (portal.qc.status), shown apart, never as Fail;
- the **fail rate** is Fail / decided, ranked by its 95 % Wilson lower bound
  (portal.qc.stats.wilson_lower), so one failing asset out of one does not rank above 20
  out of 50; metrics with fewer than MIN_DECIDED decided assets are ranked after all the
  others (listed apart: too few to judge); the **pass rate** is (Pass + tolerated) / decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from portal.qc.stats import wilson_lower
from portal.qc.types import FAIL, PASS, PENDING

TOLERATED = "Tolerated"
METRIC_LIMIT = 30
GROUP_LIMIT = 12  # instruments / experimenters shown
GROUP_METRICS = 5  # metric columns of the by-instrument tables
MIN_DECIDED = 5  # fewer decided assets: ranked after the others


@dataclass(frozen=True)
class MetricRank:
    """One metric (name, modality, stage) over the project's assets (or one group's)."""

    name: str
    modality: str
    stage: str
    passed: int
    failed: int
    pending: int
    tolerated: int = 0
    n_values: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        """(name, modality, stage): what identifies the metric across assets."""
        return (self.name, self.modality, self.stage)

    @property
    def n(self) -> int:
        """How many assets have this metric."""
        return self.passed + self.failed + self.pending + self.tolerated

    @property
    def decided(self) -> int:
        """Pass, Fail and tolerated: the assets where this metric is no longer Pending."""
        return self.passed + self.failed + self.tolerated

    @property
    def fail_rate(self) -> float | None:
        """Fail / decided (None when nothing is decided)."""
        return self.failed / self.decided if self.decided else None

    @property
    def pass_rate(self) -> float | None:
        """(Pass + tolerated) / decided (None when nothing is decided)."""
        return (self.passed + self.tolerated) / self.decided if self.decided else None

    @property
    def fail_lower(self) -> float:
        """The 95 % Wilson lower bound of the fail rate (0 when nothing is decided)."""
        return wilson_lower(self.failed, self.decided)

    def share(self, status: str) -> float:
        """The share (0..1) of this metric's assets in `status` (PASS, FAIL, PENDING or TOLERATED)."""
        value = {PASS: self.passed, FAIL: self.failed, PENDING: self.pending, TOLERATED: self.tolerated}[status]
        return value / self.n if self.n else 0.0

    def counts(self) -> dict[str, int]:
        """{status: assets} with tolerated under TOLERATED."""
        return {PASS: self.passed, TOLERATED: self.tolerated, PENDING: self.pending, FAIL: self.failed}


def rank_key(metric: MetricRank):
    """Enough decided assets first, then the Wilson lower bound of the fail rate, the share pending
    and n (all descending)."""
    return (metric.decided < MIN_DECIDED, -metric.fail_lower, -metric.share(PENDING), -metric.n, metric.name,
            metric.modality, metric.stage)


def rank(metrics: Iterable[MetricRank]) -> list[MetricRank]:
    """The metrics, the most reliably failing first (see rank_key)."""
    return sorted(metrics, key=rank_key)


@dataclass(frozen=True)
class GroupRow:
    """One instrument or experimenter: its counts over every metric and per ranked metric."""

    label: str  # "" when the assets have none
    total: MetricRank  # every metric's counts summed (name "")
    per_metric: dict[tuple[str, str, str], MetricRank]


@dataclass(frozen=True)
class Breakdown:
    """Pass rates by instrument or by experimenter x the project's most failing metrics."""

    dimension: str  # "instrument" or "experimenter"
    metrics: list[MetricRank]  # the columns (project-wide counts), most failing first
    rows: list[GroupRow]  # most evaluations first, at most GROUP_LIMIT
    row_total: int  # how many groups there are


def breakdown(dimension: str, totals: Iterable[tuple[str, MetricRank]], rows: Iterable[tuple[str, MetricRank]],
              columns: list[MetricRank]) -> Breakdown:
    """One dimension's Breakdown over `columns`, from (label, summed counts) and (label, metric
    counts) pairs of that dimension."""
    wanted = {metric.key for metric in columns}
    per: dict[str, dict] = {}
    for label, metric in rows:
        if metric.key in wanted:
            per.setdefault(label, {})[metric.key] = metric
    ordered = sorted(totals, key=lambda item: (-item[1].n, item[0] == "", item[0]))
    out = [GroupRow(label, total, per.get(label, {})) for label, total in ordered[:GROUP_LIMIT]]
    return Breakdown(dimension, columns, out, len(ordered))


def group_columns(ranked: list[MetricRank]) -> list[MetricRank]:
    """The metrics the by-instrument tables show: the most failing decided ones."""
    return [metric for metric in ranked if metric.decided >= MIN_DECIDED and metric.failed][:GROUP_METRICS]
