"""Read any historical `quality_control` layout as an aind-data-schema 2.x dict.

Real databases hold four layouts (see DESIGN.md):

- "1.0":     `evaluations` of `QCEvaluation{evaluation_modality, evaluation_stage (free
             text), evaluation_name, evaluation_description, evaluator_full_name,
             evaluation_date, qc_metrics (a list of {name, value} or a dict name ->
             value), stage_status, notes}`, with a top-level `overall_status`;
- "1.1-1.2": `evaluations` of `QCEvaluation{modality, stage, name, description,
             metrics, tags, notes, allow_failed_metrics}`;
- "2.0-2.2": flat `metrics` whose `tags` are lists, `default_grouping` a list of str;
- "2.3+":    flat `metrics` whose `tags` are dicts.

`normalise` maps all of them to one shape that validates as the installed
`QualityControl`. Rules worth knowing downstream:

- every 1.x metric gets its evaluation's modality and stage and the tag
  `{"evaluation": <evaluation name>}` (the evaluation's own tag list follows as
  `tag_1`, `tag_2`, ...); the grouping of a 1.x document is `[["evaluation"]]`;
  `allow_failed_metrics: true` becomes `"evaluation:<name>"` in `allow_tag_failures`;
  evaluation notes are kept in the document notes, an evaluation description
  stands in for a metric without one;
- 1.0 only (`layout_1_0.py` reads its evaluations): a free-text `evaluation_stage` is
  "Raw data" when it says raw ("raw data QC") and "Processing" otherwise, unless it is
  one of the schema's stages already; the tag is `evaluation_name`, else the stage
  text; a metric without a history gets one entry (`stage_status`,
  `evaluator_full_name`, `evaluation_date`; a date is UTC midnight);
- a metric `value` nested deeper than `bounds.MAX_VALUE_DEPTH` is refused, so no stored
  value can make the JSON encoder (or pydantic) recurse out of stack;
- list tags become `tag_1`, `tag_2`, ... exactly as the schema's `fix_tag_lists`;
  a list-of-str grouping next to list tags becomes `[["modality"], ["tag_1"]]`
  as the schema's `fix_default_grouping_list` does;
- naive timestamps are read as UTC (the schema would attach the *server's* local
  zone, which makes the same document mean different things on different hosts);
- a stored `status` dict is dropped: it is derived data and real records carry
  stale ones (keyed by tag values of an older schema); `load_qc` recomputes it.

The input is never mutated. Field-level reading (modalities, stages, statuses,
timestamps) is in `fields.py`; this module detects the layout and reshapes it.
"""

from __future__ import annotations

import re
from typing import Any

from aind_data_schema.core.quality_control import QualityControl

from portal.qc.bounds import MAX_VALUE_DEPTH, depth_exceeds
from portal.qc.errors import QCReadError
from portal.qc.fields import (
    canonical_modality,
    canonical_stage,
    lookup_modality,
    modality_abbreviation,
    normalise_history,
    parse_datetime,
    with_timestamp,
)
from portal.qc.layout_1_0 import V1_0_EVALUATION_KEYS, evaluation_1_0

# Public names, with the field helpers other modules import from here (they live in fields.py).
__all__ = [
    "CURATION_METRIC",
    "EVALUATION_GROUPING",
    "EVALUATION_TAG",
    "LAYOUT_1_0",
    "LAYOUT_1_X",
    "LAYOUT_2_0",
    "LAYOUT_2_3",
    "LIST_TAG_GROUPING",
    "QC_METRIC",
    "QCReadError",
    "detect_layout",
    "lookup_modality",
    "modality_abbreviation",
    "normalise",
    "parse_datetime",
]

LAYOUT_1_0 = "1.0"
LAYOUT_1_X = "1.1-1.2"
LAYOUT_2_0 = "2.0-2.2"
LAYOUT_2_3 = "2.3+"

QC_METRIC = "QC metric"
CURATION_METRIC = "Curation metric"

# The tag key every metric of a 1.x document gets; the UI groups 1.x documents by it.
EVALUATION_TAG = "evaluation"
EVALUATION_GROUPING = [[EVALUATION_TAG]]
# What the schema's fix_default_grouping_list puts in place of a 2.0-2.2 grouping.
LIST_TAG_GROUPING = [["modality"], ["tag_1"]]

_CURRENT_VERSION = QualityControl.model_fields["schema_version"].default
_CURRENT_DESCRIBED_BY = QualityControl.model_fields["describedBy"].default

# Top-level keys of older layouts that carry no data of their own in 2.x: the
# evaluations are unpacked, the statuses are recomputed, the version is the current one.
_DROPPED_TOP_LEVEL = {
    "evaluations",
    "status",
    "overall_status",
    "overall_status_date",
    "object_type",
    "describedBy",
    "schema_version",
}

_VERSION = re.compile(r"^\s*(\d+)\.(\d+)")


# --------------------------------------------------------------------------- helpers


def _version(raw: dict) -> tuple[int, int] | None:
    match = _VERSION.match(str(raw.get("schema_version") or ""))
    return (int(match.group(1)), int(match.group(2))) if match else None


