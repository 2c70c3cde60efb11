"""Small hand-made records for tests: every field a test asserts on is set explicitly."""

from __future__ import annotations

from aind_data_schema_models.modalities import Modality


def modality(abbreviation: str) -> dict:
    """The {name, abbreviation} dict of a modality."""
    return Modality.from_abbreviation(abbreviation).model_dump()


def metric(
    name: str,
    status: str = "Pass",
    *,
    mod: str = "ecephys",
    stage: str = "Raw data",
    tags: dict | None = None,
    value=1.0,
    history: list | None = None,
    evaluator: str = "Automated",
    timestamp: str = "2025-01-02T00:00:00+00:00",
    **extra,
) -> dict:
    """A 2.x QC metric dict."""
    return {
        "object_type": "QC metric",
        "name": name,
        "modality": modality(mod),
        "stage": stage,
        "value": value,
        "status_history": history
        if history is not None
        else [{"evaluator": evaluator, "status": status, "timestamp": timestamp}],
        "tags": tags or {},
        **extra,
    }


def record(
    name: str,
    *,
    project: str = "Alpha",
    modalities: tuple[str, ...] = ("ecephys",),
    subject: str = "100001",
    acquired: str = "2025-01-02T03:04:05+00:00",
    level: str = "raw",
    metrics: list[dict] | None = None,
    source: list[str] | None = None,
    _id: str | None = None,
    notes: str | None = None,
    qc: dict | None | bool = True,
) -> dict:
    """A DocDB-shaped record; qc=False leaves quality_control out, a dict sets it as is."""
    rec = {
        "name": name,
        "data_description": {
            "name": name,
            "project_name": project,
            "subject_id": subject,
            "data_level": level,
            "modalities": [modality(m) for m in modalities],
            "source_data": source or [],
        },
        "subject": {"subject_id": subject},
        "acquisition": {"acquisition_start_time": acquired},
    }
    if _id:
        rec["_id"] = _id
    if isinstance(qc, dict):
        rec["quality_control"] = qc
    elif qc:
        rec["quality_control"] = {
            "object_type": "Quality control",
            "schema_version": "2.4.2",
            "metrics": metrics if metrics is not None else [metric(f"{name} m1")],
            "default_grouping": [["modality"]],
            "allow_tag_failures": [],
            "notes": notes,
        }
    return rec
