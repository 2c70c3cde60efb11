"""What a value widget shows for a stored value, and a note when that is not the value itself.

Real documents hold values a widget cannot show exactly: a checkbox whose value is
`""` (aind-data-schema's own example writes that) or a scalar instead of a list, a
dropdown whose value is not one of its options, choices that are not options at all.
The page shows such a value as it is, with a note, and the widget starts from the
closest thing it can show (nothing chosen). That starting point is the *shown* value:
an edit is recorded only when the widget moves away from it (portal.views.asset.edits), so
opening a page never turns a stored value into an edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_UNCHANGED = "unchanged unless you choose"
_OPTION_TYPES = (str, int, float, bool)
_NOTE_CHARS = 80


@dataclass(frozen=True)
class Shown:
    """A widget's starting value for a stored value.

    `value` is what the widget is rendered with; `note` says how the stored value
    differs from it (None when the widget shows it exactly); `editable` is False when
    the value cannot be offered in its widget at all (it is then shown read-only).
    """

    value: Any
    note: str | None = None
    editable: bool = True

    @property
    def exact(self) -> bool:
        """True when the widget shows the stored value as it is."""
        return self.note is None


def describe(value: Any) -> str:
    """A stored value as a short literal for notes: `''`, `'Noisy'`, `["a", 3]`."""
    text = f"'{value}'" if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= _NOTE_CHARS else text[: _NOTE_CHARS - 1] + "…"


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values: `True` is not `1`, `1` is `1.0`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _among(choice: Any, options: list) -> bool:
    return any(same(choice, option) for option in options)


def shown_value(kind: str, value: Any) -> Shown:
    """The widget's starting value for a stored `value` of this value kind (see module doc)."""
    if kind not in ("dropdown", "checkbox"):
        return Shown(value)
    options = value.get("options") or []
    if not all(isinstance(option, _OPTION_TYPES) for option in options):
        return Shown(None, "options of an unexpected shape: shown as stored, read-only", editable=False)
    choice = value.get("value")
    if kind == "dropdown":
        if choice is None or (isinstance(choice, str) and choice == ""):
            return Shown(None)  # not chosen yet (Pending until chosen when options carry statuses)
        if _among(choice, options):
            return Shown(choice)
        return Shown(None, f"stored value: {describe(choice)} — not one of the options; {_UNCHANGED}")
    if isinstance(choice, list):
        kept = [item for item in choice if _among(item, options)]
        if len(kept) == len(choice):
            return Shown(choice)
        return Shown(kept, f"stored value: {describe(choice)} — includes choices that are not options; "
                           f"{_UNCHANGED}")
    start = [choice] if choice is not None and _among(choice, options) else []
    return Shown(start, f"stored value: {describe(choice)} — not a list of options; {_UNCHANGED}")
