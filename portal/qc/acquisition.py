"""Who acquired an asset and on which instrument, from its acquisition metadata.

- **2.x** records: `acquisition.instrument_id` and `acquisition.experimenters` (a list of
  names; older 2.0 drafts list `{"name": ...}` persons).
- **1.x** records: `session.rig_id` and `session.experimenter_full_name` (ephys and
  behavior sessions); 1.x imaging `acquisition` blocks use `instrument_id` and
  `experimenter_full_name`.

An instrument id usually ends with the date of its configuration (`323_EPHYS1_20250922`):
that suffix is dropped, so one rig is one group whatever its configuration date. Never
raises: a field that cannot be read is None (or no experimenters).
"""

from __future__ import annotations

import re

_DATE_SUFFIX = re.compile(r"[_-](19|20)\d{6}$")
_MAX = 200  # the column's width


def _section(record: dict, key: str) -> dict:
    value = record.get(key) if isinstance(record, dict) else None
    return value if isinstance(value, dict) else {}


def _text(value) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:_MAX]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def instrument(record: dict) -> str | None:
    """The asset's instrument (rig) id without its configuration-date suffix, or None."""
    acquisition, session = _section(record, "acquisition"), _section(record, "session")
    for candidate in (acquisition.get("instrument_id"), session.get("rig_id"), acquisition.get("rig_id")):
        text = _text(candidate)
        if text:
            return _DATE_SUFFIX.sub("", text) or text
    return None


def _names(value) -> list[str]:
    if isinstance(value, str | dict):
        value = [value]
    if not isinstance(value, list):
        return []
    names = []
    for item in value:
        name = _text(item.get("name")) if isinstance(item, dict) else _text(item)
        if name and name not in names:
            names.append(name)
    return names


def experimenters(record: dict) -> tuple[str, ...]:
    """The names of the people who acquired the asset (first list found), without repeats."""
    acquisition, session = _section(record, "acquisition"), _section(record, "session")
    for candidate in (acquisition.get("experimenters"), session.get("experimenter_full_name"),
                      acquisition.get("experimenter_full_name")):
        names = _names(candidate)
        if names:
            return tuple(names[:20])
    return ()
