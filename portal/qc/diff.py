"""What a write changed in a metric's value and reference, for the audit log.

Annotations audit their value changes themselves (`changes`: field, old, new). Re-ingests and
pushes replace whole metrics, so their audit rows carry `metric_changes(before, after)`: per
metric key (portal.qc.identity) the value and reference before and after, and the metrics that
were added. A metric's timeline (portal.views.timeline) reads them back.

Values are kept as they were, up to `MAX_KEPT` characters of JSON: a larger one is left out
and the entry says how large it was (`old_chars` / `new_chars`), so one huge table cannot
swell the log.
"""

from __future__ import annotations

import json
from typing import Any

from portal.qc.identity import MetricIndex
from portal.qc.normalize import QCReadError, normalise

MAX_KEPT = 2000  # characters of JSON a value or reference keeps in an audit row
FIELDS = ("value", "reference")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _metrics(qc: dict | None) -> dict[str, dict] | None:
    """{key: normalised metric} of a quality_control; {} without one, None when it cannot be read."""
    if not qc:
        return {}
    try:
        metrics = normalise(qc)["metrics"]
    except (QCReadError, KeyError, TypeError, ValueError):
        return None
    index = MetricIndex(metrics)
    return {index.key(position): metric for position, metric in enumerate(metrics)}


def _kept(entry: dict, side: str, value: Any) -> None:
    text = _dumps(value)
    if len(text) <= MAX_KEPT:
        entry[side] = json.loads(text)  # JSON-native, whatever the document held
    else:
        entry[side] = None
        entry[f"{side}_chars"] = len(text)


_COMPARED = ("name", "modality", "stage", "tags", "value", "reference", "references")


def _unchanged(before: dict | None, after: dict | None) -> bool:
    """True when both documents hold the same 2.x metrics, position by position, in everything a
    key, a value or a reference depends on: the common re-ingest (statuses merged, nothing else
    changed) then costs one pass of comparisons instead of normalising two documents."""
    a = before.get("metrics") if isinstance(before, dict) else None
    b = after.get("metrics") if isinstance(after, dict) else None
    if not isinstance(a, list) or not isinstance(b, list) or len(a) != len(b):
        return False
    return all(isinstance(x, dict) and isinstance(y, dict) and all(x.get(f) == y.get(f) for f in _COMPARED)
               for x, y in zip(a, b, strict=True))


def metric_changes(before: dict | None, after: dict | None) -> list[dict] | None:
    """The value and reference changes from quality_control `before` to `after`, by metric key.

    Each item is `{"key", "metric", "field", "old", "new"}` with field `value` or `reference`,
    or field `added` (old and new None) for a metric `before` did not have. None when either
    document cannot be read (what changed is then not known, and the audit row says nothing).
    """
    if _unchanged(before, after):
        return []
    old, new = _metrics(before), _metrics(after)
    if old is None or new is None:
        return None
    out: list[dict] = []
    for key, metric in new.items():
        name = metric.get("name")
        was = old.get(key)
        if was is None:
            out.append({"key": key, "metric": name, "field": "added", "old": None, "new": None})
            continue
        for field in FIELDS:
            a, b = was.get(field), metric.get(field)
            if a == b or _dumps(a) == _dumps(b):  # the second test: NaN, or dicts equal in another order
                continue
            entry = {"key": key, "metric": name, "field": field}
            _kept(entry, "old", a)
            _kept(entry, "new", b)
            out.append(entry)
    return out


def audit_detail(before: dict | None, after: dict | None) -> dict:
    """`{"metrics": metric_changes(before, after)}` for an audit row's detail; {} when what
    changed is not known (a document that cannot be read)."""
    changed = metric_changes(before, after)
    return {} if changed is None else {"metrics": changed}
