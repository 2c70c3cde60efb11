"""Re-ingest merge: a newer file must never erase what reviewers did in the portal.

When a pipeline re-writes `quality_control.json` and the asset is ingested again, the
stored document may hold status entries, values and notes made in the portal since.
The merge keeps them: status histories are unioned (deduplicated, ordered by time),
values and notes the portal set win over the file, and metrics the portal annotated
stay even when the file no longer lists them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from portal.qc import QCReadError, dump_qc, load_qc


def empty_edits() -> dict:
    """The `portal_edits` of an asset nobody has annotated in the portal."""
    return {"values": {}, "metrics": []}


def record_edits(edits: dict | None, changes: list[dict]) -> dict:
    """Fold an annotation's changes into the asset's `portal_edits` bookkeeping."""
    merged = {"values": dict((edits or {}).get("values", {})), "metrics": list((edits or {}).get("metrics", []))}
    if edits and "notes" in edits:
        merged["notes"] = edits["notes"]
    for change in changes:
        if change["field"] == "notes":
            merged["notes"] = change["new"]
            continue
        if change["field"] == "value":
            merged["values"][change["metric"]] = change["new"]
        if change["metric"] and change["metric"] not in merged["metrics"]:
            merged["metrics"].append(change["metric"])
    return merged


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

    old_by_name = {m.name: m for m in old.metrics}
    new_names = {m.name for m in new.metrics}
    for metric in new.metrics:
        previous = old_by_name.get(metric.name)
        if previous is not None:
            metric.status_history = union_history(previous.status_history, metric.status_history)
        if metric.name in edits.get("values", {}):
            metric.value = edits["values"][metric.name]
    for name in edits.get("metrics", []):
        if name not in new_names and name in old_by_name:
            new.metrics.append(old_by_name[name])
    if "notes" in edits:
        new.notes = edits["notes"]
    return dump_qc(new)


def union_history(first: list, second: list) -> list:
    """Both status histories (QCStatus lists), each entry once, oldest first (stable for equal
    timestamps): how a newer version of a metric keeps every entry reviewers made."""
    seen = set()
    entries = []
    for entry in [*first, *second]:
        key = (entry.evaluator, str(entry.status.value if hasattr(entry.status, "value") else entry.status),
               entry.timestamp.astimezone(UTC).isoformat())
        if key not in seen:
            seen.add(key)
            entries.append(entry)
    return sorted(entries, key=lambda e: e.timestamp.astimezone(UTC) if e.timestamp else datetime.min)
