"""A reviewer's unsaved edits of one asset, as the browser keeps them, and the
Annotation they become.

The browser keeps, per asset (local storage, so edits survive a reload or a store
error), a JSON object:

    {"metrics": {<metric key>: {"key": <metric key>, "name": <metric name>,
                                 "status"?: str, "value"?: any, "curation"?: any,
                                 "reason"?: str, "comment"?: str,
                                 "seen_history": int, "seen_value": any, "seen_status": str,
                                 "version": int}},
     "notes"?: str, "seen_notes": str | null, "notes_version": int}

Metrics are keyed by their key (portal.qc.identity), never by name: names repeat.
An entry whose "key" is not its own key (states written before keys, keyed by name)
is ignored, so an old browser state can neither crash the page nor be submitted.

"status" / "value" / "curation" / "notes" are present only when the reviewer changed
them. "reason" (one of the project's fail reasons, portal.review.reasons) and "comment" go
with an explicit Fail only: they are dropped when the status is no longer an unsaved Fail.

A widget is compared with the value it was *rendered with* (the base's "shown",
portal.views.asset.shown), not with the stored value: a stored value no widget can show
exactly (a checkbox value `""`, a dropdown value outside its options) never becomes an
edit by itself. `seen_*` and `version` record what the reviewer saw when making the edit:
the store uses them to tell a real conflict (someone changed the same metric meanwhile)
from a harmless concurrent edit. Everything here treats that object
as untrusted input.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from portal.errors import InvalidInput
from portal.qc import status_from_choice
from portal.qc.types import STATUSES
from portal.store.protocol import UNSET, Annotation, Conflict, MetricEdit
from portal.views.asset import curation as curations
from portal.views.asset.fail_notes import fail_note, with_fail_note
from portal.views.asset.shown import same

_MAX_EDITS = 5000
_FIELDS = ("status", "value", "curation")


@dataclass(frozen=True)
class Change:
    """One pending change, for the preview: metric name ("" for notes), field, old -> new, key.

    `implied`: a status the metric's choice sets (a dropdown or checkbox whose options
    carry statuses): Submit appends it with the value, so it is counted and previewed.
    """

    metric: str
    field: str
    old: Any
    new: Any
    key: str = ""
    implied: bool = False
    reason: str | None = None  # an explicit Fail's reason (a status change)


def entries(state: object) -> Iterator[tuple[str, dict]]:
    """(key, edit) of each metric edit of a state that is well formed (see module doc)."""
    metrics = state.get("metrics") if isinstance(state, dict) else None
    if not isinstance(metrics, dict):
        return
    for key, edit in metrics.items():
        if isinstance(key, str) and isinstance(edit, dict) and edit.get("key") == key:
            yield key, edit


def is_empty(state: object) -> bool:
    """True when the state holds no edit."""
    if not isinstance(state, dict):
        return True
    return "notes" not in state and not any(field in edit for _, edit in entries(state) for field in _FIELDS)


def edit_of(state: object, key: str) -> dict:
    """The edit of one metric (empty when there is none)."""
    return next((edit for k, edit in entries(state) if k == key), {})


def changes(state: object) -> list[Change]:
    """The pending changes of an edit state, in a stable order (notes first): exactly what
    Submit writes (portal.review.annotate), one Change per change it reports.

    A choice whose options carry statuses also appends the status it sets (unless the
    edit sets a status itself), as the annotation service does.
    """
    if not isinstance(state, dict):
        return []
    out = []
    if "notes" in state:
        out.append(Change("", "notes", state.get("seen_notes"), state["notes"]))
    for key, edit in entries(state):
        name = edit.get("name") if isinstance(edit.get("name"), str) else key
        if "value" in edit:
            out.append(Change(name, "value", edit.get("seen_value"), edit["value"], key))
        if "curation" in edit:
            old = curations.latest(edit.get("seen_value")).stored
            out.append(Change(name, "curation", old, edit["curation"], key))
        if "status" in edit:
            reason, comment = fail_note(edit)
            out.append(Change(name, "status", edit.get("seen_status"), edit["status"], key, reason=reason))
            if comment:  # the annotation service reports a comment as a change of its own
                out.append(Change(name, "comment", None, comment, key))
        elif "value" in edit and (implied := choice_status(edit.get("seen_value"), edit["value"])) is not None:
            out.append(Change(name, "status", edit.get("seen_status"), implied, key, implied=True))
    return out


def choice_status(seen: Any, value: Any) -> str | None:
    """The status a new choice sets when the metric's options carry statuses (else None)."""
    if not isinstance(seen, dict) or "options" not in seen:
        return None
    return status_from_choice({**seen, "value": value})


