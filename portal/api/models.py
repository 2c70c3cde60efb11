"""The REST API's request and response bodies, as pydantic models.

One source for three things: the server validates requests with them and builds its
responses through them, `portal.api.openapi` generates the OpenAPI description from
their JSON schemas, and the Python client (`portal.client`) parses answers into them.
Only pydantic here: importing this module must not pull in Flask or the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

Status = Literal["Pass", "Fail", "Pending"]


class _Out(BaseModel):
    # Answers may gain fields in later versions: a client of this version must still read them.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _In(BaseModel):
    # A misspelt field in a request is an error, not silently dropped.
    model_config = ConfigDict(extra="forbid")


class CurrentOut(_Out):
    """A conflicting metric as it is now: send `seen_history` (and the value as `seen_value`)
    with the error's `version` to resubmit over the conflict in one step."""

    seen_history: int | None = Field(default=None, description="How many status entries the metric has now.")
    status: str | None = Field(default=None, description="Its latest status now.")
    value: Any = Field(default=None, description="Its value now.")
    notes: str | None = Field(default=None, description="The asset's notes now (notes conflicts).")


class ConflictOut(_Out):
    """Someone else changed what this change changes since the version sent."""

    metric: str = Field(description='Metric name ("" for the asset notes).')
    key: str = Field(default="", description="The metric's key (unique in the document).")
    field: Literal["status", "value", "notes"]
    theirs: Any = Field(description="Their status entries, value or notes.")
    yours: Any = Field(description="What this request wanted to set.")
    current: CurrentOut | None = Field(default=None, description="What the metric (or the notes) holds now.")


class ErrorOut(_Out):
    """Every error of the API (and of the portal's other JSON routes) has this shape."""

    error: str = Field(description='A short title: "Not found", "Invalid input", "Conflict", ...')
    message: str = Field(description="One sentence saying what is wrong, for people.")
    version: int | None = Field(default=None, description="409 only: the asset's current version.")
    conflicts: list[ConflictOut] | None = Field(default=None, description="409 only: the conflicting entries.")


class AssetRowOut(_Out):
    """One asset of the listing: its summary columns (never the document)."""

    id: str
    name: str
    project: str | None
    subject_id: str | None
    acquired: datetime | None
    level: str | None
    source: str | None = Field(description="The raw asset a derived asset was made from.")
    modalities: list[str]
    status: str = Field(description="Pass, Fail, Pending, No QC or Unreadable.")
    modality_status: dict[str, str]
    total: int
    passed: int
    failed: int
    pending: int
    last_review_by: str | None
    last_review_at: datetime | None
    version: int


class AssetPageOut(_Out):
    """A page of the filtered, sorted listing."""

    rows: list[AssetRowOut]
    total: int = Field(description="How many assets match the filters (all pages).")
    offset: int
    limit: int
    next_offset: int | None = Field(description="The offset of the next page, null on the last one.")


class StatusOut(_Out):
    """QC status overall and per modality, stage and tag (the schema's own rules)."""

    overall: str
    modality: dict[str, str]
    stage: dict[str, str]
    tag: dict[str, str]


class MetricCountsOut(_Out):
    """How many metrics have each latest status."""

    total: int
    passed: int = Field(alias="pass")
    failed: int = Field(alias="fail")
    pending: int


class ReviewOut(_Out):
    """The latest status entry of the asset."""

    evaluator: str
    at: datetime | None


class AssetOut(_Out):
    """An asset's summary and statuses: the shape of `qc-portal show --json`."""

    id: str
    name: str
    project: str | None
    subject_id: str | None
    acquired: datetime | None
    level: str | None
    source_data: list[str]
    modalities: list[str]
    location: str | None
    qc_state: Literal["ok", "none", "error"] = Field(description="none: no quality_control; error: unreadable.")
    qc_error: str | None
    schema_version: str | None
    status: StatusOut
    metrics: MetricCountsOut
    last_review: ReviewOut | None
    version: int | None


