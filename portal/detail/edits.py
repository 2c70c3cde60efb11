"""A reviewer's unsaved edits of one asset, as the browser keeps them, and the
Annotation they become.

The browser keeps, per asset (local storage, so edits survive a reload or a store
error), a JSON object:

    {"metrics": {<metric name>: {"status"?: str, "value"?: any, "seen_history": int,
                                  "seen_value": any, "seen_status": str, "version": int}},
     "notes"?: str, "seen_notes": str | null, "notes_version": int}

"status" / "value" / "notes" are present only when edited. `seen_*` and `version`
record what the reviewer saw when making the edit: the store uses them to tell a
real conflict (someone changed the same metric meanwhile) from a harmless
concurrent edit. Everything here treats that object as untrusted input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.errors import InvalidInput
from portal.qc import status_from_choice
from portal.qc.types import STATUSES
from portal.store.protocol import UNSET, Annotation, Conflict, MetricEdit

_MAX_EDITS = 5000


@dataclass(frozen=True)
class Change:
    """One pending change, for the preview: metric ("" for notes), field, old -> new."""

    metric: str
    field: str
    old: Any
    new: Any


def is_empty(state: object) -> bool:
    """True when the state holds no edit."""
    if not isinstance(state, dict):
        return True
    return not state.get("metrics") and "notes" not in state


def changes(state: object) -> list[Change]:
    """The pending changes of an edit state, in a stable order (notes first)."""
    if not isinstance(state, dict):
        return []
    out = []
    if "notes" in state:
        out.append(Change("", "notes", state.get("seen_notes"), state["notes"]))
    for name, edit in (state.get("metrics") or {}).items():
        if not isinstance(edit, dict):
            continue
        if "value" in edit:
            out.append(Change(name, "value", edit.get("seen_value"), edit["value"]))
        if "status" in edit:
            out.append(Change(name, "status", edit.get("seen_status"), edit["status"]))
    return out


def to_annotation(asset: str, state: object) -> Annotation:
    """The Annotation an edit state stands for; InvalidInput for a malformed state.

    Its base version is the oldest version an edit was made on: the store then checks
    every edit against what its reviewer saw.
    """
    if not isinstance(state, dict):
        raise InvalidInput("there are no changes to submit")
    metrics = state.get("metrics") or {}
    if not isinstance(metrics, dict) or len(metrics) > _MAX_EDITS:
        raise InvalidInput("malformed changes")
    edits, versions = [], []
    for name, edit in metrics.items():
        if not isinstance(name, str) or not isinstance(edit, dict):
            raise InvalidInput("malformed changes")
        status = edit.get("status")
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"metric {name!r}: status must be one of Pass, Fail, Pending")
        if status is None and "value" not in edit:
            continue
        edits.append(MetricEdit(
            metric=name,
            status=status,
            value=edit["value"] if "value" in edit else UNSET,
            seen_history=_int(edit.get("seen_history"), name),
            seen_value=edit.get("seen_value") if "value" in edit else UNSET,
        ))
        versions.append(_int(edit.get("version"), name))
    notes, seen_notes = UNSET, UNSET
    if "notes" in state:
        if not isinstance(state["notes"], str | None):
            raise InvalidInput("notes must be text")
        notes, seen_notes = state["notes"], state.get("seen_notes")
        versions.append(_int(state.get("notes_version"), "notes"))
    if not edits and notes is UNSET:
        raise InvalidInput("there are no changes to submit")
    return Annotation(asset=asset, base_version=min(versions), edits=tuple(edits), notes=notes,
                      seen_notes=seen_notes)


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"malformed changes for {what!r}")
    return value


def conflict_json(conflicts: tuple[Conflict, ...] | list[Conflict], version: int) -> list[dict]:
    """Conflicts as JSON for the page (their change next to yours)."""
    return [
        {"metric": c.metric, "field": c.field, "theirs": c.theirs, "yours": c.yours, "version": version}
        for c in conflicts
    ]


def keep_mine(state: dict, conflict: dict) -> dict:
    """Re-apply the reviewer's edit over a conflict: their change is now seen (their
    entries stay; yours is appended after them on the next submit)."""
    state = _copy(state)
    version = conflict.get("version")
    if conflict.get("field") == "notes":
        if "notes" in state:
            state["seen_notes"] = conflict.get("theirs")
            state["notes_version"] = version
        return state
    edit = state["metrics"].get(conflict.get("metric"))
    if edit is None:
        return state
    if conflict.get("field") == "status":
        theirs = conflict.get("theirs") or []
        edit["seen_history"] = int(edit.get("seen_history") or 0) + len(theirs)
        if theirs:
            edit["seen_status"] = theirs[-1].get("status")
    elif conflict.get("field") == "value":
        edit["seen_value"] = conflict.get("theirs")
    edit["version"] = version
    return state


def drop_mine(state: dict, conflict: dict) -> dict:
    """Drop the reviewer's edit of a conflicting field (theirs stays as it is)."""
    state = _copy(state)
    if conflict.get("field") == "notes":
        for key in ("notes", "seen_notes", "notes_version"):
            state.pop(key, None)
        return state
    name = conflict.get("metric")
    edit = state["metrics"].get(name)
    if edit is not None:
        edit.pop(conflict.get("field"), None)
        if "status" not in edit and "value" not in edit:
            state["metrics"].pop(name)
    return state