def unsaved_statuses(state: object) -> dict[str, str]:
    """metric key -> the status it will have once the edits are saved (set, or set by a choice)."""
    return {change.key: change.new for change in changes(state)
            if change.field == "status" and change.key and change.new in STATUSES}


def edited_keys(state: object) -> set[str]:
    """The keys of the metrics with an unsaved edit."""
    return {key for key, edit in entries(state) if any(field in edit for field in _FIELDS)}


def counted(state: object) -> str | None:
    """What of the unsaved edits the navigator's counts show (their statuses and which metrics
    are edited), as a short digest; None for none. Two states with the same digest draw the same
    navigator: an edit that changes neither (a comment, a value typed again) need not redraw it."""
    statuses, edited = unsaved_statuses(state), edited_keys(state)
    if not statuses and not edited:
        return None
    text = json.dumps([sorted(statuses.items()), sorted(edited)])
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def to_annotation(asset: str, state: object) -> Annotation:
    """The Annotation an edit state stands for; InvalidInput for a malformed state.

    Each edit names its metric by key (and name). Only changed fields are sent. A
    curation change sends the value the reviewer saw with the new curation appended.
    Its base version is the oldest version an edit was made on: the store then checks
    every edit against what its reviewer saw.
    """
    if not isinstance(state, dict):
        raise InvalidInput("there are no changes to submit")
    metrics = state.get("metrics") or {}
    if not isinstance(metrics, dict) or len(metrics) > _MAX_EDITS:
        raise InvalidInput("malformed changes")
    edits, versions = [], []
    for key, edit in entries(state):
        status = edit.get("status")
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"metric {key!r}: status must be one of Pass, Fail, Pending")
        name = edit.get("name")
        if name is not None and not isinstance(name, str):
            raise InvalidInput(f"malformed changes for {key!r}")
        value, seen_value = UNSET, UNSET
        if "curation" in edit:
            seen = edit.get("seen_value")
            if not isinstance(seen, list):
                raise InvalidInput(f"metric {key!r}: a curation change needs the curations it was made on")
            value, seen_value = [*seen, edit["curation"]], seen
        elif "value" in edit:
            value, seen_value = edit["value"], edit.get("seen_value")
        if status is None and value is UNSET:
            continue
        reason, comment = fail_note(edit, strict=True)
        edits.append(MetricEdit(
            key=key,
            metric=name,
            status=status,
            value=value,
            seen_history=_int(edit.get("seen_history"), key),
            seen_value=seen_value,
            reason=reason,
            comment=comment,
        ))
        versions.append(_int(edit.get("version"), key))
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
    """Conflicts as JSON for the page (their change next to yours), each with its metric key."""
    return [
        {"metric": c.metric, "key": c.key, "field": c.field, "theirs": c.theirs, "yours": c.yours,
         "version": version}
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
    edit = state["metrics"].get(conflict.get("key"))
    if edit is None:
        return state
    if conflict.get("field") == "status":
        theirs = conflict.get("theirs") or []
        edit["seen_history"] = int(edit.get("seen_history") or 0) + len(theirs)
        if theirs:
            edit["seen_status"] = theirs[-1].get("status")
    elif conflict.get("field") == "value":
        # A curation is then appended after theirs; a value replaces theirs.
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
    key = conflict.get("key")
    edit = state["metrics"].get(key)
    if edit is not None:
        # The store reports a curation's conflict on the value it appends to.
        for field in ("value", "curation") if conflict.get("field") == "value" else (conflict.get("field"),):
            edit.pop(field, None)
        if not any(field in edit for field in _FIELDS):
            state["metrics"].pop(key)
    return state


def _copy(state: object) -> dict:
    """A copy holding only well-formed metric edits (old name-keyed entries are dropped)."""
    state = dict(state) if isinstance(state, dict) else {}
    state["metrics"] = {key: dict(edit) for key, edit in entries(state)}
    return state


def metric_base(metric, version: int) -> dict:
    """What the browser keeps about a shown metric to record edits against (JSON).

    "shown" is the value the widget is rendered with (it differs from "value" when the
    widget cannot show the stored value exactly).
    """
    return {
        "key": metric.key,
        "name": metric.name,
        "kind": metric.kind,
        "status": metric.status,
        "n": len(metric.history),
        "value": metric.value,
        "shown": metric.shown.value,
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


def current(state: object, base: dict, field: str) -> Any:
    """What a metric's status/value widget shows now: the edit if there is one, else what
    it was rendered with."""
    edit = edit_of(state, base.get("key"))
    if field in edit:
        return edit[field]
    return base.get("shown") if field == "value" else base.get(field)


def record(state: object, base: dict, *, status: Any = UNSET, value: Any = UNSET, reason: Any = UNSET,
           comment: Any = UNSET) -> dict:
    """`state` with one metric's widgets compared against what they were rendered with (`base`).

    A widget equal to its rendered value/status removes that edit; a differing one
    records it with `seen_*` and the version. An empty number input is no edit. For a
    choice whose options carry statuses, the status follows the choice on the server.
    `reason` / `comment` go with an unsaved explicit Fail (portal.views.asset.fail_notes);
    any other status drops them.
    """
    state = _copy(state)
    key = base["key"]
    edit = dict(state["metrics"].get(key) or {})
    if value is not UNSET:
        if same(value, base.get("shown")) or (value is None and base.get("kind") == "number"):
            edit.pop("value", None)
        else:
            edit["value"] = value
    if status is not UNSET and not base.get("choice"):
        if status == base.get("status") or status not in STATUSES:
            edit.pop("status", None)
        else:
            edit["status"] = status
    return _store(state, base, with_fail_note(edit, reason=reason, comment=comment))


def missing_reasons(state: object, listed: list[str]) -> list[Change]:
    """The explicit Fails of a state without a reason `listed` (the project's fail reasons:
    none needed when it lists none). A Fail a choice sets needs none."""
    if not listed:
        return []
    return [change for change in changes(state)
            if change.field == "status" and change.new == "Fail" and not change.implied
            and change.reason not in listed]


def record_curation(state: object, base: dict, data: Any) -> dict:
    """`state` with a curation a GUI sent back for a curation metric.

    The newest one replaces an earlier unsaved one; one equal to the latest stored
    curation is no change (a GUI echoing what it was sent).
    """
    state = _copy(state)
    edit = dict(state["metrics"].get(base["key"]) or {})
    stored = base.get("value")
    if same(data, curations.latest(stored).data):
        edit.pop("curation", None)
    else:
        edit["curation"] = curations.stored_form(data, stored)
    return _store(state, base, edit)


def _store(state: dict, base: dict, edit: dict) -> dict:
    key = base["key"]
    if any(field in edit for field in _FIELDS):
        edit.update(key=key, name=base.get("name"), seen_history=base.get("n", 0), seen_status=base.get("status"),
                    seen_value=base.get("value"), version=base.get("version", 0))
        state["metrics"][key] = edit
    else:
        state["metrics"].pop(key, None)
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
