"""The asset store's contract: value types and the protocol every backend implements.

The overview, the grid, the CLI and the API talk to a store only through this
protocol, so the SQL backends and DocDB are interchangeable and run one shared
contract test suite (tests/store_contract.py).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from portal.qc.types import AssetSummary
from portal.store.count_types import (  # noqa: F401 (re-exported)
    STATUS_GROUPS,
    CountRow,
    GroupCount,
    MetricCountRow,
    StageCountRow,
    SubjectCountRow,
)
from portal.store.edits import (  # noqa: F401 (re-exported: the store's contract names them)
    UNSET,
    Actor,
    AnnotateResult,
    Annotation,
    Conflict,
    MetricEdit,
    MetricsResult,
)
from portal.store.project_types import CellRow, ProjectMetricRow, QCTime, TrendPoint  # noqa: F401 (re-exported)
from portal.store.queue_types import REVIEW_ORDERS, QueueAsset, QueuePage, queue_sort_value  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from portal.review.metrics_merge import MetricsPayload

# Columns the asset listing can be sorted by (the grid's field ids).
SORTABLE = (
    "name",
    "project",
    "subject_id",
    "acquired",
    "level",
    "status",
    "pending",
    "fail",
    "last_review",
)


@dataclass(frozen=True)
class AssetQuery:
    """Filters shared by the listing, the counts and the export (URL keys in comments)."""

    project: tuple[str, ...] = ()  # project
    modality: tuple[str, ...] = ()  # modality (abbreviations)
    subject: tuple[str, ...] = ()  # subject
    status: tuple[str, ...] = ()  # status: Pass / Fail / Pending / No QC / Unreadable
    level: tuple[str, ...] = ()  # level: raw / derived
    acquired_from: date | None = None  # from (inclusive)
    acquired_to: date | None = None  # to (inclusive)
    text: str = ""  # q: case-insensitive substring of the asset name
    source: tuple[str, ...] = ()  # source: derived assets made from these raw assets
    metric: tuple[str, ...] = ()  # metric: assets with a metric of one of these names...
    metric_status: tuple[str, ...] = ()  # metric_status: ...whose own status is one of these
    pending: bool = False  # pending=1: assets with at least one Pending metric
    # <field>_contains: (field, text) pairs from the grid's column filters: assets whose
    # field holds `text`, ignoring case. A field's exact values and its texts are OR-ed
    # (the grid shows them as conditions of one column filter); fields are AND-ed.
    contains: tuple[tuple[str, str], ...] = ()

    def needles(self, field: str) -> tuple[str, ...]:
        """The texts (lower case) the `field` must contain, one of them (see `contains`)."""
        return tuple(text.lower() for name, text in self.contains if name == field)


# The fields `AssetQuery.contains` may name (the overview's column filters).
CONTAINS_FIELDS = ("project", "subject", "modality", "status", "level", "source")


def wants_modality(query: AssetQuery, modality: str) -> bool:
    """Whether counts per modality keep this modality's rows: all of them without a modality
    filter, else those the filter names or that hold one of its texts."""
    needles = query.needles("modality")
    if not query.modality and not needles:
        return True
    return modality in query.modality or any(needle in modality.lower() for needle in needles)


def acquired_range(query: AssetQuery) -> tuple[datetime | None, datetime | None]:
    """The query's acquisition dates as UTC [start, end) datetimes; None where unbounded.

    `to` is inclusive, so the end is the next midnight; the last representable day
    means no upper bound (its next day would overflow).
    """
    start = datetime.combine(query.acquired_from, time.min, UTC) if query.acquired_from else None
    end = None
    if query.acquired_to and query.acquired_to < date.max:
        end = datetime.combine(query.acquired_to + timedelta(days=1), time.min, UTC)
    return start, end


@dataclass(frozen=True)
class Sort:
    """A sort on one of SORTABLE; ties are broken by name so pages are stable.

    `grouped`: derived assets are listed right under their raw asset. The listing is
    then ordered by family (a raw asset and the derived assets whose source it is): each
    family where its raw asset's value sorts (when the raw asset is not among the
    matches, where its first member sorts), the raw asset first, its derived assets
    after it by name.
    """

    field: str = "acquired"
    descending: bool = True
    grouped: bool = False


@dataclass(frozen=True)
class AssetRow:
    """One row of the asset listing: the summary columns, never the document."""

    id: str
    name: str
    project: str | None
    subject_id: str | None
    acquired: datetime | None
    level: str | None
    source: str | None
    modalities: tuple[str, ...]
    status: str
    modality_status: dict[str, str]
    total: int
    passed: int
    failed: int
    pending: int
    last_review_by: str | None
    last_review_at: datetime | None
    version: int


@dataclass(frozen=True)
class Page:
    """A page of the listing and the number of rows matching the query."""

    rows: list[AssetRow]
    total: int


@dataclass(frozen=True)
class StoredAsset:
    """An asset as stored: its record (with quality_control), version and (computed when first
    asked for: most callers only need the id or the record) its summary."""

    id: str
    name: str
    version: int
    record: dict[str, Any]

    @cached_property
    def summary(self) -> AssetSummary:
        """The record's AssetSummary (portal.qc.summarise), computed once."""
        from portal.qc.summary import summarise

        return summarise(self.record)

    @classmethod
    def with_summary(cls, id: str, name: str, version: int, record: dict, summary: AssetSummary) -> StoredAsset:
        """A StoredAsset whose summary the caller already computed."""
        asset = cls(id, name, version, record)
        asset.__dict__["summary"] = summary  # cached_property's own slot: not computed again
        return asset


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did: "created", "updated", "unchanged" or "error" (with `error`)."""

    id: str
    name: str
    action: str
    error: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One row of the append-only audit log."""

    at: datetime
    user: str
    asset_id: str
    asset_name: str
    action: str
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LifecycleResult:
    """What a lifecycle operation did to an asset: "created", "updated", "unchanged", "deleted",
    "restored" or "renamed", and the asset's id, (new) name and version afterwards."""

    id: str
    name: str
    action: str
    version: int


