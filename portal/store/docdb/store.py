"""The DocDB asset store: AIND's metadata records through aind-data-access-api.

Reads are server-side: counts and facets are `$group` pipelines, pages are pipelines
with `$sort`/`$skip`/`$limit` and a projection to the row fields, totals a `$count`
pipeline (queries.py); the QC status is computed by DocDB (expressions.py). Nothing
pulls every record.

Writes touch `quality_control` only (`upsert_one_docdb_record({"_id", "quality_control"})`)
and are read back and verified. Users, the audit log and the version bookkeeping live
in the portal's own SQL database (`engine`), never in DocDB.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Engine, insert

from portal.errors import InvalidInput, NotFound
from portal.qc import summarise
from portal.qc.diff import audit_detail
from portal.review.annotate import apply_annotation
from portal.review.loaded import LoadedDocuments
from portal.review.metrics_merge import merge_metrics
from portal.store.docdb import cube, queries, readback
from portal.store.docdb.bookkeeping import Bookkeeping
from portal.store.docdb.client import DocDbTarget, call, checked
from portal.store.docdb.cube import Cubes
from portal.store.docdb.expressions import RANK_NAMES
from portal.store.docdb.lifecycle import DocDbLifecycle
from portal.store.docdb.project_reads import DocDbProjectReads
from portal.store.docdb.upserts import Upserter
from portal.store.merge import record_edits
from portal.store.protocol import (
    Actor,
    AnnotateResult,
    Annotation,
    AssetQuery,
    AssetRow,
    AuditEntry,
    CountRow,
    GroupCount,
    MetricCountRow,
    MetricsResult,
    Page,
    Sort,
    StageCountRow,
    StoredAsset,
    SubjectCountRow,
    UpsertResult,
)
from portal.store.sql import events, reviews
from portal.store.sql.batch import audit_row
from portal.store.sql.engine import begin_write
from portal.store.sql.store import SqlAssetStore, _jsonable
from portal.store.sql.tables import audit_log

log = logging.getLogger(__name__)
FACETS_TTL = 60.0


class DocDbAssetStore(DocDbLifecycle, DocDbProjectReads):
    """AssetStore over DocDB (see portal.store.protocol for the contract).

    `client` is a MetadataDbClient (portal.store.docdb.client.make_client); `engine` the
    portal's own database (migrated), for users, audit and bookkeeping. With `create`,
    ingest may insert records DocDB does not have (local gateways and tests); without
    it, ingest only updates the quality_control of existing records.
    """

    def __init__(self, client, target: DocDbTarget, engine: Engine, *, create: bool = False,
                 run_migrations: bool = True):
        self.client = client
        self.target = target
        self.engine = engine
        self.create = create
        # The SQL store owns the portal's database (migrations, audit log queries).
        self._sql = SqlAssetStore(engine, run_migrations=run_migrations)
        self.books = Bookkeeping(engine)
        # DocDB's gateway has no conditional write: writes of one asset take turns through
        # its locked bookkeeping row (Bookkeeping.hold), and every write is read back.
        self._facets: tuple[float, dict] | None = None
        self.loaded = LoadedDocuments()  # the documents annotate wrote last (see portal.review.loaded)
        self._cubes = Cubes(lambda q: self._aggregate("counting assets", cube.pipeline(q, queries.now_iso())))

    # -- plumbing -------------------------------------------------------------

    def _aggregate(self, what: str, pipeline: list[dict]) -> list[dict]:
        return call(self.target, what, lambda: self.client.aggregate_docdb_records(pipeline))

    def _find(self, what: str, filter_query: dict, projection: dict | None = None, limit: int = 1) -> list[dict]:
        # _find_records is one GET (retrieve_docdb_records loops until an empty page).
        return call(self.target, what, lambda: self.client._find_records(
            filter_query=filter_query, projection=projection, limit=limit))

    def ping(self) -> None:
        """Raise StoreUnavailable if the gateway does not answer (one tiny find)."""
        self._find("ping", {}, {"_id": 1}, limit=1)

    def snapshot(self) -> None:
        """None: the gateway has no cheap way to tell whether anything changed, so nothing is reused."""
        return None

    # -- reads ----------------------------------------------------------------

    def _record(self, key: str, projection: dict | None = None) -> dict | None:
        found = self._find(f"reading asset {key}", {"$or": [{"name": key}, {"_id": key}]}, projection, limit=2)
        if not found:
            return None
        by_name = [r for r in found if r.get("name") == key]
        return (by_name or found)[0]

    def get(self, key: str) -> StoredAsset | None:
        """The asset with this name or id (name first), or None."""
        record = self._record(key)
        if record is None:
            return None
        summary = summarise(record)
        version = self.books.version(summary.id, record.get("quality_control"))
        return StoredAsset.with_summary(summary.id, summary.name, version, record, summary)

    def project_of(self, key: str) -> str | None:
        """The project of the asset with this name or id (None: none, or no such asset), read
        with a projection of the one field."""
        record = self._record(key, {"_id": 1, "name": 1, "data_description.project_name": 1})
        return reviews.project_of(record) if record is not None else None

    def list_assets(self, query: AssetQuery, sort: Sort = Sort(), offset: int = 0, limit: int = 100) -> Page:
        """A page of summary rows and the total matching the query (DocDB sorts and pages)."""
        if offset < 0 or not 0 < limit <= 10_000:
            raise InvalidInput("offset must be >= 0 and limit between 1 and 10000")
        now = queries.now_iso()
        raw = self._aggregate("listing assets", queries.page(query, sort, offset, limit, now))
        rows = self._rows(raw)
        if 0 < len(rows) < limit or (offset == 0 and not rows):
            total = offset + len(rows)  # the last page: no second request
        else:
            counted = self._aggregate("counting assets", queries.total(query, now))
            total = counted[0]["n"] if counted else 0
        return Page(rows, total)

    def _rows(self, raw: list[dict]) -> list[AssetRow]:
        versions = self.books.versions([str(r["_id"]) for r in raw])
        return [_row(r, versions.get(str(r["_id"]), 1)) for r in raw]

    def iter_assets(self, query: AssetQuery, sort: Sort = Sort(), batch: int = 1000) -> Iterator[AssetRow]:
        """Every matching row, a page (one pipeline) at a time."""
        offset = 0
        now = queries.now_iso()
        while True:
            raw = self._aggregate("exporting assets", queries.page(query, sort, offset, batch, now))
            yield from self._rows(raw)
            if len(raw) < batch:
                return
            offset += batch

    def counts(self, query: AssetQuery) -> list[CountRow]:
        """Assets per project x modality x modality-status (the overview's cube: cube.py)."""
        return self._cubes.counts(query)

    def status_totals(self, query: AssetQuery) -> dict[str, int]:
        """Assets per overall status (the overview's cube)."""
        return self._cubes.status_totals(query)

    def status_counts(self, query: AssetQuery, by: str) -> list[GroupCount]:
        """Assets per `by` value (project, subject, level or acquisition week) x overall status."""
        if by == "project":
            return self._cubes.by_project(query)
        raw = self._aggregate("counting assets", queries.status_by(query, queries.now_iso(), by))
        if by == "week":
            return [GroupCount(_day(r["_id"].get("k")), r["_id"]["s"], r["n"]) for r in raw]
        return [GroupCount(r["_id"].get("k"), r["_id"]["s"], r["n"]) for r in raw]

    def subject_counts(self, query: AssetQuery) -> list[SubjectCountRow]:
        """Assets per subject x modality x modality-status."""
        raw = self._aggregate("counting assets", queries.per_modality(
            query, queries.now_iso(), {"k": "$_subject", "m": "$_mods.m", "s": "$_mods.s"}))
        return [SubjectCountRow(r["_id"].get("k"), r["_id"]["m"], r["_id"]["s"], r["n"]) for r in raw]

    def stage_counts(self, query: AssetQuery) -> list[StageCountRow]:
        """Assets per modality x stage x status of that cell's metrics."""
        raw = self._aggregate("counting stages", queries.stages_of_metrics(query, queries.now_iso()))
        return [StageCountRow(r["_id"]["m"], r["_id"]["st"], RANK_NAMES[r["_id"]["r"]], r["n"]) for r in raw]

    def metric_counts(self, query: AssetQuery) -> list[MetricCountRow]:
        """Metrics per name x modality x stage x own status."""
        raw = self._aggregate("counting metrics", queries.metrics_by_status(query, queries.now_iso()))
        return [MetricCountRow(r["_id"]["n"], r["_id"]["m"], r["_id"]["st"], r["_id"]["s"], r["n"]) for r in raw]

    def metric_distribution(self, project: str, metric: str, modality: str, stage: str, *,
                            asset: str | None = None):
        """Refused: distributions are read from metric_values, which only the SQL store keeps in
        step with its writes (DocDB has other writers the portal does not see)."""
        from portal.errors import Unsupported

        raise Unsupported("metric distributions need the SQL store (QC_PORTAL_STORE=sql); the DocDB store "
                          "does not keep numeric metric values")

    def facets(self) -> dict[str, Sequence[str]]:
        """Distinct projects, modalities, subjects and levels (one `$group` pipeline).

        The filter bar asks on every page load and subject keystroke, and the answer scans
        the collection: it is kept for FACETS_TTL seconds (and dropped on this store's writes).
        """
        now = time.monotonic()
        cached = self._facets
        if cached is not None and now - cached[0] < FACETS_TTL:
            return cached[1]
        found = self._facets_now()
        self._facets = (now, found)
        return found

    def _facets_now(self) -> dict[str, Sequence[str]]:
        raw = self._aggregate("listing filter values", queries.facets(queries.now_iso()))
        if not raw:
            return {"project": [], "modality": [], "subject": [], "level": []}
        found = raw[0]
        modalities = {m for group in found.get("modality") or [] for m in (group or [])}
        return {
            "project": sorted(v for v in found.get("project") or [] if v),
            "modality": sorted(v for v in modalities if v),
            "subject": sorted(v for v in found.get("subject") or [] if v),
            "level": sorted(v for v in found.get("level") or [] if v),
        }

    def schema_versions(self) -> dict[str, int]:
        """Records per stored quality_control schema_version ("(none)" without one)."""
        raw = self._aggregate("counting schema versions", queries.schema_versions())
        return {str(r["_id"]) if r["_id"] is not None else "(none)": r["n"] for r in raw}

    def count_assets(self) -> int:
        """How many records the collection holds."""
        raw = self._aggregate("counting assets", [{"$count": "n"}])
        return raw[0]["n"] if raw else 0

    def audit_log(self, *, asset: str | None = None, user: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest audit entries (kept in the portal's database)."""
        return self._sql.audit_log(asset=asset, user=user, limit=limit)

    # -- writes ---------------------------------------------------------------

    def upsert_many(self, records: Iterable[dict], *, actor: str = "ingest", strict: bool = False,
                    dry_run: bool = False) -> list[UpsertResult]:
        """Update the quality_control of existing records (merging portal edits); insert
        new records only when the store allows it (`create`); with `dry_run`, say what
        would happen and write nothing. See upserts.py."""
        self._facets = None
        try:
            return Upserter(self, dry_run=dry_run).run(records, actor=actor, strict=strict)
        finally:
            self._cubes.clear()

    def annotate(self, annotation: Annotation, *, user: Actor | str) -> AnnotateResult:
        """Re-read under the asset's lock, apply with the shared rules, write quality_control
        only, read back and verify; bookkeeping and audit in the lock's transaction."""
        actor = Actor.of(user)
        asset_id = self._asset_id(annotation.asset)
        with self.books.hold(asset_id) as held:
            record = self._latest(asset_id)
            quality_control = record.get("quality_control") or {}
            version = held.version(record.get("quality_control"))
            now = datetime.now(UTC)
            outcome = apply_annotation(quality_control, annotation, user=actor.display_name, current_version=version,
                                       now=now, loaded=self.loaded.get(asset_id, quality_control))
            if outcome.conflicts:
                return AnnotateResult(False, version, tuple(outcome.conflicts))
            if not outcome.changes:
                return AnnotateResult(True, version)
            self.write_qc(asset_id, outcome.quality_control, what=f"annotating {annotation.asset}")
            self._cubes.clear()
            readback.verify_annotation(self._find, asset_id, outcome.quality_control, outcome.changes,
                                       user=actor.display_name, now=now)
            held.written(version + 1, outcome.quality_control, record_edits(held.edits, outcome.changes))
            held.audit(now, actor.account, summarise(record).name, "annotate",
                       {"changes": _jsonable(outcome.changes), "evaluator": actor.display_name})
            events.annotated(held.connection, now, actor.account, asset_id, record.get("name") or asset_id,
                             outcome.changes, evaluator=actor.display_name)
            reviews.record_entries(held.connection, asset_id=asset_id, asset_name=record.get("name") or asset_id,
                                   project=reviews.project_of(record), account=actor.account,
                                   entries=outcome.entries)
        self.loaded.put(asset_id, outcome.loaded)  # written, read back and committed
        return AnnotateResult(True, version + 1, (), tuple(outcome.changes))

    def add_metrics(self, asset: str, payload, *, user: Actor | str) -> MetricsResult:
        """Add or replace metrics (portal.review.metrics_merge rules) the way `annotate` writes:
        re-read under the asset's lock, write quality_control only, read back and verify."""
        actor = Actor.of(user)
        asset_id = self._asset_id(asset)
        with self.books.hold(asset_id) as held:
            record = self._latest(asset_id)
            version = held.version(record.get("quality_control"))
            now = datetime.now(UTC)
            outcome = merge_metrics(record.get("quality_control"), payload, actor=actor, now=now)
            if not outcome.changed:
                return MetricsResult(version)
            self.write_qc(asset_id, outcome.quality_control, what=f"adding metrics to {asset}")
            readback.verify_metrics(self._find, asset_id, outcome)
            held.written(version + 1, outcome.quality_control, record_edits(held.edits, outcome.changes))
            held.audit(now, actor.account, summarise(record).name, "add_metrics",
                       {"changes": _jsonable(outcome.changes), "entries": outcome.entries,
                        "evaluator": actor.display_name, **audit_detail(record.get("quality_control"),
                                                                         outcome.quality_control)})
            events.pushed(held.connection, now, actor.account, asset_id, record.get("name") or asset_id,
                          outcome.changes)
        self._facets = None
        return MetricsResult(version + 1, tuple(outcome.added), tuple(outcome.replaced))

    def _asset_id(self, key: str) -> str:
        found = self._record(key, {"_id": 1, "name": 1})
        if found is None:
            raise NotFound(f"Asset not found: {key}")
        return str(found["_id"])

    def _latest(self, asset_id: str) -> dict:
        """The record's name and quality_control as DocDB holds them now (read under the lock)."""
        found = self._find(f"reading asset {asset_id}", {"_id": asset_id},
                           {"name": 1, "quality_control": 1, "data_description.name": 1,
                            "data_description.project_name": 1}, limit=1)
        if not found:
            raise NotFound(f"Asset not found: {asset_id}")
        return found[0]

    def write_qc(self, asset_id, quality_control: dict, *, what: str) -> None:
        """`$set` the record's quality_control (and nothing else)."""
        call(self.target, what, lambda: checked(self.client.upsert_one_docdb_record(
            {"_id": asset_id, "quality_control": quality_control})))

    def audit(self, at, user, asset_id, asset_name, action, detail) -> None:
        """Append one row to the portal's audit log."""
        with begin_write(self.engine) as connection:
            connection.execute(insert(audit_log), [audit_row(at, user, asset_id, asset_name, action, detail)])


def _when(value) -> datetime | None:
    """A date from an answer: an ISO string or extended JSON `{"$date": ...}`."""
    if isinstance(value, dict) and "$date" in value:
        value = value["$date"]
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, str):
        text = value[:-1] + "+00:00" if value.endswith("Z") else value
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value if isinstance(value, datetime) else None


def _day(value) -> date | None:
    return date.fromisoformat(value[:10]) if isinstance(value, str) else None


def _row(raw: dict, version: int) -> AssetRow:
    counts = raw.get("_n") or {}
    review = raw.get("_review") or {}
    mods = {m["m"]: m["s"] for m in raw.get("_mods") or [] if m.get("m") != "(none)"}
    return AssetRow(
        id=str(raw["_id"]),
        name=raw.get("_name") or str(raw["_id"]),
        project=raw.get("_project"),
        subject_id=raw.get("_subject"),
        acquired=_when(raw.get("_acquired")),
        level=raw.get("_level"),
        source=raw.get("_source"),
        modalities=tuple(sorted(mods)),
        status=raw.get("_status") or "Unreadable",
        modality_status=mods,
        total=counts.get("total", 0),
        passed=counts.get("pass", 0),
        failed=counts.get("fail", 0),
        pending=counts.get("pending", 0),
        last_review_by=review.get("e"),
        last_review_at=_when(review.get("t")),
        version=version,
    )
