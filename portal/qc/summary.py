"""One asset record (a DocDB metadata document) -> the AssetSummary every view lists.

`summarise` never raises: records come from a database we do not control, and one
bad record must not break ingest or the overview. Fields it cannot read are None;
a quality_control it cannot read gives `qc_state="error"` with the reason.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from aind_data_schema.core.quality_control import QualityControl

from portal.qc import acquisition
from portal.qc.normalize import QCReadError, modality_abbreviation, parse_datetime
from portal.qc.read import validate_view
from portal.qc.status import counts, evaluate, last_review, metric_statuses
from portal.qc.types import AssetSummary, MetricCounts

logger = logging.getLogger(__name__)


def _section(record: dict, key: str) -> dict:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # subject ids are sometimes stored as numbers
    return None


def _acquired(record: dict, description: dict) -> datetime | None:
    # 2.x acquisition, then 1.x session, then when the asset was made.
    candidates = (
        _section(record, "acquisition").get("acquisition_start_time"),
        _section(record, "session").get("session_start_time"),
        description.get("creation_time"),
    )
    for candidate in candidates:
        parsed = parse_datetime(candidate)
        if parsed is not None:
            return parsed.astimezone(UTC)
    return None


def _level(description: dict) -> str | None:
    level = description.get("data_level")
    level = getattr(level, "value", level)
    if not isinstance(level, str):
        return None
    # Older records say "raw data" / "derived data".
    folded = level.strip().lower()
    for known in ("raw", "derived"):
        if folded == known or folded.startswith(known + " "):
            return known
    return None


def _modalities(description: dict) -> list[str]:
    items = description.get("modalities")
    if items is None:
        items = description.get("modality")  # 1.x
    if isinstance(items, dict | str):
        items = [items]
    if not isinstance(items, list):
        return []
    return [abbr for abbr in (modality_abbreviation(item) for item in items) if abbr]


def _source_data(description: dict) -> tuple[str, ...]:
    items = description.get("source_data")
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list):
        return ()
    return tuple(str(item) for item in items if item is not None)


def _safe(read, default=None):
    """Run one field reader; a record this odd gives the field's empty value instead."""
    try:
        return read()
    except Exception:  # noqa: BLE001 - never let one field break the summary
        return default


def _qc_version(qc: Any) -> str | None:
    return _text(qc.get("schema_version")) if isinstance(qc, dict) else None


def summarise(record: dict, *, loaded: QualityControl | None = None) -> AssetSummary:
    """Summarise one asset record for the overview, the grid and the CLI.

    `loaded` is the record's quality_control already validated by load_qc (the
    annotation path has it): it saves validating the same document twice.
    Never raises, whatever the dict holds. `qc_state` is "none" when the record has
    no quality_control (missing, null or {}), "error" when it has one that cannot be
    read (`qc_error` says why, in one line), "ok" otherwise. `schema_version` is the
    stored document's own version, before normalisation.
    """
    if not isinstance(record, dict):
        record = {}
    description = _safe(lambda: _section(record, "data_description"), {})

    name = _safe(lambda: _text(record.get("name")) or _text(description.get("name")))
    asset_id = _safe(lambda: str(record["_id"]) if record.get("_id") is not None else None) or name or ""

    modalities = set(_safe(lambda: _modalities(description), []))
    qc_raw = record.get("quality_control")
    status = None
    metric_counts = MetricCounts()
    per_metric: tuple = ()
    review = None
    qc_error = None
    if qc_raw is None or qc_raw == {}:
        qc_state = "none"
    else:
        try:
            # The same validation as load_qc, minus building the schema's objects.
            view = loaded if loaded is not None else validate_view(qc_raw)
            status = evaluate(view)
            metric_counts = counts(view)
            per_metric = metric_statuses(view)
            review = last_review(view)
            modalities.update(metric.modality.abbreviation for metric in view.metrics)
            qc_state = "ok"
        except QCReadError as exc:
            qc_state, qc_error = "error", str(exc)
        except Exception as exc:  # noqa: BLE001 - one odd record must not stop ingest
            logger.exception("unexpected error reading quality_control of %s", asset_id)
            qc_state, qc_error = "error", f"unexpected error: {type(exc).__name__}: {exc}".splitlines()[0]
            status, metric_counts, review, per_metric = None, MetricCounts(), None, ()

    return AssetSummary(
        id=asset_id,
        name=name or asset_id,
        project=_safe(lambda: _text(description.get("project_name"))),
        subject_id=_safe(
            lambda: _text(_section(record, "subject").get("subject_id")) or _text(description.get("subject_id"))
        ),
        acquired=_safe(lambda: _acquired(record, description)),
        level=_safe(lambda: _level(description)),
        source_data=_safe(lambda: _source_data(description), ()),
        modalities=tuple(sorted(modalities)),
        location=_safe(lambda: _text(record.get("location"))),
        qc_state=qc_state,
        qc_error=qc_error,
        schema_version=_safe(lambda: _qc_version(qc_raw)),
        status=status,
        counts=metric_counts,
        metrics=per_metric,
        last_review=review,
        instrument=_safe(lambda: acquisition.instrument(record)),
        experimenters=_safe(lambda: acquisition.experimenters(record), ()),
    )