@dataclass(frozen=True)
class DeletedAsset:
    """A soft-deleted asset: hidden everywhere, restorable."""

    id: str
    name: str
    deleted_at: datetime
    deleted_by: str


class AssetStore(Protocol):
    """The operations every asset-store backend provides."""

    def ping(self) -> None:
        """Raise StoreUnavailable if the store does not answer."""

    def snapshot(self) -> Hashable | None:
        """A token of the store's committed state now: two equal tokens mean nothing was
        committed between them (by any process). None when the store cannot tell; then
        nothing read from it is reused (portal.views.remembered)."""

    def upsert_many(
        self, records: Iterable[dict], *, actor: str = "ingest", strict: bool = False, dry_run: bool = False
    ) -> list[UpsertResult]:
        """Insert or update records (matched by id, then name), merging portal-made edits.

        One bad record gives an "error" result and never stops the others; with
        `strict`, a record whose quality_control cannot be read is refused. With
        `dry_run`, every check and merge runs and the results say what would happen, but
        nothing is written (no asset, no audit row).
        """

    def get(self, key: str) -> StoredAsset | None:
        """The asset with this name or id, or None."""

    def project_of(self, key: str) -> str | None:
        """The project of the asset with this name or id (None: none, or no such asset), without
        reading the whole document (a write's policy and reason checks)."""

    def list_assets(
        self, query: AssetQuery, sort: Sort = Sort(), offset: int = 0, limit: int = 100
    ) -> Page:
        """A filtered, sorted page of asset rows and the total matching the query."""

    def iter_assets(self, query: AssetQuery, sort: Sort = Sort(), batch: int = 1000) -> Iterable[AssetRow]:
        """Every row matching the query, fetched in batches (for exports)."""

    def counts(self, query: AssetQuery) -> list[CountRow]:
        """Assets per project x modality x status for the filtered set."""

    def status_totals(self, query: AssetQuery) -> dict[str, int]:
        """Assets per overall status for the filtered set."""

    def status_counts(self, query: AssetQuery, by: str) -> list[GroupCount]:
        """Assets per `by` value (one of STATUS_GROUPS) x overall status for the filtered set."""

    def subject_counts(self, query: AssetQuery) -> list[SubjectCountRow]:
        """Assets per subject x modality x modality-status for the filtered set."""

    def stage_counts(self, query: AssetQuery) -> list[StageCountRow]:
        """Assets per modality x stage x status (of that modality and stage's metrics)."""

    def metric_counts(self, query: AssetQuery) -> list[MetricCountRow]:
        """Metrics per name x modality x stage x own status, over the filtered assets."""

    def facets(self) -> dict[str, Sequence[str]]:
        """Distinct values for the filter bar: project, modality, subject, level."""

    def annotate(self, annotation: Annotation, *, user: Actor | str) -> AnnotateResult:
        """Apply a reviewer's edits atomically with conflict detection, and audit them
        (status entries under the actor's display name, the audit row under its account)."""

    def add_metrics(self, asset: str, payload: MetricsPayload, *, user: Actor | str) -> MetricsResult:
        """Add or replace metrics in the asset's quality_control atomically, and audit it.

        The rules are portal.review.metrics_merge's (a metric replaced keeps every status entry
        it had); an asset without quality_control gets one. NotFound for an unknown
        asset, InvalidInput when the stored document cannot be read or the result does
        not validate (nothing is written then).
        """

    def audit_log(self, *, asset: str | None = None, user: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest audit entries, optionally for one asset or user."""

    # -- lifecycle (portal.store.sql.lifecycle; a DocDB store refuses what DocDB owns) --

    def create_asset(self, name: str, record: dict, *, user: str) -> LifecycleResult:
        """Create the asset `name` from `record` (data_description, location), or replace those of
        the asset of that name (its quality_control is kept). Conflict for a deleted or renamed name."""

    def delete_asset(self, key: str, *, user: str) -> LifecycleResult:
        """Soft-delete an asset: hidden from every read, kept with its audit log, restorable."""

    def restore_asset(self, key: str, *, user: str) -> LifecycleResult:
        """Bring a deleted asset back as it was."""

    def rename_asset(self, key: str, new_name: str, *, user: str) -> LifecycleResult:
        """Rename an asset; the old name keeps finding it."""

    def deleted_assets(self, limit: int = 1000) -> list[DeletedAsset]:
        """Deleted assets, most recently deleted first."""

    def is_deleted(self, key: str) -> bool:
        """True when the asset `key` is soft-deleted (cheap: for caches of its details)."""

    def renamed_to(self, key: str) -> str | None:
        """The current name of the asset `key` is an old name (or old id) of; None otherwise."""

    def metric_distribution(self, project: str, metric: str, modality: str, stage: str, *,
                            asset: str | None = None):
        """One numeric metric's values across a project's visible assets
        (portal.qc.stats.Distribution, served from pre-written rows, never documents);
        NotFound for no such metric or asset, InvalidInput when it has no numbers. Stores that
        cannot answer it raise Unsupported (501)."""

    # -- the project page (SQL stores: portal.store.sql.project_reads; DocDB: Unsupported) --

    def project_metric_table(self, project: str, *, groups: bool = False,
                             names: Sequence[str] | None = None) -> list[ProjectMetricRow]:
        """Pre-aggregated per-metric counts of a project: all assets, or with `groups` per instrument
        and per experimenter (only the metrics named `names` when given)."""

    def project_group_totals(self, project: str) -> list[ProjectMetricRow]:
        """Per instrument and per experimenter, every metric's counts summed (name "")."""

    def project_cells(self, project: str, *, subjects: int | None = None) -> list[CellRow]:
        """Pre-aggregated asset counts of a project per modality x stage, subject x modality (only the
        `subjects` most urgent subjects when given) and week."""

    def project_subject_count(self, project: str) -> int:
        """How many subjects a project's assets have."""

    def metric_trend(self, project: str, metric: str, modality: str, stage: str, *,
                     limit: int = 1000) -> list[TrendPoint]:
        """The latest `limit` numeric values of one metric of a project by acquisition time, oldest first."""

    def asset_names(self, asset_ids: Sequence[str]) -> dict[str, str]:
        """{id: name} of the visible assets among `asset_ids` (the trends' outliers)."""

    def qc_times(self, project: str, *, limit: int = 5000) -> list[QCTime]:
        """The project's assets reviewed in the portal: creation, first decision, no Pending left."""

    # -- the review queue (SQL stores: portal.store.sql.queue; DocDB has none yet) --

    def review_queue(self, query: AssetQuery, *, order: str = "oldest", start=None, inclusive: bool = True,
                     backward: bool = False, limit: int = 20) -> QueuePage:
        """A keyset page of the assets with queued (Pending) metrics matching `query`, in `order`
        (one of REVIEW_ORDERS), from the place `start` (an asset, or a (sort value, name) pair)."""
