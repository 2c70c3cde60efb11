"""Load a quality_control document into the schema's model, fast, with clear errors.

`QualityControl.model_validate` costs ~27 ms on a real 182-metric document
(compute_status is quadratic, and every nested model runs Python validators that
regex their own class name and dump themselves). Ingest needs hundreds of
documents a second, so `load_qc`:

1. normalises the layout (normalize.py);
2. validates the metrics with *mirror* models: pydantic models built at import from
   the schema's own field definitions (same annotations, constraints and config),
   minus the Python validators that are no-ops once the document is normalised
   (`coerce_object_type`: the discriminator already picked the class;
   `fix_tag_lists`: normalise did it; `unit_validator`: these models have no
   `*_unit` fields, checked at import);
3. runs the schema's remaining "after" validators (today `validate_multi_asset`)
   by calling the schema's own functions;
4. builds the real `QCMetric`/`CurationMetric`/`QCStatus`/`CurationHistory`
   objects the way `model_construct` does (`_construct`), and `QualityControl`
   with `model_construct`, skipping `compute_status`; `status` comes from
   `evaluate` (same keys and values).

If an aind-data-schema upgrade adds a validator this module does not know, every
load takes the exact slow path (`model_validate`) and logs a warning.
`summarise` stops after step 3 (`validate_view`): it needs statuses, not models.
tests/test_qc_status.py checks the result equals a full `model_validate`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from datetime import UTC
from typing import Annotated, Any, NamedTuple, Union

from aind_data_schema.core.quality_control import (
    CurationHistory,
    CurationMetric,
    QCMetric,
    QCStatus,
    QualityControl,
)
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model
from pydantic_core import to_jsonable_python

from portal.qc.normalize import QCReadError, normalise
from portal.qc.status import evaluate, status_dict
from portal.qc.types import StatusReport

logger = logging.getLogger(__name__)

__all__ = ["QCReadError", "QCView", "dump_qc", "load_qc", "load_qc_with_report", "validate_view"]

# Validators of the schema models that normalisation makes redundant (see module doc).
# A test pins the full validator sets, so a schema upgrade adding one is noticed.
_REDUNDANT_BEFORE = {"coerce_object_type", "fix_tag_lists", "fix_default_grouping_list"}
_REDUNDANT_AFTER = {"unit_validator", "compute_status", "coordinate_system_validator"}
_TOP_LEVEL_FIELDS = ("key_experimenters", "notes", "default_grouping", "allow_tag_failures")


def _mirror(model: type[BaseModel], replace: dict[str, Any] | None = None) -> type[BaseModel]:
    """A validator-free pydantic model with `model`'s fields and config (annotations overridable)."""
    fields = {}
    for name, info in model.model_fields.items():
        info = copy.copy(info)
        annotation = (replace or {}).get(name, info.annotation)
        info.annotation = annotation
        fields[name] = (annotation, info)
    config = ConfigDict(**model.model_config)
    return create_model(f"_Mirror{model.__name__}", __config__=config, **fields)


def _has_unit_fields(*models: type[BaseModel]) -> bool:
    return any("_unit" in name for model in models for name in model.model_fields)


if _has_unit_fields(QCMetric, CurationMetric, QCStatus, CurationHistory):  # pragma: no cover
    # unit_validator would no longer be a no-op: keep it.
    _REDUNDANT_AFTER = _REDUNDANT_AFTER - {"unit_validator"}

_MirrorQCStatus = _mirror(QCStatus)
_MirrorCurationHistory = _mirror(CurationHistory)
_MirrorQCMetric = _mirror(QCMetric, {"status_history": list[_MirrorQCStatus]})
_MirrorCurationMetric = _mirror(
    CurationMetric,
    {"status_history": list[_MirrorQCStatus], "curation_history": list[_MirrorCurationHistory]},
)
_REAL = {
    _MirrorQCStatus: QCStatus,
    _MirrorCurationHistory: CurationHistory,
    _MirrorQCMetric: QCMetric,
    _MirrorCurationMetric: CurationMetric,
}
_METRICS = TypeAdapter(
    list[Annotated[Union[_MirrorQCMetric, _MirrorCurationMetric], Field(discriminator="object_type")]]  # noqa: UP007
)
_TopLevel = create_model(
    "_QualityControlTopLevel",
    __config__=ConfigDict(extra="forbid"),
    **{
        name: (QualityControl.model_fields[name].annotation, QualityControl.model_fields[name])
        for name in _TOP_LEVEL_FIELDS
    },
)
# Keys QualityControl accepts besides the validated top-level fields.
_IGNORED_TOP_LEVEL = {"metrics", "describedBy", "schema_version", "object_type", "status"}


def _after_validators(model: type[BaseModel]) -> list:
    return [
        decorator.func
        for name, decorator in model.__pydantic_decorators__.model_validators.items()
        if decorator.info.mode == "after" and name not in _REDUNDANT_AFTER
    ]