def _label(metric: Any, index: int) -> str:
    name = metric.get("name") if isinstance(metric, dict) else None
    return f"metric '{name}'" if isinstance(name, str) and name else f"metric #{index}"


class _LazyLabel:
    """`metric '<name>'` for error messages, formatted only when one is raised."""

    __slots__ = ("metric", "index")

    def __init__(self, metric: Any, index: int):
        self.metric, self.index = metric, index

    def __str__(self) -> str:
        return _label(self.metric, self.index)


# --------------------------------------------------------------------------- layouts


def detect_layout(raw: dict) -> str:
    """Tell which quality_control layout a raw document uses.

    Returns "1.0", "1.1-1.2", "2.0-2.2" or "2.3+". The structure decides, the
    `schema_version` string only breaks ties (versions in real records are not
    always truthful). Raises QCReadError for anything else.
    """
    if not isinstance(raw, dict):
        raise QCReadError(f"quality_control must be an object, got {type(raw).__name__}")
    metrics = raw.get("metrics")
    evaluations = raw.get("evaluations")
    if metrics is not None and evaluations:
        raise QCReadError("quality_control has both 'metrics' (2.x) and 'evaluations' (1.x)")
    if metrics is not None:
        if not isinstance(metrics, list):
            raise QCReadError(f"quality_control.metrics must be a list, got {type(metrics).__name__}")
        tag_kinds = {type(m.get("tags")) for m in metrics if isinstance(m, dict)}
        if list in tag_kinds:
            return LAYOUT_2_0
        version = _version(raw)
        if dict not in tag_kinds and version is not None and version < (2, 3):
            return LAYOUT_2_0
        return LAYOUT_2_3
    if evaluations is not None:
        if not isinstance(evaluations, list):
            raise QCReadError(f"quality_control.evaluations must be a list, got {type(evaluations).__name__}")
        if any(isinstance(e, dict) and V1_0_EVALUATION_KEYS & e.keys() for e in evaluations):
            return LAYOUT_1_0
        if not evaluations and _version(raw) == (1, 0):
            return LAYOUT_1_0
        return LAYOUT_1_X
    raise QCReadError(
        "unknown quality_control layout: it has neither 'metrics' (2.x) nor 'evaluations' (1.x); "
        + _found_keys(raw)
    )


def _found_keys(raw: dict) -> str:
    """What an unreadable document holds instead, for its error message."""
    if not raw:
        return "it is empty"
    keys = sorted(str(key) for key in raw)
    shown = [key if len(key) <= 40 else key[:37] + "..." for key in keys[:12]]
    more = f" and {len(keys) - 12} more" if len(keys) > 12 else ""
    return f"found the top-level keys {', '.join(shown)}{more}"


def normalise(raw: dict) -> dict:
    """Normalise any quality_control layout to a dict that validates as QualityControl 2.x.

    Structural problems (unknown modality or stage, empty status history,
    malformed timestamps, wrong shapes) raise QCReadError naming the metric and field;
    type errors the schema itself catches are left to `load_qc`.
    """
    layout = detect_layout(raw)
    if layout in (LAYOUT_1_0, LAYOUT_1_X):
        return _normalise_v1(raw, layout)
    return _normalise_v2(raw)


def _top_level(raw: dict) -> dict:
    out = {"describedBy": _CURRENT_DESCRIBED_BY, "schema_version": _CURRENT_VERSION}
    for key, value in raw.items():
        if key not in _DROPPED_TOP_LEVEL and key != "metrics":
            out[key] = value
    if out.get("allow_tag_failures") is None:
        out["allow_tag_failures"] = []
    return out


def _normalise_v2(raw: dict) -> dict:
    out = _top_level(raw)
    metrics = [_normalise_metric(m, i) for i, m in enumerate(raw["metrics"])]
    out["metrics"] = metrics
    grouping = raw.get("default_grouping")
    if isinstance(grouping, str):
        grouping = out["default_grouping"] = [grouping]  # a lone key; the schema wants a list
    # The schema rewrites a list-of-str grouping only when the first metric had list
    # tags; we do it whenever the document used list tags, because `tag_1` is the
    # only key such a document can be grouped by. A missing grouping (required by the
    # schema, but pure presentation) gets the natural default rather than an error.
    had_list_tags = any(isinstance(m, dict) and isinstance(m.get("tags"), list) for m in raw["metrics"])
    if isinstance(grouping, list) and all(isinstance(g, str) for g in grouping) and had_list_tags:
        out["default_grouping"] = [list(g) for g in LIST_TAG_GROUPING]
    elif grouping is None:
        out["default_grouping"] = [list(g) for g in LIST_TAG_GROUPING] if had_list_tags else []
    return out


