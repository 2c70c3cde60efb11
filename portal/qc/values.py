"""Kinds of metric values, and the status a dropdown or checkbox choice implies.

Metric values are free-form (`Any`). aind-qcportal-schema (0.6.4) defines two
interactive shapes, stored as plain dicts and recognised by their `type` key:

- dropdown `{value, options, status, type: "dropdown"}`: one choice; `value` is ""
  until chosen;
- checkbox `{value: [...], options, status, type: "checkbox"}`: several choices.

When `status` (one Pass/Fail/Pending per option) is given, the choice sets the
metric's status. Everything else is shown by its plain kind.
"""

from __future__ import annotations

from typing import Any

from portal.qc.types import FAIL, PASS, PENDING

DROPDOWN = "dropdown"
CHECKBOX = "checkbox"
_STATUS_NAMES = {PASS.lower(): PASS, FAIL.lower(): FAIL, PENDING.lower(): PENDING}


def _choice_type(value: Any) -> str | None:
    """ "dropdown"/"checkbox" for a dict of that shape (a list of options), else None."""
    if not isinstance(value, dict) or not isinstance(value.get("options"), list):
        return None
    kind = value.get("type")
    if isinstance(kind, str) and kind.strip().lower() in (DROPDOWN, CHECKBOX):
        return kind.strip().lower()
    return None


def is_table(value: Any) -> bool:
    """A dict of equal-length lists (at least one column): rendered as a table.

    An "index" column, when present, names the rows.
    """
    if not isinstance(value, dict) or not value:
        return False
    lengths = {len(column) if isinstance(column, list) else -1 for column in value.values()}
    return len(lengths) == 1 and -1 not in lengths


def value_kind(value: Any) -> str:
    """How a metric value should be shown.

    One of "none", "bool", "number", "string", "dropdown", "checkbox", "table",
    "list" or "json" (any other dict, or anything unexpected).
    """
    if value is None:
        return "none"
    # bool first: True is an int in Python, but a checkbox-like answer to a reviewer.
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    choice = _choice_type(value)
    if choice is not None:
        return choice
    if is_table(value):
        return "table"
    if isinstance(value, list | tuple):
        return "list"
    return "json"


def _status_name(status: Any) -> str | None:
    status = getattr(status, "value", status)  # a Status enum works too
    return _STATUS_NAMES.get(status.strip().lower()) if isinstance(status, str) else None


def _option_status(value: dict, choice: Any) -> str | None:
    """The status of one chosen option; None when it is not among the options."""
    options, statuses = value["options"], value["status"]
    try:
        index = options.index(choice)
    except ValueError:
        return None
    if index >= len(statuses):
        return None
    return _status_name(statuses[index])


def status_from_choice(value: Any) -> str | None:
    """The status a dropdown or checkbox choice implies, or None when it implies none.

    Only dropdown/checkbox values with a `status` list imply a status:

    - dropdown: `status[options.index(value)]`; nothing chosen ("" or None) or a value
      that is not one of the options -> "Pending" (it still awaits a reviewer);
    - checkbox: over the chosen options, any Fail -> Fail, else any Pending -> Pending,
      else Pass; nothing chosen -> "Pending".

    An option whose status entry is missing or not Pass/Fail/Pending counts as
    Pending: the choice cannot be judged automatically.
    """
    kind = _choice_type(value)
    if kind is None or not isinstance(value.get("status"), list) or not value["status"]:
        return None
    chosen = value.get("value")
    if kind == DROPDOWN:
        if chosen is None or chosen == "":
            return PENDING
        return _option_status(value, chosen) or PENDING
    # Checkbox: the value should be a list; a bare option or "" (seen in real 1.x
    # documents) is read as one choice or none.
    if chosen is None or chosen == "":
        picks: list = []
    elif isinstance(chosen, list | tuple):
        picks = list(chosen)
    else:
        picks = [chosen]
    statuses = [_option_status(value, pick) or PENDING for pick in picks]
    if not statuses:
        return PENDING
    if FAIL in statuses:
        return FAIL
    if PENDING in statuses:
        return PENDING
    return PASS
