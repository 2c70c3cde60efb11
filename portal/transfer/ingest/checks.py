"""What ingest refuses and what it warns about, per record, before anything is stored.

Refused (one FAILED line, the rest of the batch goes on):
- a local `location` outside the asset roots (portal.references.roots);
- a quality_control with more metrics than QC_PORTAL_MAX_METRICS;
- (in the readers, sources.py and s3.py: files over QC_PORTAL_MAX_DOCUMENT_MB, JSON
  nested deeper than QC_PORTAL_MAX_JSON_DEPTH, text holding NUL characters.)

Warned about (a WARNING line; the record is ingested, unless `strict`):
- a quality_control whose `schema_version` this portal does not know (newer than the
  installed aind-data-schema's, or not a version at all): it is read by its shape, and
  the warning says as which layout;
- a record without a data description (project, subject, level and modalities unknown).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from aind_data_schema.core.quality_control import QualityControl

from portal.qc import QCReadError, detect_layout
from portal.qc.bounds import DEFAULT_LIMITS, Limits

__all__ = ["IngestPolicy", "Verdict", "check_record", "metric_count", "nul_path"]

_INSTALLED = QualityControl.model_fields["schema_version"].default
_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class IngestPolicy:
    """What one ingest accepts: the bounds, the asset roots (None: not checked) and whether
    warnings refuse a record (`qc-portal ingest --strict`)."""

    limits: Limits = DEFAULT_LIMITS
    roots: Any = None  # portal.references.roots.AssetRoots
    strict: bool = False


@dataclass(frozen=True)
class Verdict:
    """Why a record is refused (`error`), and what is worth a warning about it."""

    error: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _version_tuple(text: str) -> tuple[int, int, int] | None:
    match = _VERSION.fullmatch(text.strip())
    return tuple(int(part or 0) for part in match.groups()) if match else None  # type: ignore[return-value]


_INSTALLED_TUPLE = _version_tuple(_INSTALLED)


def metric_count(qc: Any) -> int:
    """How many metrics a raw quality_control of any layout holds (without reading them)."""
    if not isinstance(qc, dict):
        return 0
    if isinstance(qc.get("metrics"), list):
        return len(qc["metrics"])
    total = 0
    for evaluation in qc.get("evaluations") or ():
        if isinstance(evaluation, dict):
            metrics = evaluation.get("metrics", evaluation.get("qc_metrics"))
            total += len(metrics) if isinstance(metrics, list | dict) else 0
    return total


def _version_warning(qc: Any) -> str | None:
    if not isinstance(qc, dict) or not qc:
        return None
    try:
        layout = detect_layout(qc)
    except QCReadError:
        return None  # cannot be read at all: the store refuses it with the reason
    version = qc.get("schema_version")
    if version is None:
        return f"quality_control has no schema_version; read as the {layout} layout by its shape"
    parsed = _version_tuple(version) if isinstance(version, str) else None
    if parsed is None or (_INSTALLED_TUPLE is not None and parsed > _INSTALLED_TUPLE):
        return (f"quality_control schema_version {version!r} is not one this portal knows (it knows up to "
                f"{_INSTALLED}); read as the {layout} layout by its shape")
    return None


def check_record(record: dict, policy: IngestPolicy) -> Verdict:
    """The verdict on one record read by ingest (see the module docstring)."""
    if policy.roots is not None:
        refusal = policy.roots.refusal(record.get("location"))
        if refusal is not None:
            return Verdict(refusal)
    qc = record.get("quality_control")
    count = metric_count(qc)
    if count > policy.limits.max_metrics:
        return Verdict(f"quality_control has {count} metrics, more than QC_PORTAL_MAX_METRICS "
                       f"({policy.limits.max_metrics})")
    warnings = []
    version = _version_warning(qc)
    if version:
        warnings.append(version)
    description = record.get("data_description")
    if not isinstance(description, dict) or not description:
        warnings.append("no data description (data_description.json): its project, subject, data level and "
                        "modalities are not known")
    return Verdict(None, tuple(warnings))


def nul_path(value: Any) -> str | None:
    """Where the first NUL character of a parsed JSON value is (`a.b[2]`, keys too), or None.

    Iterative: safe on any depth. PostgreSQL cannot store NUL in text or JSON, so ingest
    refuses such records on every database alike.
    """
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where or "the top level"
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                child_where = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and "\x00" in key:
                    return child_where.replace("\x00", "\\u0000")
                stack.append((child, child_where))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{index}]") for index, child in reversed(list(enumerate(item))))
    return None