def _normalise_v1(raw: dict, layout: str) -> dict:
    out = _top_level(raw)
    metrics: list[dict] = []
    allow = list(out["allow_tag_failures"])
    notes = [raw["notes"]] if isinstance(raw.get("notes"), str) and raw["notes"].strip() else []
    seen_names: dict[str, int] = {}
    for e_index, evaluation in enumerate(raw["evaluations"]):
        if not isinstance(evaluation, dict):
            raise QCReadError(f"evaluation #{e_index} must be an object, got {type(evaluation).__name__}")
        if layout == LAYOUT_1_0:
            # Renamed, free-text and missing fields of 1.0, in the 1.1 spelling read below.
            evaluation = evaluation_1_0(evaluation, e_index, raw)
        name = _first(evaluation, "name", "evaluation_name")
        if not isinstance(name, str) or not name.strip():
            raise QCReadError(f"evaluation #{e_index}: name is missing")
        # Two evaluations with one name would share a tag, and with it each other's
        # allow_failed_metrics; number the repeats to keep them apart.
        seen_names[name] = seen_names.get(name, 0) + 1
        if seen_names[name] > 1:
            name = f"{name} ({seen_names[name]})"
        tags = {EVALUATION_TAG: name}
        extra_tags = evaluation.get("tags")
        if isinstance(extra_tags, list):
            tags.update({f"tag_{i + 1}": tag for i, tag in enumerate(extra_tags)})
        elif isinstance(extra_tags, dict):
            tags.update({k: v for k, v in extra_tags.items() if k != EVALUATION_TAG})
        elif extra_tags is not None:
            raise QCReadError(f"evaluation '{name}': tags must be a list, got {type(extra_tags).__name__}")
        if evaluation.get("allow_failed_metrics") is True:
            allow.append(f"{EVALUATION_TAG}:{name}")
        e_notes = evaluation.get("notes")
        if isinstance(e_notes, str) and e_notes.strip():
            notes.append(f"{name}: {e_notes.strip()}")
        inherited = {
            "modality": _first(evaluation, "modality", "evaluation_modality"),
            "stage": _first(evaluation, "stage", "evaluation_stage"),
            "description": _first(evaluation, "description", "evaluation_description", "evaluation_desc"),
            "evaluated_assets": evaluation.get("evaluated_assets"),
        }
        e_metrics = _first(evaluation, "metrics", "qc_metrics")
        if not isinstance(e_metrics, list):
            raise QCReadError(f"evaluation '{name}': metrics must be a list, got {type(e_metrics).__name__}")
        for metric in e_metrics:
            if not isinstance(metric, dict):
                raise QCReadError(
                    f"evaluation '{name}': metric #{len(metrics)} must be an object, got {type(metric).__name__}"
                )
            merged = dict(metric)
            merged["modality"] = inherited["modality"]
            merged["stage"] = inherited["stage"]
            merged["tags"] = dict(tags)
            if not merged.get("description") and inherited["description"]:
                merged["description"] = inherited["description"]
            if merged.get("evaluated_assets") is None and inherited["evaluated_assets"]:
                merged["evaluated_assets"] = inherited["evaluated_assets"]
            metrics.append(_normalise_metric(merged, len(metrics)))
    out["metrics"] = metrics
    out["allow_tag_failures"] = list(dict.fromkeys(allow))
    out["notes"] = "\n".join(notes) if notes else None
    grouping = raw.get("default_grouping")
    out["default_grouping"] = grouping if grouping else [list(g) for g in EVALUATION_GROUPING]
    return out


def _first(source: dict, *keys: str) -> Any:
    for key in keys:
        if source.get(key) is not None:
            return source[key]
    return None


def _normalise_metric(metric: Any, index: int) -> dict:
    # Error messages only: built on every metric it would cost ~10% of a load.
    label = _LazyLabel(metric, index)
    if not isinstance(metric, dict):
        raise QCReadError(f"{label} must be an object, got {type(metric).__name__}")
    out = dict(metric)

    # 1.0 spellings.
    if "metric_status_history" in out:
        out.setdefault("status_history", out.pop("metric_status_history"))
        out.pop("metric_status_history", None)
    if "references" in out:
        refs = out.pop("references")
        if out.get("reference") is None and isinstance(refs, list) and refs:
            # DESIGN.md: `a;b` is how several references are written today.
            out["reference"] = ";".join(str(r) for r in refs)

    if "object_type" not in out:
        is_curation = "curation_history" in out or ("type" in out and isinstance(out.get("value"), list))
        out["object_type"] = CURATION_METRIC if is_curation else QC_METRIC

    out["modality"] = canonical_modality(out.get("modality"), label)
    out["stage"] = canonical_stage(out.get("stage"), label)
    value = out.get("value")
    if isinstance(value, dict | list) and depth_exceeds(value, MAX_VALUE_DEPTH):
        raise QCReadError(f"{label}: value is nested more than {MAX_VALUE_DEPTH} levels deep")

    tags = out.get("tags")
    if isinstance(tags, list):
        # Exactly the schema's fix_tag_lists.
        out["tags"] = {f"tag_{i + 1}": tag for i, tag in enumerate(tags)}
    elif tags is None:
        out["tags"] = {}

    out["status_history"] = normalise_history(out.get("status_history"), label)
    if "curation_history" in out and isinstance(out["curation_history"], list):
        out["curation_history"] = [
            with_timestamp(entry, label, "curation_history", i) for i, entry in enumerate(out["curation_history"])
        ]
    return out
