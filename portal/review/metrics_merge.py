"""Adding or replacing metrics in an asset's quality_control (the "alternate workflow").

Pipelines push metrics from code (REST API, Python client) instead of writing
`quality_control.json`. Backend-independent, like portal.review.annotate: every store calls
`merge_metrics` inside its own atomic read-modify-write.

Rules:
- the payload is a list of 2.x metric dicts (QCMetric / CurationMetric) or one 1.x
  QCEvaluation, which is normalised exactly as a stored 1.x document is (each metric
  takes the evaluation's modality and stage and the tag `evaluation: <name>`;
  `allow_failed_metrics` becomes `evaluation:<name>` in `allow_tag_failures`);
- an asset without quality_control gets a new document;
- a metric that is already there is replaced in place, but its status history
  (and curation history) keeps every entry it had: the new entries are merged in by
  time, so reviewers' entries are never lost. "Already there" is by identity
  (portal.qc.identity: name, modality, stage, tags; exact twins pair up in order), so
  same-named metrics of other probes or planes are never replaced;
- pushed status entries must be attributable (`check_entries`): an entry the asset
  does not hold yet may not be dated in the future (beyond the clock skew allowed),
  and only service accounts (the pipeline role, admins) may write entries under an
  evaluator other than their own display name; the audit log lists every new entry
  with the account that pushed it;
- other metrics, notes and `allow_tag_failures` entries are kept (new tolerated tags
  are added); the result is re-validated with aind-data-schema, statuses recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aind_data_schema.core.quality_control import QualityControl

from portal.errors import Forbidden, InvalidInput
from portal.qc import QCReadError, dump_qc, load_qc, metric_status, normalise
from portal.qc.identity import MetricIndex
from portal.qc.normalize import EVALUATION_GROUPING
from portal.store.merge import history_key, union_curation_history, union_history
from portal.store.protocol import Actor

MAX_METRICS = 5000  # per request: a bigger push is almost certainly a mistake


@dataclass(frozen=True)
class MetricsPayload:
    """Metrics to add, normalised to 2.x dicts, and the tolerated tags they bring."""

    metrics: list[dict]
    allow_tag_failures: list[str]
    default_grouping: list | None = None  # for a new document: how its metrics are grouped
    clock_skew_seconds: int = 60  # how far in the future a new status entry may be dated


@dataclass(frozen=True)
class MetricsOutcome:
    """The merged document (dict and validated model), what happened to each metric,
    and whether anything changed at all."""

    quality_control: dict
    model: QualityControl
    added: list[str]
    replaced: list[str]
    changes: list[dict]
    changed: bool
    entries: list[dict]  # the status entries new to the asset: {key, evaluator, status, timestamp}


def read_payload(payload: Any) -> MetricsPayload:
    """The metrics of an API payload: a list of metric dicts, `{"metrics": [...]}` or
    `{"evaluation": {...}}` (a 1.x QCEvaluation). InvalidInput for anything else."""
    allow: list[str] = []
    if isinstance(payload, dict) and "evaluation" in payload:
        return _from_evaluation(payload["evaluation"])
    if isinstance(payload, dict):
        allow = payload.get("allow_tag_failures") or []
        if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
            raise InvalidInput("allow_tag_failures must be a list of strings")
        payload = payload.get("metrics")
    if not isinstance(payload, list) or not payload:
        raise InvalidInput('send a non-empty list of metrics, {"metrics": [...]} or {"evaluation": {...}}')
    return MetricsPayload(normalised_metrics(payload), list(allow))


def _from_evaluation(evaluation: Any) -> MetricsPayload:
    if not isinstance(evaluation, dict):
        raise InvalidInput("evaluation must be a 1.x QCEvaluation object")
    try:
        # The evaluation read as a 1.x document of its own: the same rules as a stored one.
        data = normalise({"schema_version": "1.2.2", "evaluations": [evaluation]})
    except QCReadError as exc:
        raise InvalidInput(f"the evaluation cannot be read: {exc}") from None
    if not data["metrics"]:
        raise InvalidInput("the evaluation has no metrics")
    _check(data["metrics"])
    grouping = [list(group) for group in EVALUATION_GROUPING]
    return MetricsPayload(data["metrics"], list(data["allow_tag_failures"]), grouping)


def normalised_metrics(metrics: list) -> list[dict]:
    """2.x metric dicts normalised and validated on their own (InvalidInput naming the metric)."""
    if len(metrics) > MAX_METRICS:
        raise InvalidInput(f"at most {MAX_METRICS} metrics per request")
    try:
        data = normalise({"metrics": metrics, "default_grouping": []})
    except QCReadError as exc:
        raise InvalidInput(str(exc)) from None
    _check(data["metrics"])
    return data["metrics"]


def _check(metrics: list[dict]) -> None:
    for metric in metrics:
        name = metric.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("every metric needs a name")
    try:
        load_qc({"metrics": metrics, "default_grouping": []})
    except QCReadError as exc:
        raise InvalidInput(str(exc)) from None


def merge_metrics(
    stored: dict | None, payload: MetricsPayload, *, actor: Actor | str = "", now: datetime | None = None
) -> MetricsOutcome:
    """`stored` (an asset's quality_control, or None) with the payload's metrics added or
    replaced under the rules above. InvalidInput when the stored document cannot be read
    (it is never overwritten), when the result does not validate or a new entry is dated in
    the future; Forbidden when `actor` may not write a new entry's evaluator."""
    actor = Actor.of(actor)
    now = now or datetime.now(UTC)
    if stored:
        try:
            qc = load_qc(stored)
        except QCReadError as exc:
            raise InvalidInput(f"the asset's quality_control cannot be read, so nothing was added: {exc}") from None
        before = dump_qc(qc)
    else:
        grouping = payload.default_grouping if payload.default_grouping is not None else [["modality"]]
        qc = load_qc({"metrics": [], "default_grouping": grouping, "allow_tag_failures": []})
        before = None
    incoming = load_qc({"metrics": payload.metrics, "default_grouping": []}).metrics
    stored_index, incoming_index = MetricIndex(qc.metrics), MetricIndex(incoming)
    added, replaced, changes, entries = [], [], [], []
    appended: list = []
    for position, metric in enumerate(incoming):
        slot = incoming_index.slot(position)
        index = stored_index.find_slot(slot)
        key = incoming_index.key(position)
        if index is None:
            new_entries = list(metric.status_history)
            appended.append(metric)
            added.append(metric.name)
            changes.append({"metric": metric.name, "key": key, "field": "metric", "old": None,
                            "new": metric_status(metric)})
        else:
            old = qc.metrics[index]
            held = {history_key(entry) for entry in old.status_history}
            new_entries = [entry for entry in metric.status_history if history_key(entry) not in held]
            metric.status_history = union_history(old.status_history, metric.status_history)
            if hasattr(old, "curation_history") and hasattr(metric, "curation_history"):
                metric.curation_history = union_curation_history(old.curation_history, metric.curation_history)
            qc.metrics[index] = metric
            replaced.append(metric.name)
            changes.append({"metric": metric.name, "key": key, "field": "metric", "old": metric_status(old),
                            "new": metric_status(metric)})
        entries.extend(check_entries(key, new_entries, actor=actor, now=now, skew=payload.clock_skew_seconds))
    qc.metrics.extend(appended)
    qc.allow_tag_failures = list(dict.fromkeys([*qc.allow_tag_failures, *payload.allow_tag_failures]))
    try:
        merged = dump_qc(qc)
        model = load_qc(merged)  # the schema's rules on the whole document, statuses recomputed
    except QCReadError as exc:
        raise InvalidInput(f"the quality_control with these metrics is not valid: {exc}") from None
    return MetricsOutcome(merged, model, added, replaced, changes, changed=merged != before, entries=entries)


def check_entries(key: str, new_entries: list, *, actor: Actor, now: datetime, skew: int) -> list[dict]:
    """The audit form of a metric's status entries new to the asset, once each is allowed.

    InvalidInput for an entry dated more than `skew` seconds after `now` (it would take
    effect later and override decisions made meanwhile); Forbidden for an entry under
    another evaluator than the actor's display name, unless the actor is a service account.
    """
    latest = now + timedelta(seconds=skew)
    out = []
    for entry in new_entries:
        stamp = entry.timestamp if entry.timestamp.tzinfo else entry.timestamp.replace(tzinfo=UTC)
        if stamp > latest:
            raise InvalidInput(
                f"metric {key!r}: a status entry is dated {stamp.astimezone(UTC).isoformat()}, in the future "
                f"(the server's time is {now.isoformat()}; at most {skew} s ahead is accepted)")
        evaluator = entry.evaluator or ""
        if evaluator != actor.display_name and not actor.service:
            raise Forbidden(
                f"metric {key!r}: a status entry names the evaluator {evaluator!r}, but this account "
                f"({actor.account}) may only write entries as {actor.display_name!r}; pipelines push with an "
                "account of the pipeline role")
        out.append({"key": key, "evaluator": evaluator, "status": getattr(entry.status, "value", entry.status),
                    "timestamp": stamp.astimezone(UTC).isoformat()})
    return out
