"""QC in context: why a status is what it is (`GET /api/v1/assets/{name}/status/explain`).

The explanation is portal.qc.explain's: the status equals aind-data-schema's
`evaluate_status(modality=, stage=, tag=, date=)` on the normalised document, with the
metrics that make it Fail or Pending and the Fails `allow_tag_failures` tolerates, each
with the status entry in force at `date`. With a `date`, `changed` lists the metrics
whose counted status differs between then and now. Bad parameters are 422s.
"""

from __future__ import annotations

import re
from datetime import datetime

from aind_data_schema_models.modalities import Modality
from flask import Response, request
from pydantic import Field

from portal.accounts.auth import require
from portal.api.http import api, json_response
from portal.api.models import _Out
from portal.api.reads import _model, stored_asset
from portal.context import current_portal
from portal.errors import InvalidInput, NotFound
from portal.qc.explain import Explanation, changes_since, explain, parse_when
from portal.qc.fields import lookup_modality
from portal.qc.identity import MetricIndex

STAGES = ("Raw data", "Processing", "Analysis", "Multi-asset")
_EXPLAIN_KEYS = ("date", "modality", "stage", "tag")
_CONTROL = re.compile(r"[\x00-\x1f]")


class EntryOut(_Out):
    """The status entry in force at the date asked about."""

    evaluator: str = Field(description="Who wrote it (may be empty in real documents).")
    status: str
    timestamp: datetime


class ReasonOut(_Out):
    """A metric behind the status."""

    key: str = Field(description="The metric's key (unique in the document).")
    metric: str = Field(description="The metric's name.")
    status: str = Field(description="The metric's own status at the date.")
    tolerated: bool = Field(description="A Fail that allow_tag_failures counts as Pass.")
    entry: EntryOut


class ChangeOut(_Out):
    """A metric whose counted status differs between `date` and now."""

    key: str
    metric: str
    then: str
    now: str
    entry: EntryOut = Field(description="The entry in force now.")


class ExplainOut(_Out):
    """A status as aind-data-schema's evaluate_status gives it, and why."""

    status: str = Field(description="Pass, Fail or Pending: evaluate_status(modality, stage, tag, date).")
    date: datetime = Field(description="The moment evaluated (UTC); now when no date was asked for.")
    n: int = Field(description="How many metrics the filters select.")
    because: list[ReasonOut] = Field(description="Fail metrics, then Pending ones, then tolerated Fails.")
    changed: list[ChangeOut] | None = Field(
        default=None, description="With a date: metrics whose counted status changed since.")


def _reason(reason) -> ReasonOut:
    return ReasonOut(key=reason.key, metric=reason.metric, status=reason.status, tolerated=reason.tolerated,
                     entry=EntryOut(**reason.entry.__dict__))


def explanation_out(found: Explanation, changed=None) -> ExplainOut:
    """The API's shape of an explanation (and of the changes since its date)."""
    return ExplainOut(status=found.status, date=found.date, n=found.n, because=[_reason(r) for r in found.because],
                      changed=None if changed is None else [
                          ChangeOut(key=c.key, metric=c.metric, then=c.then, now=c.now,
                                    entry=EntryOut(**c.entry.__dict__)) for c in changed])


def explain_args(args) -> dict:
    """The explain filters of a query string, checked: InvalidInput (422) for what cannot be used."""
    unknown = sorted(key for key in args if key not in _EXPLAIN_KEYS)
    if unknown:
        raise InvalidInput(f"unknown query parameter: {', '.join(unknown)}")
    values = {key: args.get(key) for key in _EXPLAIN_KEYS if args.get(key) not in (None, "")}
    if any(_CONTROL.search(value) for value in values.values()):
        raise InvalidInput("query parameters may not contain control characters")
    out: dict = {"date": None, "modality": None, "stage": None, "tag": None}
    if "date" in values:
        try:
            out["date"] = parse_when(values["date"])
        except (ValueError, OverflowError):
            raise InvalidInput("date must be YYYY-MM-DD (the end of that day, UTC) or an ISO 8601 date-time") \
                from None
    if "modality" in values:
        known = lookup_modality(values["modality"])
        if known is None:
            raise InvalidInput(f"unknown modality {values['modality']!r}: send an abbreviation, e.g. ecephys")
        out["modality"] = known.abbreviation
    if "stage" in values:
        if values["stage"] not in STAGES:
            raise InvalidInput(f"stage must be one of {', '.join(STAGES)}")
        out["stage"] = values["stage"]
    if "tag" in values:
        out["tag"] = values["tag"]
    return out


@api.get("/assets/<name>/status/explain")
def explain_status(name: str):
    """Why the asset's status (or a modality's, stage's, tag's) is what it is, at `date`."""
    require("view")
    filters = explain_args(request.args)
    model = _model(stored_asset(name))
    if model is None:
        raise InvalidInput(f"{name} has no quality_control: its status is No QC")
    index = MetricIndex(model.metrics)
    found = explain(model, filters["date"], modality=filters["modality"], stage=filters["stage"],
                    tag=filters["tag"], index=index)
    changed = None
    if filters["date"] is not None:
        changed = changes_since(model, filters["date"], modality=filters["modality"], stage=filters["stage"],
                                tag=filters["tag"], index=index)
    return json_response(explanation_out(found, changed))


class BinOut(_Out):
    """One histogram bin: [lo, hi) (the last bin [lo, hi]) and its values per status."""

    lo: float
    hi: float
    passed: int = Field(alias="pass")
    failed: int = Field(alias="fail")
    pending: int