def _copy(state: object) -> dict:
    state = dict(state) if isinstance(state, dict) else {}
    state["metrics"] = {name: dict(edit) for name, edit in (state.get("metrics") or {}).items()
                        if isinstance(edit, dict)}
    return state


def metric_base(metric, version: int) -> dict:
    """What the browser keeps about a shown metric to record edits against (JSON)."""
    return {
        "name": metric.name,
        "kind": metric.kind,
        "status": metric.status,
        "n": len(metric.history),
        "value": metric.value,
        "choice": metric.choice_sets_status,
        "version": version,
    }


def widget_value(base: dict, value: Any) -> Any:
    """The metric value a widget's value stands for (a choice becomes the whole dict)."""
    if base.get("kind") in ("dropdown", "checkbox") and isinstance(base.get("value"), dict):
        return {**base["value"], "value": value}
    return value


def implied_status(base: dict, value: Any) -> str | None:
    """The status a dropdown/checkbox choice sets, when its options carry statuses."""
    if not base.get("choice"):
        return None
    return status_from_choice(widget_value(base, value))


def record(state: object, base: dict, *, status: Any = UNSET, value: Any = UNSET) -> dict:
    """`state` with one metric's widgets compared against what the reviewer saw (`base`).

    A widget equal to the stored value/status removes that edit; a differing one
    records it with `seen_*` and the version. An empty number input is no edit. For a
    choice whose options carry statuses, the status follows the choice on the server.
    """
    state = _copy(state)
    name = base["name"]
    edit = dict(state["metrics"].get(name) or {})
    if value is not UNSET:
        stored = base.get("value")
        if base.get("kind") in ("dropdown", "checkbox") and isinstance(stored, dict):
            stored = stored.get("value")
        same = value == stored and isinstance(value, bool) == isinstance(stored, bool)
        if same or (value is None and base.get("kind") == "number"):
            edit.pop("value", None)
        else:
            edit["value"] = value
    if status is not UNSET and not base.get("choice"):
        if status == base.get("status") or status not in STATUSES:
            edit.pop("status", None)
        else:
            edit["status"] = status
    if "value" in edit or "status" in edit:
        edit.update(seen_history=base.get("n", 0), seen_status=base.get("status"), seen_value=base.get("value"),
                    version=base.get("version", 0))
        state["metrics"][name] = edit
    else:
        state["metrics"].pop(name, None)
    return state


def record_notes(state: object, notes: Any, seen_notes: str | None, version: int) -> dict:
    """`state` with the asset notes compared against the stored notes."""
    state = _copy(state)
    if not isinstance(notes, str) or (notes or None) == (seen_notes or None):
        for key in ("notes", "seen_notes", "notes_version"):
            state.pop(key, None)
    else:
        state.update(notes=notes, seen_notes=seen_notes, notes_version=version)
    return state