def _unaccounted_validators() -> list[str]:
    """Schema validators the fast path neither runs nor knows to be redundant.

    Non-empty only after an aind-data-schema upgrade adds one; `load_qc` then takes
    the slow, exact path (full model_validate) until someone reviews read.py.
    """
    found = []
    for model in (QCStatus, CurationHistory, QCMetric, CurationMetric, QualityControl):
        decorators = model.__pydantic_decorators__
        for name, decorator in decorators.model_validators.items():
            mode = decorator.info.mode
            redundant = name in (_REDUNDANT_BEFORE if mode == "before" else _REDUNDANT_AFTER)
            # The metric models' remaining "after" validators are run by _check_after.
            runs = mode == "after" and model is not QualityControl
            if not (redundant or runs):
                found.append(f"{model.__name__}.{name}")
        for name in decorators.field_validators:
            if (model, name) != (QualityControl, "coerce_version"):  # schema_version is set, not read
                found.append(f"{model.__name__}.{name}")
    return found


_UNACCOUNTED = _unaccounted_validators()
_NESTED = ("status_history", "curation_history")
_AFTER = {model: _after_validators(model) for model in (QCStatus, CurationHistory, QCMetric, CurationMetric)}
# Per metric model, per history field: whether its entries have validators to run (the entry
# models hold no histories of their own).
_HISTORY_CHECKED = {
    QCMetric: {"status_history": bool(_AFTER[QCStatus])},
    CurationMetric: {"status_history": bool(_AFTER[QCStatus]), "curation_history": bool(_AFTER[CurationHistory])},
}


def _plain(model: type[BaseModel]) -> bool:
    """True when `model_construct` would do nothing but set the instance's slots."""
    return not (
        model.__pydantic_post_init__
        or model.__pydantic_root_model__
        or model.model_config.get("extra") == "allow"
        or any(f.alias or f.validation_alias for f in model.model_fields.values())
    )


_PLAIN = {model: _plain(model) for model in _AFTER}


def _construct(model: type[BaseModel], values: dict, fields_set: set[str]) -> BaseModel:
    """`model.model_construct` for a complete, already validated `values` dict.

    For models without aliases, extras or post-init, `model_construct` only fills
    defaults (the mirror's validation already did) and sets these four slots; doing
    it directly halves the cost of loading a document.
    """
    if not _PLAIN[model]:  # pragma: no cover - no such model in the schema today
        return model.model_construct(_fields_set=fields_set, **values)
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", fields_set)
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


def _check_after(obj: BaseModel, label: str) -> None:
    """Run the schema's remaining "after" validators on a mirror object and its histories.

    They only read attributes, which the mirror has under the same names.
    """
    real = _REAL[type(obj)]
    try:
        for check in _AFTER[real]:
            check(obj)
    except ValueError as exc:
        raise QCReadError(f"{label}: {str(exc).splitlines()[0]}") from None
    for name in _NESTED:
        entries = obj.__dict__.get(name)
        # Histories whose models have no validator left (QCStatus, CurationHistory today) are
        # skipped whole: a call per entry was a tenth of validating a small document.
        if entries and _HISTORY_CHECKED.get(real, {}).get(name, True):
            for entry in entries:
                _check_after(entry, label)


def _realise(obj: BaseModel) -> BaseModel:
    """Turn a validated mirror object into the schema's own model (histories included)."""
    # The mirror is thrown away, so its __dict__ and fields-set can be handed over.
    values = obj.__dict__
    # Only the histories hold nested models; `value` may be a long list, leave it be.
    for name in _NESTED:
        if name in values:
            values[name] = [_realise(entry) for entry in values[name]]
    return _construct(_REAL[type(obj)], values, obj.__pydantic_fields_set__)


# --------------------------------------------------------------------------- errors


def _loc(parts: tuple) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _one_line(error: ValidationError, metrics: list | None = None) -> str:
    """First pydantic error as `metric '<name>': <field>: <message>`, on one line."""
    errors = error.errors(include_url=False)
    first = errors[0]
    loc = tuple(first.get("loc", ()))
    prefix = ""
    if metrics is not None and len(loc) > 1 and loc[0] == "metrics" and isinstance(loc[1], int):
        loc = loc[1:]  # from a full QualityControl validation (the slow path)
    if metrics is not None and loc and isinstance(loc[0], int):
        index = loc[0]
        name = metrics[index].get("name") if index < len(metrics) else None
        prefix = f"metric '{name}'" if isinstance(name, str) and name else f"metric #{index}"
        loc = loc[1:]
        # The discriminated union puts the chosen object_type in the location.
        if loc and loc[0] in ("QC metric", "Curation metric"):
            loc = loc[1:]
    message = str(first.get("msg", "invalid")).replace("\n", " ")
    field = _loc(loc)
    text = ": ".join(part for part in (prefix, field, message) if part)
    if first.get("type") not in ("missing", "extra_forbidden") and "input" in first:
        shown = repr(first["input"])
        text += f" (got {shown if len(shown) <= 60 else shown[:57] + '...'})"
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    return text


# --------------------------------------------------------------------------- API


class QCView(NamedTuple):
    """A validated document as mirror objects: enough for evaluate/counts/last_review.

    Building the schema's own objects costs ~20% of a load; summaries do not need them.
    """

    metrics: list
    allow_tag_failures: list[str]
    top: BaseModel | None
    model: QualityControl | None = None  # set by the slow path only


