"""Reading a DocDB write back: DocDB answers before its write is visible to every reader, so
an annotation or a metrics push counts as done only when the document read back holds every
status entry, value and note it wrote; otherwise nothing is recorded in the portal's
bookkeeping and the user is told to try again (StoreUnavailable)."""

from __future__ import annotations

import logging
from datetime import datetime

from portal.errors import StoreUnavailable
from portal.qc.identity import MetricIndex

log = logging.getLogger(__name__)


def verify_annotation(find, asset_id, written: dict, changes: list[dict], *, user: str, now: datetime) -> None:
    """Every status entry, value and note just written must be there (`find`: the store's `_find`)."""
    found = find("reading back an annotation", {"_id": asset_id}, {"quality_control": 1})
    stored = (found[0].get("quality_control") if found else None) or {}
    missing = _missing(stored, written, changes, user=user, now=now)
    if missing:
        log.error("DocDB write of %s not visible on read-back: %s", asset_id, missing)
        raise StoreUnavailable(
            f"DocDB accepted the change to {asset_id} but does not show it on read-back ({missing}); "
            "nothing was recorded: reload the asset and try again"
        )


def verify_metrics(find, asset_id, outcome) -> None:
    """Every metric just pushed must be there with all its entries."""
    found = find("reading back added metrics", {"_id": asset_id}, {"quality_control": 1})
    stored = _by_key((found[0].get("quality_control") if found else None) or {})
    wanted = _by_key(outcome.quality_control)
    for change in outcome.changes:
        key = change["key"]
        entries = (stored.get(key) or {}).get("status_history") or []
        if len(entries) < len(wanted[key]["status_history"]):
            log.error("DocDB write of %s not visible on read-back: metric %r", asset_id, key)
            raise StoreUnavailable(f"DocDB accepted the metrics of {asset_id} but does not show {key!r} on "
                                   "read-back; nothing was recorded: try again")


def _by_key(quality_control: dict) -> dict[str, dict]:
    """The metric dicts of a document by their keys (portal.qc.identity)."""
    metrics = [m for m in quality_control.get("metrics") or [] if isinstance(m, dict)]
    index = MetricIndex(metrics)
    return dict(zip(index.keys, metrics, strict=True))


def _missing(stored: dict, written: dict, changes: list[dict], *, user: str, now: datetime) -> str | None:
    """What of `changes` the read-back document lacks (None when everything is there)."""
    by_key, wanted = _by_key(stored), _by_key(written)
    for change in changes:
        key, field = change.get("key") or change["metric"], change["field"]
        if field == "notes" and stored.get("notes") != written.get("notes"):
            return "the notes"
        if field == "value" and (key not in by_key or by_key[key].get("value") != wanted[key].get("value")):
            return f"the value of {key!r}"
        if field == "status":
            entries = by_key.get(key, {}).get("status_history") or []
            if not any(isinstance(e, dict) and e.get("evaluator") == user and _same_time(e.get("timestamp"), now)
                       for e in entries):
                return f"the status entry of {key!r}"
    return None


def _same_time(value, moment: datetime) -> bool:
    from portal.qc.normalize import parse_datetime

    parsed = parse_datetime(value)
    return parsed is not None and abs((parsed - moment).total_seconds()) < 0.001
