"""Applying a reviewer's annotation to a quality_control document.

Backend-independent: every store calls `apply_annotation` inside its own atomic
read-modify-write, so the conflict rules are the same for SQL and DocDB.

Rules:
- a status change appends `QCStatus(evaluator=<server-side user>, status, UTC now)`;
  nobody's entry is ever removed or rewritten;
- a value edit replaces the value; a dropdown/checkbox choice with option statuses
  also appends the status the choice implies (unless the edit sets one itself);
- when the asset changed since the reviewer loaded it, an edit conflicts only if the
  same metric's history grew or its value changed meanwhile (or the notes changed);
  then nothing is applied and the conflicts are returned, unless `force` is set;
- each edit names exactly one metric (portal.qc.identity: by key, or by name with
  modality, stage, tags and occurrence); an edit matching several metrics is refused
  with the candidates named, and nothing of the annotation is applied.

The cost is linear in the document and the edits: the document is read and re-validated
once, each edit is resolved through one index.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aind_data_schema.core.quality_control import CurationHistory, QCStatus, QualityControl

from portal.errors import InvalidInput
from portal.qc import QCReadError, dump_qc, load_qc, metric_status, status_from_choice, value_kind
from portal.qc.identity import MetricIndex, MetricLookupError
from portal.qc.types import STATUSES
from portal.review.loaded import Loaded
from portal.store.protocol import UNSET, Annotation, Conflict, MetricEdit


@dataclass(frozen=True)
class Outcome:
    """What applying an annotation gave: the new document (dict and validated model),
    or the conflicts that stopped it; and the list of changes made. `entries`: each status
    entry appended (key, status, at, evaluator, reason, comment), which the stores keep in the
    portal's database with the reason and comment (portal.store.sql.reviews)."""

    quality_control: dict | None
    model: QualityControl | None
    conflicts: list[Conflict]
    changes: list[dict]
    entries: list[dict] = field(default_factory=list)
    loaded: Loaded | None = None  # the new document, validated and indexed (portal.review.loaded)


def apply_annotation(
    quality_control: dict, annotation: Annotation, *, user: str, current_version: int, now: datetime,
    loaded: Loaded | None = None,
) -> Outcome:
    """Apply `annotation` to a quality_control dict.

    Returns the new quality_control (re-validated with the schema's rules, statuses
    recomputed) and the changes when applied, or only the conflicts when someone else
    changed the same metric or notes since the reviewer's version. Raises InvalidInput
    for edits that cannot be applied (unknown metric, invalid status, a value of the
    wrong type, a document the schema refuses after the edit).

    `loaded`: `quality_control` already validated and indexed (a `Loaded` whose source
    equals it; portal.review.loaded): neither is done again, and only the edited metrics
    are dumped.
    """
    if not user:
        raise InvalidInput("an annotation needs a named user")
    if loaded is not None:
        qc, index = loaded.working_copy(), loaded.index
    else:
        try:
            qc = load_qc(quality_control)
        except QCReadError as exc:
            raise InvalidInput(f"the asset's quality_control cannot be read: {exc}") from None
        index = MetricIndex(qc.metrics)
    targets = resolve_edits(index, annotation)
    stale = annotation.base_version != current_version and not annotation.force

    conflicts: list[Conflict] = []
    if stale:
        for position, edit in zip(targets, annotation.edits, strict=True):
            conflicts.extend(_edit_conflicts(qc.metrics[position], index.key(position), edit))
    if stale and annotation.notes is not UNSET and annotation.seen_notes is not UNSET:
        if (qc.notes or "") != (annotation.seen_notes or ""):
            conflicts.append(Conflict("", "notes", qc.notes, annotation.notes, current={"notes": qc.notes}))
    if conflicts:
        return Outcome(None, None, conflicts, [])

    changes: list[dict] = []
    entries: list[dict] = []
    edited: list[int] = []
    for position, edit in zip(targets, annotation.edits, strict=True):
        if loaded is not None:  # the metric objects are the entry's: edit a copy
            qc.metrics[position] = qc.metrics[position].model_copy(deep=True)
        made = _apply_edit(qc.metrics[position], index.key(position), edit, user=user, now=now, entries=entries)
        changes.extend(made)
        if made:
            edited.append(position)
    if annotation.notes is not UNSET and (annotation.notes or None) != (qc.notes or None):
        changes.append({"metric": "", "key": "", "field": "notes", "old": qc.notes, "new": annotation.notes})
        qc.notes = annotation.notes or None
    if not changes:
        return Outcome(None, None, [], [])
    try:
        # Re-validate what the edits touched with the schema: a value the model refuses
        # (e.g. a curation value that is not a list) must fail here, not in the store.
        _revalidate(qc, edited)
        # The source of `loaded` is dump_qc's own output: its unedited metrics are reused.
        new_qc = dump_qc(qc) if loaded is None else dump_qc(qc, previous=loaded.source, changed=sorted(edited))
    except QCReadError as exc:
        raise InvalidInput(f"the edited quality_control is not valid: {exc}") from None
    qc.status = new_qc["status"]  # recomputed by dump_qc, as load_qc would
    # Edits never change a metric's identity (name, modality, stage, tags): the index holds.
    return Outcome(new_qc, qc, [], changes, entries, Loaded(new_qc, qc, index))


