"""The SQL asset store (SQLAlchemy 2 Core) for SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice

from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from portal.annotate import apply_annotation
from portal.errors import InvalidInput, NotFound, StoreUnavailable
from portal.qc import QCReadError, summarise
from portal.store.merge import empty_edits, merge_quality_control, record_edits
from portal.store.protocol import (
    AnnotateResult,
    Annotation,
    AssetQuery,
    AssetRow,
    AuditEntry,
    CountRow,
    Page,
    Sort,
    StoredAsset,
    UpsertResult,
)
from portal.store.sql import aggregates, filters, summaries
from portal.store.sql.batch import Inserts, Known, audit_row, checked, chunks, prepare
from portal.store.sql.engine import WRITE_OPTION, describe, migrate
from portal.store.sql.rows import asset_columns, metric_rows, modality_rows, stage_rows, to_asset_row
from portal.store.sql.tables import asset_metrics, asset_modalities, asset_stages, assets, audit_log

log = logging.getLogger(__name__)

# Summary columns of the listing: never the document, so a page costs the same
# whatever the size of the QC documents.
_ROW_COLUMNS = [
    assets.c[name]
    for name in (
        "id", "name", "project", "subject_id", "acquired", "level", "source", "modalities", "status",
        "modality_status", "n_total", "n_pass", "n_fail", "n_pending", "last_review_by", "last_review_at",
        "version",
    )
]
_BATCH = 500


class SqlAssetStore(summaries.SummaryReads):
    """AssetStore on a SQLAlchemy engine (see portal.store.protocol for the contract)."""

    def __init__(self, engine: Engine, *, run_migrations: bool = True):
        self.engine = engine
        if run_migrations:
            migrate(engine)

    # -- plumbing -------------------------------------------------------------

    @contextmanager
    def _tx(self):
        """A transaction; a database that does not answer becomes StoreUnavailable."""
        try:
            with self.engine.connect() as connection:
                connection.execution_options(**{WRITE_OPTION: True})
                with connection.begin():
                    yield connection
        except OperationalError as exc:
            log.error("the database %s did not answer: %s", describe(self.engine), _short(exc))
            raise StoreUnavailable("the database did not answer") from None  # no URL or driver text to callers

    @contextmanager
    def _read(self):
        try:
            with self.engine.connect() as connection:
                yield connection
        except OperationalError as exc:
            log.error("the database %s did not answer: %s", describe(self.engine), _short(exc))
            raise StoreUnavailable("the database did not answer") from None  # no URL or driver text to callers

    def ping(self) -> None:
        """Raise StoreUnavailable if the database does not answer."""
        with self._read() as connection:
            connection.execute(text("SELECT 1"))

    # -- writes ---------------------------------------------------------------

    def upsert_many(
        self, records: Iterable[dict], *, actor: str = "ingest", strict: bool = False
    ) -> list[UpsertResult]:
        """Insert or update records in batches; one bad record never stops the others.

        With `strict`, a record whose quality_control cannot be read is refused (an
        "error" result) instead of being stored with its error.
        """
        results: list[UpsertResult] = []
        iterator = iter(records)
        while batch := list(islice(iterator, _BATCH)):
            results.extend(self._upsert_batch(batch, actor, strict))
        return results

    def upsert(self, record: dict, *, actor: str = "ingest", strict: bool = False) -> UpsertResult:
        """Insert or update one record."""
        return self._upsert_batch([record], actor, strict)[0]

    def _upsert_batch(self, batch: list[dict], actor: str, strict: bool) -> list[UpsertResult]:
        now = datetime.now(UTC)
        prepared = [prepare(record) for record in batch]
        with self._tx() as connection:
            existing = self._existing(connection, prepared)
            results: list[UpsertResult | None] = []
            inserts = Inserts()
            for item in prepared:
                if "error" in item:
                    results.append(UpsertResult(item.get("id") or "", item.get("name") or "", "error", item["error"]))
                    continue
                if inserts.holds(item):
                    # The same asset twice in one batch: write the first before updating it.
                    self._flush(connection, inserts, results)
                    inserts = Inserts()
                try:
                    results.append(
                        self._upsert_one(connection, item, existing, actor, now, strict, inserts, len(results))
                    )
                except (QCReadError, InvalidInput) as exc:
                    results.append(UpsertResult(item["id"] or "", item["name"], "error", _short(exc)))
            self._flush(connection, inserts, results)
            return results

    def _existing(self, connection, prepared: list[dict]) -> dict:
        """The stored (id, name, hash) of every asset a batch names, keyed by id and by name."""
        ids = [p["id"] for p in prepared if p.get("id")]
        names = [p["name"] for p in prepared if p.get("name")]
        existing: dict = {}
        for chunk_ids, chunk_names in chunks(ids, names):
            rows = connection.execute(
                select(assets.c.id, assets.c.name, assets.c.source_hash).where(
                    assets.c.id.in_(chunk_ids) | assets.c.name.in_(chunk_names)
                )
            ).all()
            for row in rows:
                existing[("id", row.id)] = row
                existing[("name", row.name)] = row
        return existing

    def _flush(self, connection, inserts: Inserts, results: list) -> None:
        """Write a batch's new assets with one executemany per table (the ingest hot path)."""
        if not inserts.assets:
            return
        try:
            with connection.begin_nested():
                inserts.execute(connection)
        except IntegrityError:
            # Someone else inserted one of these names meanwhile: fall back to one savepoint
            # per asset so only the clashing ones fail.
            for index, one in inserts.split():
                try:
                    with connection.begin_nested():
                        one.execute(connection)
                except IntegrityError as exc:
                    done = results[index]
                    results[index] = UpsertResult(done.id, done.name, "error", _short(exc))

    def _upsert_one(
        self, connection, item: dict, existing: dict, actor: str, now: datetime, strict: bool, inserts: Inserts,
        index: int,
    ) -> UpsertResult:
        record, name, digest = item["record"], item["name"], item["hash"]
        by_id = existing.get(("id", item["id"])) if item["id"] else None
        by_name = existing.get(("name", name))
        if by_id is not None and by_id.name != name:
            # The same asset renamed in its source: allowed, unless the new name is taken.
            if by_name is not None and by_name.id != by_id.id:
                raise InvalidInput(f"asset name {name!r} already belongs to asset id {by_name.id}")
        elif by_id is None and by_name is not None and item["id"] and by_name.id != item["id"]:
            raise InvalidInput(
                f"asset name {name!r} already exists with id {by_name.id}; this record has id {item['id']}"
            )
        current = by_id or by_name
        if current is None:
            asset_id = item["id"] or str(uuid.uuid5(uuid.NAMESPACE_URL, f"qc-portal:{name}"))
            record = {**record, "_id": asset_id}
            summary = checked(summarise(record), strict)
            inserts.add(
                index,
                {
                    "id": asset_id, "version": 1, "source_hash": digest, "portal_edits": empty_edits(),
                    "document": record, "created_at": now, "updated_at": now, **asset_columns(summary),
                },
                modality_rows(asset_id, summary),
                stage_rows(asset_id, summary),
                metric_rows(asset_id, summary),
                audit_row(now, actor, asset_id, name, "create", {"source": item.get("origin")}),
            )
            existing[("id", asset_id)] = existing[("name", name)] = Known(asset_id, name, digest)
            return UpsertResult(asset_id, name, "created")
        if current.source_hash == digest:
            return UpsertResult(current.id, name, "unchanged")
        with connection.begin_nested():  # an update that fails rolls back alone
            return self._update_one(connection, current, record, name, digest, actor, now, strict, item)

    def _update_one(self, connection, current, record, name, digest, actor, now, strict, item) -> UpsertResult:
        stored = connection.execute(
            select(assets.c.document, assets.c.portal_edits, assets.c.version).where(assets.c.id == current.id)
        ).one()
        try:
            merged_qc = merge_quality_control(
                stored.document.get("quality_control"), record.get("quality_control"), stored.portal_edits
            )
        except QCReadError as exc:
            if strict:
                raise InvalidInput(f"quality_control cannot be read: {exc}") from None
            merged_qc = record.get("quality_control")  # stored with its error, like a new record
        record = {**record, "_id": current.id, "quality_control": merged_qc}
        summary = checked(summarise(record), strict)
        old = aggregates.stored_contribution(connection, current.id)
        connection.execute(
            update(assets)
            .where(assets.c.id == current.id)
            .values(
                version=stored.version + 1, source_hash=digest, document=record, updated_at=now,
                **asset_columns(summary),
            )
        )
        self._write_status_rows(connection, current.id, summary, replace=old)
        self._audit(connection, now, actor, current.id, name, "update", {"source": item.get("origin")})
        return UpsertResult(current.id, name, "updated")

    def _write_status_rows(self, connection, asset_id: str, summary, *, replace: Counter) -> None:
        """Rewrite an asset's status rows; `replace` is its old contribution to asset_counts."""
        connection.execute(delete(asset_modalities).where(asset_modalities.c.asset_id == asset_id))
        connection.execute(delete(asset_stages).where(asset_stages.c.asset_id == asset_id))
        connection.execute(delete(asset_metrics).where(asset_metrics.c.asset_id == asset_id))
        modalities = modality_rows(asset_id, summary)
        connection.execute(insert(asset_modalities), modalities)
        delta = aggregates.contribution(asset_columns(summary), modalities)
        delta.subtract(replace)  # subtract() keeps negative counts, unlike "-"
        aggregates.apply(connection, delta)
        for table, rows in ((asset_stages, stage_rows(asset_id, summary)),
                            (asset_metrics, metric_rows(asset_id, summary))):
            if rows:
                connection.execute(insert(table), rows)

    def _audit(self, connection, at, user, asset_id, asset_name, action, detail) -> None:
        connection.execute(insert(audit_log), [audit_row(at, user, asset_id, asset_name, action, detail)])

    def annotate(self, annotation: Annotation, *, user: str) -> AnnotateResult:
        """Apply a reviewer's edits in one transaction that holds the asset's row.

        The row is locked (FOR UPDATE on PostgreSQL; SQLite's write lock) from the read
        to the write, so concurrent reviewers are applied one after the other and every
        conflict check sees the latest document.
        """
        with self._tx() as connection:
            row = connection.execute(
                select(assets.c.id, assets.c.name, assets.c.version, assets.c.document, assets.c.portal_edits)
                .where(_key_clause(annotation.asset))
                .with_for_update()
            ).first()
            if row is None:
                raise NotFound(f"Asset not found: {annotation.asset}")
            now = datetime.now(UTC)
            outcome = apply_annotation(
                row.document.get("quality_control") or {}, annotation, user=user, current_version=row.version,
                now=now,
            )
            if outcome.conflicts:
                return AnnotateResult(False, row.version, tuple(outcome.conflicts))
            changes = outcome.changes
            if not changes:
                return AnnotateResult(True, row.version)
            record = {**row.document, "quality_control": outcome.quality_control}
            summary = summarise(record, loaded=outcome.model)
            old = aggregates.stored_contribution(connection, row.id)
            connection.execute(
                update(assets)
                .where(assets.c.id == row.id)
                .values(
                    version=row.version + 1, document=record, updated_at=now,
                    portal_edits=record_edits(row.portal_edits, changes), **asset_columns(summary),
                )
            )
            self._write_status_rows(connection, row.id, summary, replace=old)
            self._audit(connection, now, user, row.id, row.name, "annotate", {"changes": _jsonable(changes)})
        return AnnotateResult(True, row.version + 1, (), tuple(changes))

    def add_metrics(self, asset: str, payload, *, user: str):
        """Add or replace metrics atomically (portal.metrics_merge rules; see push.py)."""
        from portal.store.sql.push import add_metrics

        return add_metrics(self, asset, payload, user=user)

    # -- reads ----------------------------------------------------------------

    def get(self, key: str) -> StoredAsset | None:
        """The asset with this name or id (name first), or None."""
        with self._read() as connection:
            row = connection.execute(
                select(assets.c.id, assets.c.name, assets.c.version, assets.c.document).where(_key_clause(key))
            ).first()
        if row is None:
            return None
        return StoredAsset(row.id, row.name, row.version, row.document, summarise(row.document))

    def list_assets(self, query: AssetQuery, sort: Sort = Sort(), offset: int = 0, limit: int = 100) -> Page:
        """A page of summary rows and the total matching the query."""
        if offset < 0 or not 0 < limit <= 10_000:
            raise InvalidInput("offset must be >= 0 and limit between 1 and 10000")
        clause = filters.where(query)
        with self._read() as connection:
            order = filters.order_by(sort, connection.dialect.name)
            # Two steps: the ids of the page come from an index-only scan of the sort index
            # (skipping `offset` entries is cheap there), then only those rows are read.
            page_ids = select(assets.c.id).where(clause).order_by(*order).offset(offset).limit(limit)
            rows = connection.execute(
                select(*_ROW_COLUMNS).where(assets.c.id.in_(page_ids.scalar_subquery())).order_by(*order)
            ).all()
            total = connection.execute(select(func.count()).select_from(assets).where(clause)).scalar_one()
        return Page([to_asset_row(r) for r in rows], total)

    def iter_assets(self, query: AssetQuery, sort: Sort = Sort(), batch: int = 1000) -> Iterator[AssetRow]:
        """Every matching row, streamed from the database in batches."""
        with self._read() as connection:
            statement = (
                select(*_ROW_COLUMNS)
                .where(filters.where(query))
                .order_by(*filters.order_by(sort, connection.dialect.name))
            )
            result = connection.execution_options(yield_per=batch).execute(statement)
            for row in result:
                yield to_asset_row(row)

    def counts(self, query: AssetQuery) -> list[CountRow]:
        """Assets per project x modality x modality-status, counted by the database.

        From the pre-aggregated asset_counts when the filters allow (O(groups)), else one
        GROUP BY over the assets (summaries.modality_counts).
        """
        if aggregates.answers(query):
            with self._read() as connection:
                rows = aggregates.counts(connection, query)
            return [CountRow(p or "(no project)", m, s, n) for p, m, s, n in rows]
        with self._read() as connection:
            rows = summaries.modality_counts(connection, query)
        return [CountRow(p or "(no project)", m, s, n) for p, m, s, n in rows]

    def status_totals(self, query: AssetQuery) -> dict[str, int]:
        """Assets per overall status for the filtered set (pre-aggregated when possible)."""
        if aggregates.answers(query, totals=True):
            with self._read() as connection:
                return aggregates.totals(connection, query)
        statement = filters.scan(
            select(assets.c.status, func.count()).where(filters.where(query)).group_by(assets.c.status), query)
        with self._read() as connection:
            return dict(connection.execute(statement).all())

    def facets(self) -> dict[str, Sequence[str]]:
        """Distinct projects, modalities, subjects and levels (each one indexed scan)."""
        with self._read() as connection:
            def distinct(column):
                return [v for (v,) in connection.execute(select(column).distinct().order_by(column)) if v]

            return {
                "project": distinct(assets.c.project),
                "modality": distinct(asset_modalities.c.modality),
                "subject": distinct(assets.c.subject_id),
                "level": distinct(assets.c.level),
            }

    def audit_log(self, *, asset: str | None = None, user: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest audit entries, optionally for one asset (name or id) or one user."""
        statement = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if asset:
            statement = statement.where((audit_log.c.asset_id == asset) | (audit_log.c.asset_name == asset))
        if user:
            statement = statement.where(audit_log.c.user == user)
        with self._read() as connection:
            rows = connection.execute(statement).all()
        return [AuditEntry(r.at, r.user, r.asset_id, r.asset_name, r.action, r.detail) for r in rows]

    def count_assets(self) -> int:
        """How many assets the store holds."""
        with self._read() as connection:
            return connection.execute(select(func.count()).select_from(assets)).scalar_one()


def _key_clause(key: str):
    return (assets.c.name == key) | (assets.c.id == key)


def _jsonable(changes) -> list[dict]:
    return json.loads(json.dumps(list(changes), default=str))


def _short(exc: Exception) -> str:
    detail = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else exc
    text_ = str(detail or exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
