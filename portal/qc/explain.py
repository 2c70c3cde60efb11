"""Why a status is what it is: the metrics that make it Fail or Pending, and those tolerated.

`explain(qc, date, modality=, stage=, tag=)` selects the metrics exactly as
`QualityControl.evaluate_status(modality=, stage=, tag=, date=)` does (see
portal.qc.status for the rules) and answers the status the schema gives plus the
reasons: every selected metric whose status at `date` is Fail or Pending, and every
Fail that `allow_tag_failures` turns into a Pass (`tolerated`), each with the status
entry that is in force at `date` (who, when). `positions` restricts the selection to
some metrics of the document (a navigator node), with the same rules.

`changes_since(qc, date, ...)` lists the selected metrics whose status (as it counts,
tolerance applied) differs between `date` and now: what changed since.

Pure: no Dash, no Flask, no store.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.qc.identity import MetricIndex
from portal.qc.status import _aware, _now, _tolerated, _value
from portal.qc.types import FAIL, PASS, PENDING

_RANK = {PASS: 0, PENDING: 1, FAIL: 2}
_NAME = {rank: name for name, rank in _RANK.items()}


@dataclass(frozen=True)
class Entry:
    """The status entry in force at the date asked about."""

    evaluator: str
    status: str
    timestamp: datetime


@dataclass(frozen=True)
class Reason:
    """One metric behind a status: its own status at the date, whether tolerated, its entry."""

    key: str
    metric: str
    status: str  # the metric's own status at the date (a tolerated Fail stays "Fail" here)
    tolerated: bool  # a Fail that allow_tag_failures counts as Pass
    entry: Entry


@dataclass(frozen=True)
class Explanation:
    """A status as the schema computes it, its date, how many metrics count and why."""

    status: str
    date: datetime
    n: int
    because: tuple[Reason, ...]


@dataclass(frozen=True)
class Change:
    """A metric whose counted status at `date` (`then`) differs from its status now."""

    key: str
    metric: str
    then: str
    now: str
    entry: Entry  # the entry in force now


def _entry_at(history: list, date: datetime):
    """The entry `_status_at` takes its status from (same rule, same tie-breaking)."""
    if len(history) == 1:
        return history[0]
    best = None
    for entry in history:
        stamp = _aware(entry.timestamp)
        if stamp <= date and (best is None or stamp > best[0]):
            best = (stamp, entry)
    return history[0] if best is None else best[1]


def _selected(metric, modality: str | None, stage: str | None, tag: str | None) -> bool:
    if modality is not None and metric.modality.abbreviation.lower() != modality.lower():
        return False
    if stage is not None and _value(metric.stage) != stage:
        return False
    if tag is not None:
        tags = metric.tags or {}
        if not any(f"{k}:{v}" == tag or v == tag for k, v in tags.items()):
            return False
    return True


def _selection(qc, modality, stage, tag, positions):
    wanted = None if positions is None else set(positions)
    for position, metric in enumerate(qc.metrics):
        if wanted is not None and position not in wanted:
            continue
        if _selected(metric, modality, stage, tag):
            yield position, metric


def _as_entry(entry) -> Entry:
    return Entry(evaluator=entry.evaluator or "", status=_value(entry.status),
                 timestamp=_aware(entry.timestamp).astimezone(UTC))


def explain(qc, date: datetime | None = None, *, modality: str | None = None, stage: str | None = None,
            tag: str | None = None, positions: Iterable[int] | None = None,
            index: MetricIndex | None = None) -> Explanation:
    """The status `evaluate_status(modality=, stage=, tag=, date=)` gives, and why.

    `modality` is an abbreviation (any case), `stage` a stage value ("Raw data", ...),
    `tag` a `key:value` pair or a bare tag value (as the schema matches it). `because`
    lists Fail metrics first, then Pending ones, then tolerated Fails, each in document
    order. A naive `date` is read as UTC; None means now.
    """
    when = _now(date)
    allow = frozenset(qc.allow_tag_failures or ())
    index = index or MetricIndex(qc.metrics)
    worst = 0
    n = 0
    fails, pendings, tolerated = [], [], []
    for position, metric in _selection(qc, modality, stage, tag, positions):
        n += 1
        entry = _entry_at(metric.status_history, when)
        status = _value(entry.status)
        reason = Reason(key=index.key(position), metric=metric.name, status=status, tolerated=False,
                        entry=_as_entry(entry))
        if status == FAIL and metric.tags and _tolerated(metric.tags, allow):
            tolerated.append(Reason(**{**reason.__dict__, "tolerated": True}))
            continue
        worst = max(worst, _RANK[status])
        if status == FAIL:
            fails.append(reason)
        elif status == PENDING:
            pendings.append(reason)
    return Explanation(status=_NAME[worst], date=when.astimezone(UTC), n=n,
                       because=tuple(fails + pendings + tolerated))


def _counted(metric, when: datetime, allow: frozenset[str]) -> str:
    status = _value(_entry_at(metric.status_history, when).status)
    if status == FAIL and metric.tags and _tolerated(metric.tags, allow):
        return PASS
    return status


def changes_since(qc, date: datetime, *, now: datetime | None = None, modality: str | None = None,
                  stage: str | None = None, tag: str | None = None, positions: Iterable[int] | None = None,
                  index: MetricIndex | None = None) -> tuple[Change, ...]:
    """The selected metrics whose counted status at `date` differs from the one at `now`
    (default: the current time), in document order."""
    then_at, now_at = _aware(date), _now(now)
    allow = frozenset(qc.allow_tag_failures or ())
    index = index or MetricIndex(qc.metrics)
    out = []
    for position, metric in _selection(qc, modality, stage, tag, positions):
        then, current = _counted(metric, then_at, allow), _counted(metric, now_at, allow)
        if then != current:
            out.append(Change(key=index.key(position), metric=metric.name, then=then, now=current,
                              entry=_as_entry(_entry_at(metric.status_history, now_at))))
    return tuple(out)


def parse_when(text: str) -> datetime:
    """A `date` parameter: `YYYY-MM-DD` means the end of that day (UTC), an ISO 8601
    date-time is taken as given (naive as UTC). ValueError when it is neither."""
    raw = text.strip()
    if len(raw) == 10:
        day = datetime.strptime(raw, "%Y-%m-%d")  # noqa: DTZ007 (made aware below)
        return day.replace(hour=23, minute=59, second=59, microsecond=999999, tzinfo=UTC)
    moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return _aware(moment).astimezone(UTC)
