"""Value types the QC domain hands to the store, the UI and the CLI.

They are plain frozen dataclasses so that every layer can rely on their fields
without importing pydantic models or aind-data-schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The three statuses of aind-data-schema, plus the two states an asset can be in
# when there is nothing to evaluate: no quality_control at all, or one we cannot read.
PASS = "Pass"  # noqa: S105 (a status, not a password)
FAIL = "Fail"
PENDING = "Pending"
NO_QC = "No QC"
UNREADABLE = "Unreadable"
STATUSES = (PASS, FAIL, PENDING)


@dataclass(frozen=True)
class StatusReport:
    """Statuses of one document, computed with aind-data-schema's own rules.

    `overall` is the status over every metric; the maps are keyed by modality
    abbreviation, stage value ("Raw data", ...) and tag `key:value` pair.
    """

    overall: str
    modality: dict[str, str] = field(default_factory=dict)
    stage: dict[str, str] = field(default_factory=dict)
    tag: dict[str, str] = field(default_factory=dict)
    # {(modality abbreviation, stage): status}: the overview's modality x stage cells.
    modality_stage: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricCounts:
    """How many metrics are in each status (the latest status of each metric)."""

    total: int = 0
    passed: int = 0
    failed: int = 0
    pending: int = 0


@dataclass(frozen=True)
class Review:
    """The most recent status entry written by a named evaluator."""

    evaluator: str
    at: datetime


@dataclass(frozen=True)
class MetricStatus:
    """One metric's own latest status (allow_tag_failures not applied, as in MetricCounts)."""

    name: str
    modality: str  # abbreviation
    stage: str  # "Raw data", "Processing", ...
    status: str
    value: float | None = None  # the value as one number (portal.qc.numeric), None when it is not numeric
    tolerated: bool = False  # a Fail that allow_tag_failures counts as Pass (status stays "Fail")


@dataclass(frozen=True)
class AssetSummary:
    """What the overview, the grid and `qc-portal show` need to know about an asset.

    `qc_state` is "ok" (a readable quality_control), "none" (the record has none)
    or "error" (it has one that cannot be read; `qc_error` says why).
    """

    id: str
    name: str
    project: str | None
    subject_id: str | None
    acquired: datetime | None
    level: str | None  # "raw" | "derived" | None
    source_data: tuple[str, ...]
    modalities: tuple[str, ...]  # abbreviations, from data_description (and the QC metrics)
    location: str | None
    qc_state: str
    qc_error: str | None
    schema_version: str | None
    status: StatusReport | None
    counts: MetricCounts
    last_review: Review | None
    # Every metric's status, in document order: the project page ranks metrics by these.
    metrics: tuple[MetricStatus, ...] = ()
    # Acquisition metadata (portal.qc.acquisition): the project page's by-instrument and
    # by-experimenter pass rates group by these.
    instrument: str | None = None
    experimenters: tuple[str, ...] = ()

    @property
    def overall_status(self) -> str:
        """Pass / Fail / Pending, or No QC / Unreadable when nothing can be evaluated."""
        if self.qc_state == "none":
            return NO_QC
        if self.qc_state == "error" or self.status is None:
            return UNREADABLE
        return self.status.overall
