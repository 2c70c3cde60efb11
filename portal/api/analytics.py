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
from flask import request
from pydantic import Field

from portal.accounts.auth import require
from portal.api.http import api, json_response
from portal.api.models import _Out
from portal.api.reads import _model, stored_asset
from portal.errors import InvalidInput
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


OPENAPI_MODELS = (ExplainOut,)


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
                param("tag", text, "A tag `key:value` pair, or a bare tag value.")])}}
