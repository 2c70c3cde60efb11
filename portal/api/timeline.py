"""A metric's timeline over the API (`GET /api/v1/assets/{name}/metrics/timeline?key=`).

The view-model is portal.views.timeline's (the page `/asset/<name>/timeline` shows the same):
status entries with who, when, reason and comment, value and reference changes, newest first,
and where the audited history starts. Readable by everyone who may read the portal.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from flask import request
from pydantic import Field

from portal.accounts.auth import require
from portal.api.http import api, json_response
from portal.api.models import _Out
from portal.context import current_portal
from portal.errors import InvalidInput, NotFound
from portal.views.timeline import Timeline, load_timeline, selector
from portal.views.timeline_events import KINDS, VIAS

_KEYS = ("key", "metric")
_CONTROL = re.compile(r"[\x00-\x1f]")


class TimelineEventOut(_Out):
    """One event of a metric's timeline."""

    kind: Literal[KINDS] = Field(description="status (an entry of its status_history), value, reference (changed: "
                                             "`old` is the reference as it was), comment, added (a push or re-ingest "
                                             "added the metric), replaced (a push whose value and reference were not "
                                             "recorded).")
    at: datetime = Field(description="When (UTC).")
    who: str = Field(description="The evaluator, reviewer or ingest actor (a display name, never an account name).")
    via: Literal[VIAS] = Field(description="How it came: annotation, push, ingest, or document (a status entry the "
                                           "document holds that no audited portal write added).")
    by: str | None = Field(default=None, description="Who pushed it, when not `who` (a pipeline's entry).")
    status: str | None = None
    reason: str | None = Field(default=None, description="A Fail's reason (the project's fail reasons).")
    comment: str | None = None
    old: Any = Field(default=None, description="value / reference: before.")
    new: Any = Field(default=None, description="value / reference: after.")
    old_chars: int | None = Field(default=None, description="A value too large for the audit log: its size "
                                                            "(characters of JSON) instead of `old`.")
    new_chars: int | None = None


class TimelineOriginOut(_Out):
    """Where the audited history starts, and the value and reference from then on."""

    at: datetime | None = Field(description="null: the audit log has nothing on this asset.")
    how: Literal["created", "added", "audited", "none"] = Field(
        description="created (the asset's creation), added (the push or re-ingest that added the metric), "
                    "audited (the oldest write whose changes are known: before it, as ingested), none.")
    known: bool = Field(description="Every value and reference change since `at` is in the audit log.")
    who: str | None = None
    value: Any = None
    reference: str | None = None
    value_chars: int | None = None


class TimelineOut(_Out):
    """A metric's timeline: the metric now, its events newest first, and where they start."""

    asset: str
    key: str = Field(description="The metric's key (unique in the document).")
    metric: str = Field(description="The metric's name.")
    modality: str
    stage: str
    tags: dict[str, str]
    status: str = Field(description="Its own latest status now.")
    value: Any = None
    reference: str | None = None
    events: list[TimelineEventOut]
    origin: TimelineOriginOut
    missing: list[str] = Field(description="What this store cannot tell, in sentences.")


def timeline_out(found: Timeline) -> TimelineOut:
    """The API's shape of a timeline."""
    origin = found.origin
    return TimelineOut(
        asset=found.asset, key=found.key, metric=found.metric, modality=found.modality, stage=found.stage,
        tags=found.tags, status=found.status, value=found.value, reference=found.reference,
        events=[TimelineEventOut(**event.__dict__) for event in found.events],
        origin=TimelineOriginOut(at=origin.at, how=origin.how, known=origin.known, who=origin.who,
                                 value=origin.value, reference=origin.reference, value_chars=origin.value_chars),
        missing=list(found.missing))


@api.get("/assets/<name>/metrics/timeline")
def metric_timeline(name: str):
    """One metric's timeline, named by `key` or (when unique) `metric`."""
    require("view")
    unknown = sorted(key for key in request.args if key not in _KEYS)
    if unknown:
        raise InvalidInput(f"unknown query parameter: {', '.join(unknown)}")
    if _CONTROL.search(name):
        raise NotFound(f"Asset not found: {name}")  # no stored name holds control characters
    values = {key: request.args.get(key) for key in _KEYS}
    if any(value and _CONTROL.search(value) for value in values.values()):
        raise InvalidInput("query parameters may not contain control characters")
    # An unknown asset is a 404 whatever the query names (load_timeline looks the asset up first).
    found = load_timeline(current_portal().store, name, selector(values["key"], values["metric"]))
    return json_response(timeline_out(found))


OPENAPI_MODELS = (TimelineOut,)


def openapi_paths(operation, param, name_param) -> dict:
    """The OpenAPI description of this module's endpoint (portal.api.openapi's helpers passed in)."""
    text = {"type": "string", "pattern": "^[^\\x00-\\x1f]*$"}
    return {"/assets/{name}/metrics/timeline": {"get": operation(
        "A metric's timeline",
        "Every status entry of one metric (who, when, a Fail's reason, a comment), its value and reference "
        "changes (the reference as it was), newest first, from the document's status history, the portal's "
        "review entries and the audit log (this asset's rows only); `origin` says where the audited history "
        "starts and `missing` what the store cannot tell. Name the metric by `key` (GET .../qc) or, when its "
        "name is unique in the document, by `metric`. 404: no such asset or metric; 422: neither given, a "
        "name several metrics share, or a document that cannot be read.", "TimelineOut", ("404", "422"),
        params=[name_param, param("key", text, "The metric's key (from GET /assets/{name}/qc)."),
                param("metric", text, "The metric's name, when no other metric of the asset has it.")])}}
