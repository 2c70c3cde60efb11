"""The evaluations of the 1.0 `quality_control` layout, rewritten in the 1.1 spelling.

A 1.0 evaluation looks like

    {"evaluation_modality": {...}, "evaluation_stage": "raw data QC",
     "evaluation_name": "Drift", "evaluation_description": "...",
     "evaluator_full_name": "Jane Doe", "evaluation_date": "2024-05-01",
     "qc_metrics": [{"name": "drift", "value": 3.1}] | {"drift": 3.1},
     "stage_status": "Pass", "notes": "..."}

and the document has a top-level `overall_status` (and maybe `overall_status_date`).
`evaluation_1_0` returns the same evaluation as 1.1 writes it (`name`, `modality`,
`stage`, `metrics` with a `status_history` each), which `normalize.py` then reads like
any 1.x evaluation. The rules:

- `stage`: a free-text stage that is one of the schema's stages ("Processing") is that
  stage; otherwise "Raw data" when it says raw ("raw data QC", "Raw"), else "Processing"
  ("Spike sorting");
- `name` (the `evaluation` tag): `evaluation_name`, else the stage text as written;
- a metric without a history of its own gets one entry: `stage_status`, by
  `evaluator_full_name`, at `evaluation_date` (a date is read as UTC midnight). Early
  1.0 documents gave each metric its own history (`metric_status_history`): kept.

The input is never mutated.
"""

from __future__ import annotations

import re
from typing import Any

from aind_data_schema.core.quality_control import Stage

from portal.qc.errors import QCReadError

__all__ = ["V1_0_EVALUATION_KEYS", "evaluation_1_0", "stage_from_text"]

# Keys only a 1.0 evaluation has (1.1 renamed or dropped them): they tell 1.0 from 1.1-1.2.
V1_0_EVALUATION_KEYS = frozenset({
    "evaluation_modality", "evaluation_stage", "evaluation_name", "qc_metrics", "stage_status",
    "evaluator_full_name", "evaluation_date",
})
_SCHEMA_STAGES = {stage.value.lower(): stage.value for stage in Stage}
# "raw" starting a word: "raw data QC", "Raw", "RawData"; not "Drawing".
_SAYS_RAW = re.compile(r"\braw", re.IGNORECASE)
_DATE_ONLY = re.compile(r"\d{4}-\d\d-\d\d")
_HISTORY_KEYS = ("status_history", "metric_status_history")


def stage_from_text(text: str) -> str:
    """The schema stage a 1.0 free-text `evaluation_stage` stands for (see the module doc)."""
    folded = text.strip().lower()
    if folded in _SCHEMA_STAGES:
        return _SCHEMA_STAGES[folded]
    return Stage.RAW.value if _SAYS_RAW.search(text) else Stage.PROCESSING.value


def evaluation_1_0(evaluation: dict, index: int, document: dict) -> dict:
    """A 1.0 evaluation (`index` in `document`) as a 1.1 evaluation dict.

    Raises QCReadError naming the evaluation when it has neither a name nor a stage,
    or when a metric needs the evaluation's status and it has none (or no date).
    """
    stage_text = evaluation.get("evaluation_stage", evaluation.get("stage"))
    if not isinstance(stage_text, str) or not stage_text.strip():
        raise QCReadError(f"evaluation #{index}: evaluation_stage is missing")
    name = evaluation.get("evaluation_name", evaluation.get("name"))
    if not isinstance(name, str) or not name.strip():
        name = stage_text.strip()
    out = {
        "name": name,
        "modality": evaluation.get("evaluation_modality", evaluation.get("modality")),
        "stage": stage_from_text(stage_text),
        "description": evaluation.get("evaluation_description", evaluation.get("description")),
        "tags": evaluation.get("tags"),
        "notes": evaluation.get("notes"),
        "allow_failed_metrics": evaluation.get("allow_failed_metrics"),
        "evaluated_assets": evaluation.get("evaluated_assets"),
    }
    metrics = evaluation.get("qc_metrics", evaluation.get("metrics"))
    if isinstance(metrics, dict):
        # The dict shape: metric name -> value.
        metrics = [{"name": str(key), "value": value} for key, value in metrics.items()]
    if isinstance(metrics, list):
        history = None  # built once, for the first metric that needs it
        shaped = []
        for metric in metrics:
            if isinstance(metric, dict) and not any(metric.get(key) for key in _HISTORY_KEYS):
                if history is None:
                    history = _stage_history(evaluation, name, document)
                metric = {**{k: v for k, v in metric.items() if k not in _HISTORY_KEYS},
                          "status_history": [dict(entry) for entry in history]}
            shaped.append(metric)
        metrics = shaped
    out["metrics"] = metrics
    return out


def _stage_history(evaluation: dict, name: str, document: dict) -> list[dict]:
    """The one-entry status history the evaluation's metrics share."""
    status = evaluation.get("stage_status")
    if isinstance(status, list) and status:
        return status  # a list of {evaluator, status, timestamp}, as 2.x writes it
    if status is None and isinstance(evaluation.get("evaluation_status"), list) and evaluation["evaluation_status"]:
        return evaluation["evaluation_status"]  # early 1.0 pre-releases
    evaluator = evaluation.get("evaluator_full_name")
    when = evaluation.get("evaluation_date", document.get("overall_status_date"))
    if isinstance(status, dict):
        evaluator = status.get("evaluator", evaluator)
        when = status.get("timestamp", when)
        status = status.get("status")
    if status is None:
        raise QCReadError(f"evaluation '{name}': stage_status is missing (its metrics have no status_history)")
    if when is None:
        raise QCReadError(f"evaluation '{name}': evaluation_date is missing (needed to date stage_status)")
    return [{"evaluator": evaluator if isinstance(evaluator, str) else "", "status": status,
             "timestamp": _utc_midnight(when)}]


def _utc_midnight(value: Any) -> Any:
    """A date-only "2024-05-01" as "2024-05-01T00:00:00+00:00"; anything else as given
    (date-times are checked, and naive ones read as UTC, by fields.with_timestamp)."""
    if isinstance(value, str) and _DATE_ONLY.fullmatch(value.strip()):
        return f"{value.strip()}T00:00:00+00:00"
    return value