class DistributionOut(_Out):
    """A numeric metric's values across a project's assets (a list of numbers counts as its median)."""

    n: int = Field(description="How many metric values (assets x same-named metrics, e.g. per probe).")
    median: float
    mad: float = Field(description="Median absolute deviation (raw, not scaled); control limits: median +/- 3 MAD.")
    p5: float = Field(description="5th percentile (linear interpolation between closest ranks).")
    p95: float
    bins: list[BinOut] = Field(description="20 equal-width bins from the smallest to the largest value.")
    asset: float | None = Field(default=None, description="With `asset`: that asset's value (null if it has none).")
    asset_values: list[float] | None = Field(
        default=None, description="With `asset`: every value it has for this metric (one per tag set).")


_DISTRIBUTION_KEYS = ("metric", "modality", "stage", "asset")


def distribution_args(args) -> dict:
    """metric, modality, stage (required) and asset of a query string; InvalidInput otherwise."""
    unknown = sorted(key for key in args if key not in _DISTRIBUTION_KEYS)
    if unknown:
        raise InvalidInput(f"unknown query parameter: {', '.join(unknown)}")
    values = {key: args.get(key, "").strip() for key in _DISTRIBUTION_KEYS}
    if any(_CONTROL.search(value) for value in values.values()):
        raise InvalidInput("query parameters may not contain control characters")
    missing = [key for key in ("metric", "modality", "stage") if not values[key]]
    if missing:
        raise InvalidInput(f"missing query parameter: {', '.join(missing)}")
    known = lookup_modality(values["modality"])
    if known is None:
        raise InvalidInput(f"unknown modality {values['modality']!r}: send an abbreviation, e.g. ecephys")
    if values["stage"] not in STAGES:
        raise InvalidInput(f"stage must be one of {', '.join(STAGES)}")
    return {"metric": values["metric"], "modality": known.abbreviation, "stage": values["stage"],
            "asset": values["asset"] or None}


def distribution_out(found, *, with_asset: bool) -> DistributionOut:
    """The API's shape of a Distribution."""
    bins = [BinOut(lo=b.lo, hi=b.hi, **{"pass": b.passed, "fail": b.failed, "pending": b.pending})
            for b in found.bins]
    fields = dict(n=found.n, median=found.median, mad=found.mad, p5=found.p5, p95=found.p95, bins=bins)
    if with_asset:
        fields.update(asset=found.asset, asset_values=list(found.asset_values))
    return DistributionOut(**fields)


@api.get("/projects/<name>/metrics/distribution")
def metric_distribution(name: str):
    """A numeric metric's distribution across the project (from metric_values, never documents)."""
    require("view")
    if _CONTROL.search(name):
        raise NotFound(f"project {name!r} has no metrics")  # no stored name holds control characters
    args = distribution_args(request.args)
    found = current_portal().store.metric_distribution(name, args["metric"], args["modality"], args["stage"],
                                                       asset=args["asset"])
    out = distribution_out(found, with_asset=args["asset"] is not None)
    return Response(out.model_dump_json(by_alias=True, exclude_unset=True), mimetype="application/json")


OPENAPI_MODELS = (ExplainOut, DistributionOut)


def openapi_paths(operation, param, name_param) -> dict:
    """The OpenAPI description of this module's endpoints (portal.api.openapi's helpers passed in)."""
    text = {"type": "string", "pattern": "^[^\\x00-\\x1f]*$"}
    modalities = sorted({m().abbreviation for m in Modality.ALL})
    return {"/assets/{name}/status/explain": {"get": operation(
        "Why this status",
        "The status aind-data-schema's evaluate_status gives for the filters at `date`, the metrics that make "
        "it Fail or Pending, the Fails allow_tag_failures tolerates (each with its entry in force), and with a "
        "date what changed since.", "ExplainOut", ("404", "422"),
        params=[name_param,
                param("date", {"type": "string", "format": "date"},
                      "YYYY-MM-DD (the end of that day, UTC); an ISO 8601 date-time is accepted too. Default now."),
                param("modality", {"type": "string", "enum": modalities}, "A modality abbreviation."),
                param("stage", {"type": "string", "enum": list(STAGES)}, "A stage."),
                param("tag", text, "A tag `key:value` pair, or a bare tag value.")])},
        "/projects/{name}/metrics/distribution": {"get": _distribution_op(operation, param, modalities, text)}}


def _distribution_op(operation, param, modalities, text) -> dict:
    op = operation(
        "A metric's distribution in a project",
        "Count, median, MAD, 5th/95th percentiles and a 20-bin histogram per status of one numeric metric "
        "(name, modality, stage) across the project's assets (deleted ones excluded); a list of numbers counts "
        "as its median. Served from pre-written rows, never from documents. 404: no such metric (or asset) in "
        "the project; 422: the metric has no numeric values; 501: the store (DocDB) cannot answer.",
        "DistributionOut", ("404", "422"), tag="projects",
        params=[param("name", {"type": "string", "minLength": 1}, "Project name.", where="path", required=True),
                param("metric", {**text, "minLength": 1}, "Metric name.", required=True),
                param("modality", {"type": "string", "enum": modalities}, "Modality abbreviation.", required=True),
                param("stage", {"type": "string", "enum": list(STAGES)}, "Stage.", required=True),
                param("asset", text, "An asset's name: adds its value(s).")])
    op["responses"]["501"] = {"description": "The store cannot answer (DocDB).", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    return op