class MetricKeyOut(_Out):
    """One metric of the document, in document order, with the key a change may send."""

    key: str = Field(description="Unique in the document and stable: send it as a change's `key`.")
    name: str
    modality: str = Field(description="The modality's abbreviation.")
    stage: str
    tags: dict[str, str]
    occurrence: int = Field(description="1 unless metrics equal in name, modality, stage and tags precede it.")
    status: str = Field(description="The metric's own latest status.")
    history: int = Field(description="How many status entries it has (send as `seen_history`).")


class EntryReviewOut(_Out):
    """What the portal kept with one status entry (never inside the document): a Fail's reason and
    the reviewer's comment. The entry is the metric's (`key`) entry of `timestamp` by `evaluator`."""

    key: str
    timestamp: str = Field(description="The status entry's timestamp (UTC).")
    evaluator: str
    status: str
    reason: str | None = None
    comment: str | None = None


class QualityControlOut(_Out):
    """An asset's quality_control, normalised to aind-data-schema 2.x, and its version."""

    version: int = Field(description="Send it back with annotations: a stale version is a 409.")
    quality_control: dict[str, Any] | None = Field(description="null when the asset has no QC yet.")
    metrics: list[MetricKeyOut] = Field(
        default_factory=list, description="Each metric of quality_control.metrics (same order) with its key.")
    reviews: list[EntryReviewOut] = Field(
        default_factory=list, description="Reasons and comments of status entries, oldest first (kept by the portal, "
        "not in quality_control).")


class MetricsIn(_In):
    """Metrics to add or replace: 2.x metric dicts, or one 1.x QCEvaluation.

    A metric whose name the asset already has is replaced, keeping every status entry
    it had. In a multipart request this object is the `payload` field (JSON text); its
    files are the `files` fields, and a metric's `reference` naming a file's name is
    rewritten to where the file was stored.
    """

    metrics: list[dict[str, Any]] | None = Field(
        default=None, description="QCMetric / CurationMetric objects (aind-data-schema 2.x).", max_length=5000)
    evaluation: dict[str, Any] | None = Field(default=None, description="A 1.x QCEvaluation (normalised to 2.x).")
    allow_tag_failures: list[str] = Field(default_factory=list, description="Tags whose failures count as Pass.")


class StoredFileOut(_Out):
    """A reference file stored with the asset."""

    name: str = Field(description="The file's name as uploaded (sanitised).")
    reference: str = Field(description="Where it is, relative to the asset: use it as a metric's reference.")
    size: int


class MetricsOut(_Out):
    """What adding metrics did."""

    version: int
    added: list[str]
    replaced: list[str]
    files: list[StoredFileOut] = Field(default_factory=list)


class EvaluationIn(_In):
    """The body of AIND's `POST /v1/add_qc_evaluation` (portal.api.aind)."""

    data_asset_id: str = Field(min_length=1, max_length=500, description="The asset's DocDB `_id` or its name.")
    qc_evaluation: dict[str, Any] | list[dict[str, Any]] = Field(
        description="A 1.x QCEvaluation (with `metrics`), or a 2.x QCMetric / CurationMetric, or a list of them.")


class EvaluationOut(_Out):
    """What `add_qc_evaluation` did: the asset, its version afterwards, the metrics added and replaced."""

    # AIND's gateway answers {"acknowledged": true}: a capsule that reads it keeps working.
    acknowledged: bool = True
    data_asset_id: str = Field(description="The asset's id.")
    name: str
    version: int
    added: list[str]
    replaced: list[str]


