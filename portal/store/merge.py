"""Re-ingest merge: a newer file must never erase what reviewers did in the portal.

When a pipeline re-writes `quality_control.json` and the asset is ingested again, the
stored document may hold status entries, values and notes made in the portal since.
The merge keeps them: status histories are unioned (deduplicated, ordered by time),
values and notes the portal set win over the file, and metrics the portal annotated
stay even when the file no longer lists them.

Metrics are matched across versions by identity (portal.qc.identity: name, modality,
stage, tags, and the occurrence among exact twins), never by name alone: real documents
repeat names per probe or plane. `portal_edits` records the metrics' keys; entries
written before keys existed hold bare names and still apply to the first metric of
that name.
"""

from __future__ import annotations

import re
from datetime import UTC

from portal.qc import QCReadError, dump_qc, load_qc
from portal.qc.fields import parse_datetime
from portal.qc.identity import MetricIndex


def merge_record(stored: dict, incoming: dict) -> dict:
    """`incoming` with every top-level field the stored record has and `incoming` lacks.

    An asset folder re-ingested without one of its metadata files (only a new
    quality_control.json, say) must not blank the project, subject, acquisition time or
    level the store already has. quality_control is merged separately.
    """
    out = dict(incoming)
    for key, value in stored.items():
        if key != "quality_control" and out.get(key) is None and value is not None:
            out[key] = value
    return out


def is_newer(incoming: dict, stored: dict) -> tuple[bool, str]:
    """Whether a record re-issued under a new `_id` is newer than the stored one, and why.

    By `_last_modified` when both have it, else by the higher `schema_version` (the
    record's, else its quality_control's), as DocDB's 1.x -> 2.x migration re-issued them.
    """
    mine, theirs = parse_datetime(incoming.get("_last_modified")), parse_datetime(stored.get("_last_modified"))
    if mine is not None and theirs is not None:
        return mine > theirs, f"it was last modified {mine.isoformat()}, the stored record {theirs.isoformat()}"
    mine_v, theirs_v = _record_version(incoming), _record_version(stored)
    if mine_v and theirs_v and mine_v != theirs_v:
        return mine_v > theirs_v, (f"its schema_version is {'.'.join(map(str, mine_v))}, the stored record's "
                                   f"{'.'.join(map(str, theirs_v))}")
    return False, "neither _last_modified nor schema_version says it is newer than the stored record"


def _record_version(record: dict) -> tuple[int, ...] | None:
    for holder in (record, record.get("quality_control")):
        version = holder.get("schema_version") if isinstance(holder, dict) else None
        parts = re.findall(r"\d+", version) if isinstance(version, str) else []
        if parts:
            return tuple(int(part) for part in parts[:3])
    return None


def empty_edits() -> dict:
    """The `portal_edits` of an asset nobody has annotated in the portal."""
    return {"values": {}, "metrics": []}


def record_edits(edits: dict | None, changes: list[dict]) -> dict:
    """Fold an annotation's changes into the asset's `portal_edits` bookkeeping (by metric key)."""
    merged = {"values": dict((edits or {}).get("values", {})), "metrics": list((edits or {}).get("metrics", []))}
    if edits and "notes" in edits:
        merged["notes"] = edits["notes"]
    listed = set(merged["metrics"])
    for change in changes:
        if change["field"] == "notes":
            merged["notes"] = change["new"]
            continue
        key = change.get("key") or change["metric"]
        if change["field"] == "value":
            merged["values"][key] = change["new"]
        if key and key not in listed:
            listed.add(key)
            merged["metrics"].append(key)
    return merged


def _recorded_position(index: MetricIndex, recorded: str) -> int | None:
    """The metric a portal_edits entry means: by key, else (entries older than keys) by name."""
    position = index.position_of_key(recorded)
    if position is None:
        named = index.positions_named(recorded)
        position = named[0] if named else None
    return position


def merge_quality_control(stored: dict | None, incoming: dict | None, edits: dict | None) -> dict | None:
    """The quality_control to keep when `incoming` replaces `stored`.

    Raises QCReadError when `incoming` cannot be read (the caller then keeps `stored`
    untouched). A stored document that cannot be read is simply replaced.
    """
    edits = edits or empty_edits()
    touched = bool(edits.get("metrics") or "notes" in edits)
    if not incoming:
        # A file without QC must not wipe out reviews made in the portal.
        return stored if touched else incoming
    new = load_qc(incoming)
    try:
        old = load_qc(stored) if stored else None
    except QCReadError:
        old = None
    if old is None:
        return incoming if not touched else dump_qc(new)

    old_index, new_index = MetricIndex(old.metrics), MetricIndex(new.metrics)
    for position, metric in enumerate(new.metrics):
        previous = old_index.find_slot(new_index.slot(position))
        if previous is not None:
            before = old.metrics[previous]
            metric.status_history = union_history(before.status_history, metric.status_history)
            if hasattr(before, "curation_history") and hasattr(metric, "curation_history"):
                metric.curation_history = union_curation_history(before.curation_history, metric.curation_history)
    for recorded, value in edits.get("values", {}).items():
        # The value set in the portal wins over the file's, on the same metric of the new file.
        at_old = _recorded_position(old_index, recorded)
        target = new_index.find_slot(old_index.slot(at_old)) if at_old is not None else None
        if target is None:
            target = _recorded_position(new_index, recorded)
        if target is not None:
            new.metrics[target].value = value
    kept = set()
    for recorded in edits.get("metrics", []):
        at_old = _recorded_position(old_index, recorded)
        if at_old is None or at_old in kept or new_index.find_slot(old_index.slot(at_old)) is not None:
            continue
        kept.add(at_old)
        new.metrics.append(old.metrics[at_old])  # annotated in the portal, gone from the file: kept
    if "notes" in edits:
        new.notes = edits["notes"]
    return dump_qc(new)


def history_key(entry) -> tuple[str, str, str]:
    """What makes two status entries the same entry: evaluator, status, UTC timestamp."""
    status = entry.status.value if hasattr(entry.status, "value") else entry.status
    stamp = entry.timestamp if entry.timestamp.tzinfo else entry.timestamp.replace(tzinfo=UTC)
    return (entry.evaluator, str(status), stamp.astimezone(UTC).isoformat())


def union_history(first: list, second: list) -> list:
    """Both status histories (QCStatus lists), each entry once, oldest first (stable for equal
    timestamps): how a newer version of a metric keeps every entry reviewers made."""
    seen = set()
    entries = []
    for entry in [*first, *second]:
        key = history_key(entry)
        if key not in seen:
            seen.add(key)
            entries.append(entry)
    return sorted(entries, key=lambda e: e.timestamp.astimezone(UTC) if e.timestamp.tzinfo
                  else e.timestamp.replace(tzinfo=UTC))


def union_curation_history(first: list, second: list) -> list:
    """Curation history entries (CurationHistory) of both lists, each once, oldest first."""
    entries, seen = [], set()
    for entry in [*first, *second]:
        key = repr(entry.model_dump(mode="json"))
        if key not in seen:
            seen.add(key)
            entries.append(entry)
    return sorted(entries, key=lambda e: e.timestamp if e.timestamp.tzinfo else e.timestamp.replace(tzinfo=UTC))