def _revalidate(qc: QualityControl, positions: list[int]) -> None:
    """Validate the edited metrics (and the top-level fields) again exactly as loading the whole
    document would, and put the validated metrics in place.

    The schema's validators are per metric but for the status it computes (which dump_qc
    recomputes), so a document of only these metrics meets the same checks as the whole
    one at the cost of the edited few: re-loading 500 metrics for one status change was a
    third of a submit's CPU (bench/README.md, "Where the CPU goes").
    """
    positions = sorted(set(positions))  # document order: the first error named is the whole load's
    try:
        part = load_qc(dump_qc(qc.model_copy(update={"metrics": [qc.metrics[p] for p in positions]})))
    except QCReadError as exc:
        # An unnamed metric is named by its number: the one in the document, not in the part.
        raise QCReadError(_UNNAMED.sub(lambda m: f"metric #{positions[int(m.group(1))]}", str(exc), count=1)) \
            from None
    for position, metric in zip(positions, part.metrics, strict=True):
        qc.metrics[position] = metric


def resolve_edits(index: MetricIndex, annotation: Annotation) -> list[int]:
    """The position of the one metric each edit names; InvalidInput (nothing applied) when an
    edit names none or several, has an invalid status, or when two edits name one metric."""
    targets: list[int] = []
    first_edit: dict[int, int] = {}
    for number, edit in enumerate(annotation.edits, start=1):
        try:
            position = index.resolve(edit.selector())
        except MetricLookupError as exc:
            raise InvalidInput(f"change #{number}: {exc}") from None
        if edit.status is not None and edit.status not in STATUSES:
            raise InvalidInput(f"metric {index.key(position)!r}: status must be one of Pass, Fail, Pending")
        if edit.reason is not None and edit.status != "Fail":
            raise InvalidInput(f"metric {index.key(position)!r}: a reason explains a Fail: send it with status Fail")
        if position in first_edit:
            raise InvalidInput(f"changes #{first_edit[position]} and #{number} both change metric "
                               f"{index.key(position)!r}: send one change per metric")
        first_edit[position] = number
        targets.append(position)
    return targets


def current_state(metric) -> dict:
    """What a client needs to resubmit over a conflict: history length, status and value now."""
    return {"seen_history": len(metric.status_history), "status": metric_status(metric), "value": metric.value}


