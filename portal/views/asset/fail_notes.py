"""A Fail's reason and comment in the browser's edit state (portal.views.asset.edits).

An explicit, unsaved Fail may carry "reason" (one of the project's fail reasons:
portal.review.reasons) and "comment" (free text). They belong to that Fail: an edit whose
status is not (or no longer) Fail keeps neither. A Fail a dropdown or checkbox choice sets
needs no reason (the choice explains it), so only edits with an explicit status have one.
The state comes from the browser: everything here treats it as untrusted.
"""

from __future__ import annotations

from typing import Any

from portal.errors import InvalidInput
from portal.qc.types import FAIL
from portal.store.protocol import UNSET

MAX_COMMENT = 10_000  # as the REST API takes it (portal.api.models)
MAX_REASON = 200


def _text(value: Any) -> str | None:
    """Text stripped of surrounding blanks; None for blanks and anything that is not text."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def fail_note(edit: dict, *, strict: bool = False) -> tuple[str | None, str | None]:
    """(reason, comment) an edit sends with its Fail ((None, None) for any other edit).

    `strict` (Submit): InvalidInput for a reason or comment that is not text or too long,
    instead of leaving it out.
    """
    if edit.get("status") != FAIL:
        return None, None
    reason, comment = edit.get("reason"), edit.get("comment")
    if strict:
        for name, value, limit in (("reason", reason, MAX_REASON), ("comment", comment, MAX_COMMENT)):
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"metric {edit.get('key')!r}: the {name} must be text")
            if isinstance(value, str) and len(value) > limit:
                raise InvalidInput(f"metric {edit.get('key')!r}: the {name} is longer than {limit} characters")
    comment = comment.strip() or None if isinstance(comment, str) else None
    return _text(reason), comment


def with_fail_note(edit: dict, *, reason: Any = UNSET, comment: Any = UNSET) -> dict:
    """`edit` with the reason / comment given (UNSET: unchanged; None or blank: removed);
    an edit that is not an explicit Fail loses both."""
    edit = dict(edit)
    if edit.get("status") != FAIL:
        edit.pop("reason", None)
        edit.pop("comment", None)
        return edit
    for field, value in (("reason", reason), ("comment", comment)):
        if value is UNSET:
            continue
        if isinstance(value, str) and value.strip():
            edit[field] = value.strip() if field == "comment" else _text(value)
        else:
            edit.pop(field, None)
    return edit
