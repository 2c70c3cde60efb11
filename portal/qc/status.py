"""Status evaluation with aind-data-schema's own rules, in one linear pass.

`QualityControl.compute_status` calls `evaluate_status` once per tag pair,
modality and stage, each a full pass over the metrics: quadratic, ~27 ms for a
182-metric document. `evaluate` computes every one of those statuses in a single
pass and gives the same answers; tests/test_qc_status.py proves the equality
against the schema on random documents.

The rules (aind_data_schema.core.quality_control, 2.9.2):

- a metric's status at `date` is the latest entry of its history with
  `timestamp <= date` (by timestamp, not list order; on a tie the earlier entry
  in the list wins, as `max` does); when every entry is later than `date`, the
  *first entry in list order* counts;
- a Fail becomes a Pass when any of the metric's tag `key:value` pairs or tag
  values is in `allow_tag_failures` (the schema zips the pair list with the value
  list, but both come from the same dict, so the zip pairs each pair with its own
  value and loses nothing);
- any Fail -> Fail, else any Pending -> Pending, else Pass (an empty set passes);
- the `key:value` filter of a tag status matches a metric holding that pair *or*
  holding that string as a tag value (the schema's backward compatibility for
  value-only filters).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from portal.qc.numeric import numeric_value
from portal.qc.types import FAIL, PASS, PENDING, MetricCounts, MetricStatus, Review, StatusReport

# Any Fail -> Fail, else any Pending -> Pending, else Pass: the worst rank wins.
_RANK = {PASS: 0, PENDING: 1, FAIL: 2}
_NAME = {rank: name for name, rank in _RANK.items()}


def _value(status: Any) -> str:
    """A Status enum or its string, as the string (models use use_enum_values)."""
    return getattr(status, "value", status)


def _aware(moment: datetime) -> datetime:
    # Validated timestamps are always aware; a naive one can only come from a model
    # built with model_construct elsewhere. Read it as UTC, as normalise does.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _now(date: datetime | None) -> datetime:
    return datetime.now(tz=UTC) if date is None else _aware(date)


def _status_at(history: list, date: datetime) -> str:
    if len(history) == 1:
        # Whether or not it is before `date`, a lone entry is the answer.
        return _value(history[0].status)
    best = None
    for entry in history:
        stamp = _aware(entry.timestamp)
        # Strictly greater keeps the first of equal timestamps, like the schema's max().
        if stamp <= date and (best is None or stamp > best[0]):
            best = (stamp, entry)
    if best is None:
        return _value(history[0].status)
    return _value(best[1].status)


def _tolerated(tags: dict, allow: set[str] | frozenset[str]) -> bool:
    return any(f"{key}:{value}" in allow or value in allow for key, value in tags.items())


def fail_tolerated(tags: dict | None, allow_tag_failures: Iterable[str]) -> bool:
    """Whether a Fail of a metric with these tags counts as Pass (one of its `key:value`
    pairs or values is in `allow_tag_failures`): the rule `effective_status` applies."""
    return bool(tags) and _tolerated(tags, frozenset(allow_tag_failures))


def metric_status(metric, date: datetime | None = None) -> str:
    """Latest status of one metric at `date` (default now), ignoring allow_tag_failures.

    Same rule as the schema's `_get_status_by_date`: latest entry by timestamp at or
    before `date`; the first entry when all are later.
    """
    return _status_at(metric.status_history, _now(date))


def effective_status(metric, allow_tag_failures: Iterable[str], date: datetime | None = None) -> str:
    """The metric's status as it counts towards group statuses.

    A Fail on a metric with a tag pair or tag value in `allow_tag_failures` counts
    as Pass, exactly as the schema's `_get_filtered_statuses` does.
    """
    status = metric_status(metric, date)
    if status == FAIL and metric.tags and _tolerated(metric.tags, frozenset(allow_tag_failures)):
        return PASS
    return status


def evaluate(qc, date: datetime | None = None) -> StatusReport:
    """Every status `QualityControl.evaluate_status` can give, in one pass.

    `overall` equals `evaluate_status(date=date)`; `modality[abbr]`,
    `stage[stage]`, `tag["key:value"]` equal `evaluate_status(modality=..)`,
    `(stage=..)`, `(tag="key:value")`; `modality_stage[(abbr, stage)]` equals
    `evaluate_status(modality=.., stage=..)`. A naive `date` is read as UTC.
    `qc` may be a QualityControl or anything with `metrics` and `allow_tag_failures`
    (summarise passes the lighter `read.QCView`).
    """
    when = _now(date)
    allow = frozenset(qc.allow_tag_failures or ())
    rows = []
    all_pairs: set[str] = set()
    all_values: set[str] = set()
    for metric in qc.metrics:
        status = _status_at(metric.status_history, when)
        tags = metric.tags or {}
        pairs = [f"{key}:{value}" for key, value in tags.items()]
        if status == FAIL and tags and _tolerated(tags, allow):
            status = PASS
        all_pairs.update(pairs)
        all_values.update(tags.values())
        rows.append((_RANK[status], metric.modality.abbreviation, _value(metric.stage), pairs, tags))
    # Tag values that are also some metric's "key:value" pair (rare): those metrics
    # count towards that pair's status too.
    value_pairs = all_values & all_pairs

    # Worst rank per group; every group seen has at least one metric, so 0 (Pass)
    # is a safe start.
    overall = 0
    by_modality: dict[str, int] = {}
    by_stage: dict[str, int] = {}
    by_tag: dict[str, int] = {}
    by_cell: dict[tuple[str, str], int] = {}
    for rank, modality, stage, pairs, tags in rows:
        if rank > overall:
            overall = rank
        if rank >= by_modality.get(modality, 0):
            by_modality[modality] = rank
        if rank >= by_stage.get(stage, 0):
            by_stage[stage] = rank
        cell = (modality, stage)
        if rank >= by_cell.get(cell, 0):
            by_cell[cell] = rank
        keys = pairs
        if value_pairs:
            keys = set(pairs)
            keys.update(value for value in tags.values() if value in value_pairs)
        for key in keys:
            if rank >= by_tag.get(key, 0):
                by_tag[key] = rank

    return StatusReport(
        overall=_NAME[overall],
        modality=_named(by_modality),
        stage=_named(by_stage),
        tag=_named(by_tag),
        modality_stage=_named(by_cell),
    )


def _named(ranks: dict) -> dict:
    return {key: _NAME[ranks[key]] for key in sorted(ranks)}


def status_dict(report: StatusReport) -> dict[str, str]:
    """The `QualityControl.status` mapping for a report, keyed as compute_status keys it.

    Tag pairs first, then modality abbreviations, then stages: compute_status writes
    them in that order, so on a (theoretical) key clash the later kind wins here too.
    """
    out: dict[str, str] = {}
    out.update(report.tag)
    out.update(report.modality)
    out.update(report.stage)
    return out


def counts(qc, date: datetime | None = None) -> MetricCounts:
    """How many metrics are in each status, by each metric's own latest status.

    These are the metrics' own statuses: a Fail tolerated by allow_tag_failures is
    still counted as failed here (it is what a reviewer should look at), although it
    does not fail the asset's overall status.
    """
    when = _now(date)
    tally = {PASS: 0, FAIL: 0, PENDING: 0}
    for metric in qc.metrics:
        tally[_status_at(metric.status_history, when)] += 1
    return MetricCounts(total=len(qc.metrics), passed=tally[PASS], failed=tally[FAIL], pending=tally[PENDING])


def metric_statuses(qc, date: datetime | None = None) -> tuple[MetricStatus, ...]:
    """Each metric's own latest status (as `counts` counts it), numeric value and whether
    allow_tag_failures tolerates its Fail, in document order."""
    when = _now(date)
    allow = frozenset(qc.allow_tag_failures or ())
    out = []
    for metric in qc.metrics:
        status = _status_at(metric.status_history, when)
        tolerated = status == FAIL and bool(allow) and bool(metric.tags) and _tolerated(metric.tags, allow)
        out.append(MetricStatus(metric.name, metric.modality.abbreviation, _value(metric.stage), status,
                                numeric_value(getattr(metric, "value", None)), tolerated))
    return tuple(out)


def last_review(qc) -> Review | None:
    """The latest status entry (by timestamp) across all metrics with a non-empty evaluator."""
    best = None
    for metric in qc.metrics:
        for entry in metric.status_history:
            evaluator = (entry.evaluator or "").strip()
            if not evaluator:
                continue
            stamp = _aware(entry.timestamp)
            if best is None or stamp > best[0]:
                best = (stamp, evaluator)
    if best is None:
        return None
    return Review(evaluator=best[1], at=best[0].astimezone(UTC))