def _edit_conflicts(metric, key: str, edit: MetricEdit) -> list[Conflict]:
    found = []
    history = metric.status_history
    if edit.status is not None and edit.seen_history is not None and len(history) > edit.seen_history:
        theirs = [entry.model_dump(mode="json") for entry in history[edit.seen_history :]]
        found.append(Conflict(metric.name, "status", theirs, edit.status, key=key, current=current_state(metric)))
    if edit.value is not UNSET and edit.seen_value is not UNSET and metric.value != edit.seen_value:
        found.append(Conflict(metric.name, "value", metric.value, edit.value, key=key, current=current_state(metric)))
    return found


def _apply_edit(metric, key: str, edit: MetricEdit, *, user: str, now: datetime,
                entries: list[dict]) -> list[dict]:
    changes = []
    status = edit.status
    if edit.value is not UNSET:
        new_value = coerce_value(key, metric.value, edit.value)
        if new_value != metric.value:
            changes.append({"metric": metric.name, "key": key, "field": "value", "old": metric.value,
                            "new": new_value})
            record_curations(metric, metric.value, new_value, user=user, now=now)
            metric.value = new_value
            implied = status_from_choice(new_value)
            if status is None and implied is not None:
                status = implied
    if status is not None:
        old = metric_status(metric)
        metric.status_history.append(_entry(user, status, now).model_copy())
        entries.append({"key": key, "status": status, "at": now, "evaluator": user,
                        "reason": edit.reason if status == "Fail" else None, "comment": edit.comment})
        changes.append({"metric": metric.name, "key": key, "field": "status", "old": old, "new": status})
    if edit.comment:
        changes.append({"metric": metric.name, "key": key, "field": "comment", "old": None, "new": edit.comment})
    return changes


_UNNAMED = re.compile(r"^metric #(\d+)")  # how portal.qc.read names a metric without a name


@functools.lru_cache(maxsize=64)
def _entry(user: str, status: str, now: datetime) -> QCStatus:
    # One validated entry per (user, status, time): an annotation of thousands of metrics
    # copies it instead of validating the same three fields thousands of times.
    return QCStatus(evaluator=user, status=status, timestamp=now)


def record_curations(metric, old: Any, new: Any, *, user: str, now: datetime) -> None:
    """A curation metric whose value grows by appended curations gets one `CurationHistory`
    entry per appended curation, with the server-side user and time (aind-data-schema:
    `value` lists the curations, `curation_history` says who curated when)."""
    if not hasattr(metric, "curation_history") or not isinstance(old, list) or not isinstance(new, list):
        return
    if len(new) > len(old) and new[: len(old)] == old:
        metric.curation_history.extend(CurationHistory(curator=user, timestamp=now) for _ in new[len(old) :])


def coerce_value(metric_name: str, old: Any, new: Any) -> Any:
    """Check a new value against the metric's current value kind and return what to store.

    A dropdown or checkbox takes either its whole dict or just the choice (a string,
    or a list for checkboxes); the choice must be one of its options. Numbers stay
    numbers, booleans booleans, strings strings; a value that was unset takes anything.
    """
    kind = value_kind(old)
    if kind in ("dropdown", "checkbox"):
        choice = new.get("value") if isinstance(new, dict) else new
        options = old.get("options") or []
        chosen = choice if kind == "checkbox" else [choice]
        if kind == "checkbox" and not isinstance(choice, list):
            raise InvalidInput(f"metric {metric_name!r}: a checkbox value must be a list of options")
        bad = [c for c in chosen if c not in options and c != ""]
        if bad:
            raise InvalidInput(f"metric {metric_name!r}: {bad[0]!r} is not one of the options {options}")
        return {**old, "value": choice}
    expected = {"number": (int, float), "bool": (bool,), "string": (str,)}.get(kind)
    if expected is not None:
        ok = isinstance(new, expected) and not (kind == "number" and isinstance(new, bool))
        if not ok:
            raise InvalidInput(
                f"metric {metric_name!r}: expected a {kind} value, got {type(new).__name__} {new!r}"
            )
    return new
