"""Field-level vocabulary and parsing of `quality_control` metrics.

What one field of a metric may hold and how it is read, whatever the layout:

- modalities: looked up by abbreviation, name or `{name, abbreviation}` dict
  (case-insensitive, renamed abbreviations followed) and written back canonically;
- stages and statuses: folded to the schema's spelling ("processing" -> "Processing");
- timestamps: ISO date-times checked and made zone-aware (naive means UTC), with a
  fast path that keeps strings pydantic parses as they are.

`normalize.py` applies these to every metric; errors are QCReadError messages
naming the metric (`label`) and the field at fault.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from aind_data_schema.core.quality_control import Stage, Status
from aind_data_schema_models.modalities import Modality

from portal.qc.errors import QCReadError

_STAGES_EXACT = {stage.value: stage.value for stage in Stage}
_STAGES = {stage.value.lower(): stage.value for stage in Stage}
# 1.0 pre-releases called the processing stage "Preprocessing".
_STAGES["preprocessing"] = Stage.PROCESSING.value

_MODALITIES = {m.abbreviation: m for m in Modality.abbreviation_map.values()}
_MODALITIES_FOLDED = {key.lower(): m for key, m in _MODALITIES.items()}
_MODALITIES_BY_NAME = {m.name.lower(): m for m in _MODALITIES.values()}
# Abbreviations renamed in aind-data-schema-models: "ophys" became "pophys".
_MODALITY_ALIASES = {"ophys": "pophys"}
_CANONICAL = {(m.abbreviation, m.name): m for m in _MODALITIES.values()}

_STATUS_VALUES = frozenset(s.value for s in Status)
_STATUS_FOLDED = {s.value.lower(): s.value for s in Status}

# The date-time spellings pydantic parses as they are (`T` or space, optional
# seconds and fraction, `Z` or an offset). Matching ones skip a parse/format round
# trip, which is most of the cost of normalising a large document.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?(?P<zone>[Zz]|[+-]\d\d:?\d\d)?")


def _describe(value: Any) -> str:
    """A short repr of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------- modalities


def lookup_modality(value: Any):
    """Return the aind-data-schema-models modality for an abbreviation, a name or a dict.

    Accepts `"ecephys"`, `"Extracellular electrophysiology"` or
    `{"name": ..., "abbreviation": ...}` (case-insensitive). Returns None when unknown.
    """
    if isinstance(value, dict):
        # The abbreviation is the schema's discriminator, so it wins over the name.
        return lookup_modality(value.get("abbreviation")) or lookup_modality(value.get("name"))
    if not isinstance(value, str) or not value.strip():
        return None
    key = value.strip()
    folded = key.lower()
    found = _MODALITIES.get(key) or _MODALITIES_FOLDED.get(folded) or _MODALITIES_BY_NAME.get(folded)
    if found is None and folded in _MODALITY_ALIASES:
        found = _MODALITIES[_MODALITY_ALIASES[folded]]
    return found


def modality_abbreviation(value: Any) -> str | None:
    """Abbreviation of a modality given in any form; unknown strings come back as given.

    Used for data_description modalities, where an outdated abbreviation is still
    worth showing. Returns None for values that name nothing.
    """
    found = lookup_modality(value)
    if found is not None:
        return found.abbreviation
    if isinstance(value, dict):
        value = value.get("abbreviation") or value.get("name")
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def canonical_modality(modality: Any, label: Any) -> dict:
    """The metric's modality as a fresh `{"name", "abbreviation"}` dict of the current schema.

    Raises QCReadError (prefixed with `label`) when it is missing or unknown.
    """
    # Fast path: the exact current {name, abbreviation} pair, as nearly every record has.
    if isinstance(modality, dict):
        found = _CANONICAL.get((modality.get("abbreviation"), modality.get("name")))
    else:
        found = None
    if found is None:
        found = lookup_modality(modality)
    if found is None:
        if modality is None:
            raise QCReadError(f"{label}: modality is missing")
        raise QCReadError(f"{label}: modality: unknown modality {_describe(modality)}")
    # A fresh dict each time: callers may mutate what normalise returns.
    return {"name": found.name, "abbreviation": found.abbreviation}


# --------------------------------------------------------------------------- stages and statuses


def canonical_stage(stage: Any, label: Any) -> str:
    """The schema's spelling of a stage given in any case ("Preprocessing" is "Processing").

    Raises QCReadError (prefixed with `label`) when it is missing or unknown.
    """
    if stage is None:
        raise QCReadError(f"{label}: stage is missing")
    canonical = (_STAGES_EXACT.get(stage) or _STAGES.get(stage.strip().lower())) if isinstance(stage, str) else None
    if canonical is None:
        expected = ", ".join(s.value for s in Stage)
        raise QCReadError(f"{label}: stage: unknown stage {_describe(stage)} (expected one of: {expected})")
    return canonical


def normalise_history(history: Any, label: Any) -> list:
    """A copy of a metric's status_history with checked timestamps and folded statuses.

    An absent evaluator becomes "" and "pass"/"PASS" become "Pass"; other statuses are
    left for validation to reject. Raises QCReadError for an empty or malformed history.
    """
    if history is None or (isinstance(history, list) and not history):
        raise QCReadError(f"{label}: status_history is empty")
    if not isinstance(history, list):
        raise QCReadError(f"{label}: status_history must be a list, got {type(history).__name__}")
    out = []
    for i, entry in enumerate(history):
        entry = with_timestamp(entry, label, "status_history", i)
        if entry.get("evaluator", "") is None:
            entry["evaluator"] = ""  # an absent evaluator is "nobody", as an empty string is
        status = entry.get("status")
        if status not in _STATUS_VALUES and isinstance(status, str):
            # Accept "pass"/"PASS"; anything else is left for validation to reject.
            entry["status"] = _STATUS_FOLDED.get(status.strip().lower(), status)
        out.append(entry)
    return out


# --------------------------------------------------------------------------- timestamps


def parse_datetime(value: Any) -> datetime | None:
    """Parse an ISO date-time (`T` or space separated, `Z` or offset) to an aware datetime.

    Naive values are taken as UTC. Returns None for anything unparsable.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _valid_datetime(text: str) -> bool:
    # The regex checks the shape only (month 13 matches); fromisoformat checks values.
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return parse_datetime(text) is not None  # lower-case t/z and the like
    return True


def with_timestamp(entry: Any, label: Any, field: str, index: int) -> dict:
    """A copy of one history entry (`field[index]`) whose `timestamp` is a zone-aware ISO string.

    Naive timestamps are read as UTC. Raises QCReadError when the entry is not an
    object or its timestamp is missing or not a date-time.
    """
    if not isinstance(entry, dict):
        raise QCReadError(f"{label}: {field}[{index}] must be an object, got {type(entry).__name__}")
    entry = dict(entry)
    raw_ts = entry.get("timestamp")
    if raw_ts is None:
        raise QCReadError(f"{label}: {field}[{index}].timestamp is missing")
    if isinstance(raw_ts, str):
        match = _TIMESTAMP.fullmatch(raw_ts)
        if match and _valid_datetime(raw_ts):
            # Naive means UTC here (see the module docstring).
            entry["timestamp"] = raw_ts if match.group("zone") else raw_ts + "+00:00"
            return entry
    parsed = parse_datetime(raw_ts)
    if parsed is None:
        raise QCReadError(f"{label}: {field}[{index}].timestamp: not a valid date-time: {_describe(raw_ts)}")
    entry["timestamp"] = parsed.isoformat()
    return entry