def validate_view(raw: dict) -> QCView:
    """Normalise and validate `raw` exactly as `load_qc` does, without building the model.

    Raises QCReadError on the same documents, with the same messages.
    """
    data = normalise(raw)
    metrics_raw = data["metrics"]
    if _UNACCOUNTED:
        return _slow_view(data)
    try:
        mirrored = _METRICS.validate_python(metrics_raw)
    except ValidationError as exc:
        raise QCReadError(_one_line(exc, metrics_raw)) from None
    for index, metric in enumerate(mirrored):
        _check_after(metric, f"metric '{metric.name}'" if metric.name else f"metric #{index}")

    unknown = sorted(k for k in data if k not in _IGNORED_TOP_LEVEL and k not in _TOP_LEVEL_FIELDS)
    if unknown:
        raise QCReadError(f"quality_control.{unknown[0]}: unknown field")
    try:
        top = _TopLevel.model_validate({k: data[k] for k in _TOP_LEVEL_FIELDS if k in data})
    except ValidationError as exc:
        raise QCReadError("quality_control." + _one_line(exc)) from None
    return QCView(metrics=mirrored, allow_tag_failures=top.allow_tag_failures, top=top)


def _slow_view(data: dict) -> QCView:
    """Full `QualityControl.model_validate`: exact whatever the schema's validators do."""
    logger.warning("aind-data-schema has validators portal.qc.read does not know: %s", ", ".join(_UNACCOUNTED))
    try:
        # normalise has already converted list tags, so fix_tag_lists does not warn.
        qc = QualityControl.model_validate(data)
    except ValidationError as exc:
        raise QCReadError(_one_line(exc, data["metrics"])) from None
    except (ValueError, IndexError) as exc:
        raise QCReadError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    return QCView(metrics=qc.metrics, allow_tag_failures=qc.allow_tag_failures, top=None, model=qc)


def load_qc_with_report(raw: dict) -> tuple[QualityControl, StatusReport]:
    """`load_qc`, also returning the StatusReport it computed (saves a second pass)."""
    view = validate_view(raw)
    if view.model is not None:
        qc, metrics = view.model, view.model.metrics
    else:
        metrics = [_realise(metric) for metric in view.metrics]
        qc = QualityControl.model_construct(metrics=metrics, **view.top.__dict__)
    report = evaluate(qc)
    # compute_status leaves status alone when there are no metrics; the stored one
    # was dropped by normalise, so that is None.
    qc.status = status_dict(report) if metrics else None
    return qc, report


def load_qc(raw: dict) -> QualityControl:
    """Normalise and validate a quality_control document of any layout.

    Returns a `QualityControl` equal to what `QualityControl.model_validate` gives for
    the normalised document, with `status` recomputed (never the stored one).
    Raises QCReadError with a one-line, user-facing message naming the metric and field.
    """
    # No aind-data-schema DeprecationWarning can fire here: normalise converts list
    # tags itself and the schema's fix_tag_lists never runs. (warnings.catch_warnings
    # would not be safe anyway: it swaps process-wide state under threaded workers.)
    return load_qc_with_report(raw)[0]


def dump_qc(qc: QualityControl, *, previous: dict | None = None, changed: Sequence[int] = ()) -> dict:
    """A JSON-ready dict of `qc`, with `status` recomputed and every timestamp in UTC.

    Use this to write a document back: status is never stale (mutating
    status_history does not recompute it in the model), naive timestamps cannot slip
    through (they would be read in the server's local zone).

    `previous`: `dump_qc` of this document before only the metrics at positions `changed`
    (and top-level fields) were changed; the other metrics' dicts are taken from it instead
    of being dumped again (the same serializer dumps the changed ones, so the result equals
    a whole dump; tests/test_loaded_documents.py holds the two equal).
    """
    if previous is None:
        data = qc.model_dump(mode="json")
        _utc_timestamps(qc.metrics, data.get("metrics") or [])
    else:
        part = qc.model_copy(update={"metrics": [qc.metrics[p] for p in changed]})
        data = part.model_dump(mode="json")
        _utc_timestamps(part.metrics, data["metrics"])
        metrics = list(previous["metrics"])
        for position, dumped in zip(changed, data["metrics"], strict=True):
            metrics[position] = dumped
        data["metrics"] = metrics
    data["status"] = status_dict(evaluate(qc)) if qc.metrics else None
    return data


def _utc_timestamps(metrics, dumped_metrics: list) -> None:
    """Write each status and curation timestamp of `dumped_metrics` in UTC."""
    for metric, dumped in zip(metrics, dumped_metrics, strict=True):
        for entry, out in zip(metric.status_history, dumped.get("status_history") or [], strict=True):
            out["timestamp"] = _utc_json(entry.timestamp)
        for entry, out in zip(
            getattr(metric, "curation_history", None) or [], dumped.get("curation_history") or [], strict=True
        ):
            out["timestamp"] = _utc_json(entry.timestamp)


def _utc_json(moment) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_jsonable_python(moment.astimezone(UTC))