class ChangeIn(_In):
    """One change to one metric: a new status (appended to its history), a value, a comment.

    Name the metric by `key` (from GET .../qc), or by `metric` (its name) plus, where names
    repeat, `modality`, `stage`, `tags` and `occurrence`. A change that matches several
    metrics is a 422 naming the candidates, and nothing of the request is written.
    """

    metric: str | None = Field(default=None, min_length=1, max_length=1000, description="The metric's name.")
    key: str | None = Field(default=None, min_length=1, max_length=5000, description="The metric's key.")
    modality: str | None = Field(default=None, max_length=200, description="Modality abbreviation or name.")
    stage: str | None = Field(default=None, max_length=100, description='"Raw data", "Processing", ...')
    tags: dict[str, str] | None = Field(default=None, description="Tag pairs the metric holds (all of them).")
    occurrence: int | None = Field(
        default=None, ge=1, le=1_000_000,
        description="The n-th (1-based, document order) of the metrics the other fields match.")
    status: Status | None = None
    value: Any = Field(default=None, description="Set the value (omit the key to leave it; null clears it).")
    comment: str | None = Field(default=None, max_length=10_000, description="Written to the audit log (and, with "
                                "a status, kept with its entry).")
    reason: str | None = Field(default=None, min_length=1, max_length=200, description="Why a Fail: one of the "
                               "project's fail reasons (required with a Fail when the project lists some).")
    seen_history: int | None = Field(
        default=None, ge=0,
        description="How many status entries you saw. On a stale version, a status change conflicts only when "
        "entries were added since; without it, it always conflicts.")
    seen_value: Any = Field(
        default=None,
        description="The value you saw (omit the key if you did not look). On a stale version, a value change "
        "conflicts only when the value changed since; without it, it always conflicts.")


class AnnotationIn(_In):
    """Changes made on `version` of the asset (from GET .../qc)."""

    version: int = Field(ge=1)
    changes: list[ChangeIn] = Field(default_factory=list, max_length=5000)
    notes: str | None = Field(default=None, max_length=100_000, description="The asset's QC notes (omit: unchanged).")
    seen_notes: str | None = Field(
        default=None, description="The notes you saw: on a stale version, new notes conflict only if they changed.")
    # Strict: "yes", "true", 1 are not booleans (pydantic would read them as True): 422.
    force: StrictBool = Field(default=False, description="Apply even over conflicts (your entries are appended).")


class ChangeOut(_Out):
    """One change made."""

    metric: str
    key: str = ""
    field: str
    old: Any = None
    new: Any = None


class AnnotationOut(_Out):
    """The changes were applied: the asset's new version and what changed."""

    applied: StrictBool
    version: int
    changes: list[ChangeOut]


class GroupCountOut(_Out):
    """Assets whose `by` value is `key` and whose overall status is `status`."""

    key: str | None
    status: str
    n: int


class ModalityCountOut(_Out):
    """Assets of one project and modality whose status for that modality is `status`."""

    project: str
    modality: str
    status: str
    n: int


class SummaryOut(_Out):
    """Grouped counts of the filtered assets."""

    total: int
    status: dict[str, int] = Field(description="Assets per overall status.")
    by: Literal["project", "subject", "level", "week", "source"]
    groups: list[GroupCountOut]
    modality: list[ModalityCountOut]


class UserOut(_Out):
    """Who the request acts as."""

    name: str
    display_name: str
    role: str


# -- events and the asset lifecycle (portal.api.events, portal.api.lifecycle) --

EventType = Literal["annotation", "metric_added", "metric_failed", "asset_created", "asset_deleted",
                    "asset_restored", "asset_renamed"]


class EventOut(_Out):
    """One event of the log (also the body of a webhook delivery)."""

    id: int = Field(description="Unique, never reused; receivers deduplicate by it.")
    cursor: str = Field(description="This event's position: pass it as `after` to read what follows.")
    type: EventType
    at: datetime = Field(description="When it happened (UTC).")
    asset: str = Field(description="The asset's name when it happened.")
    asset_id: str
    metric: str | None = Field(description="The metric's key (annotation, metric_added, metric_failed), else null.")
    user: str = Field(description="The account that did it (`ingest`, or the --actor, for ingests).")
    detail: dict[str, Any] = Field(description="What changed: per type, see the README.")


class EventPageOut(_Out):
    """Events after the cursor sent, oldest first."""

    events: list[EventOut]
    next_cursor: str = Field(description="Send it as `after` next time (also when `events` is empty).")


class AssetIn(_In):
    """An asset made by a pipeline: its data description (aind-data-schema's DataDescription) and
    optionally where its files are."""

    data_description: dict[str, Any] = Field(description="Validated with aind-data-schema; `name`, when given, "
                                                         "must be the name in the URL.")
    location: str | None = Field(default=None, description="s3://bucket/prefix, or a folder under the asset roots.")


class AssetLifecycleOut(_Out):
    """What `PUT /assets/{name}` did."""

    id: str
    name: str
    action: Literal["created", "updated", "unchanged"]
    version: int
