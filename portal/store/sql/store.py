"""The SQL asset store (SQLAlchemy 2 Core) for SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice

from sqlalchemy import Engine, delete, func, insert, select, text, update

from portal.errors import InvalidInput, NotFound
from portal.qc import summarise
from portal.review.annotate import apply_annotation
from portal.review.loaded import LoadedDocuments
from portal.store.merge import record_edits
from portal.store.protocol import (
    Actor,
    AnnotateResult,
    Annotation,
    AssetQuery,
    AssetRow,
    AuditEntry,
    CountRow,
    Page,
    QueuePage,
    Sort,
    StoredAsset,
    UpsertResult,
)
from portal.store.sql import (
    aggregates,
    events,
    filters,
    hidden,
    lifecycle,
    paging,
    project_aggregates,
    queue,
    reviews,
    status_rows,
    summaries,
)
from portal.store.sql.analytics import AnalyticsReads
from portal.store.sql.batch import audit_row
from portal.store.sql.engine import migrate
from portal.store.sql.project_reads import ProjectReads
from portal.store.sql.project_tables import asset_groups, project_cells
from portal.store.sql.rows import (
    asset_columns,
    group_row,
    metric_rows,
    modality_rows,
    stage_rows,
    to_asset_row,
    to_asset_rows,
    value_rows,
)
from portal.store.sql.tables import (
    asset_aliases,
    asset_counts,
    asset_metrics,
    asset_modalities,
    asset_stages,
    assets,
    audit_log,
    metric_values,
)
from portal.store.sql.transactions import read_tx, write_tx
from portal.store.sql.upserts import SqlUpserter

log = logging.getLogger(__name__)

# Summary columns of the listing: never the document, so a page costs the same
# whatever the size of the QC documents. In AssetRow's field order: rows.to_asset_row unpacks them.
_ROW_COLUMNS = [
    assets.c[name]
    for name in (
        "id", "name", "project", "subject_id", "acquired", "level", "source", "modalities", "status",
        "modality_status", "n_total", "n_pass", "n_fail", "n_pending", "last_review_by", "last_review_at",
        "version",
    )
]
_BATCH = 500


class SqlAssetStore(summaries.SummaryReads, lifecycle.Lifecycle, AnalyticsReads, ProjectReads):
    """AssetStore on a SQLAlchemy engine (see portal.store.protocol for the contract)."""

    def __init__(self, engine: Engine, *, run_migrations: bool = True):
        self.engine = engine
        if run_migrations:
            migrate(engine)
        self._pager = paging.Pager(engine)  # per process: keys and totals of the pages served (see paging)
        self.loaded = LoadedDocuments()  # per process: the documents annotate wrote last (see portal.review.loaded)

    # -- plumbing -------------------------------------------------------------

    @contextmanager
    def _tx(self, *, rollback: bool = False):
        """A write transaction (rolled back at the end with `rollback`: a dry run); a database that
        does not answer becomes StoreUnavailable."""
        with write_tx(self.engine, rollback=rollback) as connection:
            yield connection

    @contextmanager
    def _read(self):
        with read_tx(self.engine) as connection:
            yield connection

    def ping(self) -> None:
        """Raise StoreUnavailable if the database does not answer."""
        with self._read() as connection:
            connection.execute(text("SELECT 1"))

    def snapshot(self) -> Hashable | None:
        """The database's Freshness token (see paging.Freshness); None on a database it cannot read."""
        if self.engine.dialect.name not in paging.FRESHNESS_DIALECTS:
            return None
        with self._read() as connection:
            return self._pager.freshness.token(connection)

    # -- writes ---------------------------------------------------------------

    def upsert_many(
        self, records: Iterable[dict], *, actor: str = "ingest", strict: bool = False, dry_run: bool = False
    ) -> list[UpsertResult]:
        """Insert or update records in batches; one bad record never stops the others.

        With `strict`, a record whose quality_control cannot be read is refused (an
        "error" result) instead of being stored with its error. With `dry_run` each batch
        runs exactly as it would and its transaction is rolled back.
        """
        results: list[UpsertResult] = []
        iterator = iter(records)
        while batch := list(islice(iterator, _BATCH)):
            results.extend(SqlUpserter(self, actor, strict, dry_run=dry_run).run(batch))
        return results

    def upsert(self, record: dict, *, actor: str = "ingest", strict: bool = False) -> UpsertResult:
        """Insert or update one record."""
        return SqlUpserter(self, actor, strict).run([record])[0]

    def _delete_status_rows(self, connection, asset_id: str, *, apply_removal: bool = True) -> Counter:
        """Remove an asset's status rows and their share of project_metrics (read before they go);
        returns that share as a (negative) delta. With `apply_removal` False the caller applies
        it, netted with what the asset adds back (one upsert of the few rows that change)."""
        removed = Counter()
        removed.subtract(status_rows.stored_contribution(status_rows.stored(connection, asset_id)))
        if apply_removal:
            project_aggregates.apply(connection, removed)
        for table in (asset_modalities, asset_stages, asset_metrics, metric_values, asset_groups):
            connection.execute(delete(table).where(table.c.asset_id == asset_id))
        return removed

    def _write_status_rows(self, connection, asset_id: str, summary, *, replace: Counter) -> None:
        """Rewrite an asset's status rows by difference (status_rows.sync: an annotation of one
        metric writes its one row, not all of them) and its share of project_metrics; `replace`
        is its old contribution to asset_counts."""
        before = status_rows.stored(connection, asset_id)
        modalities = modality_rows(asset_id, summary)
        delta = aggregates.contribution(asset_columns(summary), modalities)
        delta.subtract(replace)  # subtract() keeps negative counts, unlike "-"
        aggregates.apply(connection, delta)
        after = {asset_modalities: modalities, asset_stages: stage_rows(asset_id, summary),
                 asset_metrics: metric_rows(asset_id, summary), metric_values: value_rows(asset_id, summary),
                 asset_groups: [group_row(asset_id, summary)]}
        status_rows.sync(connection, asset_id, before, after)
        project_aggregates.apply(connection, status_rows.net_contribution(before, after))

    def _audit(self, connection, at, user, asset_id, asset_name, action, detail) -> None:
        connection.execute(insert(audit_log), [audit_row(at, user, asset_id, asset_name, action, detail)])

    def annotate(self, annotation: Annotation, *, user: Actor | str) -> AnnotateResult:
        """Apply a reviewer's edits in one transaction that holds the asset's row.

        The row is locked (FOR UPDATE on PostgreSQL; SQLite's write lock) from the read
        to the write, so concurrent reviewers are applied one after the other and every
        conflict check sees the latest document. Status entries carry the actor's display
        name; the audit row its account.
        """
        actor = Actor.of(user)
        with self._tx() as connection:
            row = self._locked(connection, annotation.asset)
            now = datetime.now(UTC)
            quality_control = row.document.get("quality_control") or {}
            outcome = apply_annotation(
                quality_control, annotation, user=actor.display_name, current_version=row.version, now=now,
                loaded=self.loaded.get(row.id, quality_control),
            )
            if outcome.conflicts:
                return AnnotateResult(False, row.version, tuple(outcome.conflicts))
            changes = outcome.changes
            if not changes:
                return AnnotateResult(True, row.version)
            record = {**row.document, "quality_control": outcome.quality_control}
            self.write_document(connection, row, record, outcome.model, now=now,
                                portal_edits=record_edits(row.portal_edits, changes))
            self._audit(connection, now, actor.account, row.id, row.name, "annotate",
                        {"changes": _jsonable(changes), "evaluator": actor.display_name})
            events.annotated(connection, now, actor.account, row.id, row.name, changes, evaluator=actor.display_name)
            reviews.record_entries(connection, asset_id=row.id, asset_name=row.name, account=actor.account,
                                   project=reviews.project_of(record), entries=outcome.entries)
        self.loaded.put(row.id, outcome.loaded)  # committed: the next annotation starts from it
        return AnnotateResult(True, row.version + 1, (), tuple(changes))

    def _locked(self, connection, key: str):
        """The asset's row (id, name, version, document, portal_edits), locked until the transaction ends."""
        row = connection.execute(
            select(assets.c.id, assets.c.name, assets.c.version, assets.c.document, assets.c.portal_edits)
            .where(_key_clause(key))
            .with_for_update()
        ).first()
        if row is None or hidden.deletion(connection, row.id) is not None:  # checked after the lock: see hidden
            raise NotFound(f"Asset not found: {key}")
        return row

    def write_document(self, connection, row, record: dict, model, *, now: datetime, portal_edits: dict) -> None:
        """Write a locked asset's new document: version + 1, summary columns, status rows, counts."""
        summary = summarise(record, loaded=model)
        old = aggregates.stored_contribution(connection, row.id)
        connection.execute(
            update(assets)
            .where(assets.c.id == row.id)
            .values(version=row.version + 1, document=record, updated_at=now, portal_edits=portal_edits,
                    **asset_columns(summary))
        )
        self._write_status_rows(connection, row.id, summary, replace=old)

    def add_metrics(self, asset: str, payload, *, user: Actor | str):
        """Add or replace metrics atomically (portal.review.metrics_merge rules; see push.py)."""
        from portal.store.sql.push import add_metrics

        return add_metrics(self, asset, payload, user=user)

    # -- reads ----------------------------------------------------------------

    def get(self, key: str) -> StoredAsset | None:
        """The asset with this name or id (name first), or None."""
        with self._read() as connection:
            row = connection.execute(
                select(assets.c.id, assets.c.name, assets.c.version, assets.c.document)
                .where(_key_clause(key), hidden.visible())
            ).first()
        if row is None:
            return None
        return StoredAsset(row.id, row.name, row.version, row.document)

    def project_of(self, key: str) -> str | None:
        """The project of the asset with this name or id (None: none, or no such asset), read from
        its summary column: a write's policy and reason checks need no document."""
        with self._read() as connection:
            return connection.execute(select(assets.c.project).where(_key_clause(key), hidden.visible())).scalar()

    def list_assets(self, query: AssetQuery, sort: Sort = Sort(), offset: int = 0, limit: int = 100) -> Page:
        """A page of summary rows and the total matching the query.

        Ungrouped pages come from portal.store.sql.paging: a block that continues a block
        served before seeks from its last row, a block past the middle is read from the far
        end, and totals come from asset_counts when the filters allow. Grouped pages (derived
        assets under their raw asset) are ordered by window functions over every match: OFFSET.
        """
        if offset < 0 or not 0 < limit <= 10_000:
            raise InvalidInput("offset must be >= 0 and limit between 1 and 10000")
        if sort.grouped:
            return self._grouped_page(filters.where(query), sort, offset, limit)
        with self._read() as connection:
            if connection.dialect.name == "postgresql":
                # One snapshot for the token, the total and the rows (read-only: never a serialization failure).
                connection.execution_options(isolation_level="REPEATABLE READ")
            rows, total = self._pager.page(connection, query, sort, offset, limit, _ROW_COLUMNS)
        return Page(to_asset_rows(rows), total)

    def _grouped_page(self, clause, sort: Sort, offset: int, limit: int) -> Page:
        """A page with derived assets under their raw asset: one query (the family order is
        computed over every matching row, so the page's rows are read with it)."""
        with self._read() as connection:
            order = filters.grouped_order_by(sort, connection.dialect.name)
            rows = connection.execute(select(*_ROW_COLUMNS).where(clause).order_by(*order).offset(offset)
                                      .limit(limit)).all()
            total = connection.execute(select(func.count()).select_from(assets).where(clause)).scalar_one()
        return Page(to_asset_rows(rows), total)

    def iter_assets(self, query: AssetQuery, sort: Sort = Sort(), batch: int = 1000) -> Iterator[AssetRow]:
        """Every matching row, streamed from the database in batches."""
        with self._read() as connection:
            order = (filters.grouped_order_by if sort.grouped else filters.order_by)(sort, connection.dialect.name)
            statement = (
                select(*_ROW_COLUMNS)
                .where(filters.where(query))
                .order_by(*order)
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
        """Distinct projects, modalities, subjects and levels of the visible assets.

        Read from the pre-aggregated tables kept in every write transaction (asset_counts; the
        subject rows of project_cells): O(groups), where four DISTINCTs over the assets took 1.0 s
        at a million assets on PostgreSQL, on every overview page load (tests/test_facets.py holds
        them equal to the assets' own distinct values through every write).
        """
        c, p = asset_counts.c, project_cells.c
        with self._read() as connection:
            def distinct(column, *where):
                return [v for (v,) in connection.execute(select(column).where(*where).distinct().order_by(column))
                        if v]

            return {
                "project": distinct(c.project, c.n > 0),
                "modality": distinct(c.modality, c.n > 0, c.modality != aggregates.ALL),
                "subject": distinct(p.a, p.kind == "subject", p.n > 0),
                "level": distinct(c.level, c.n > 0),
            }

    def audit_log(self, *, asset: str | None = None, user: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest audit entries, optionally for one asset (name or id) or one user."""
        statement = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if asset:
            # The asset's rows under its current id, its name, and the ids it had before a re-issue.
            ids = select(assets.c.id).where(_key_clause(asset))
            aliases = select(asset_aliases.c.alias).where(asset_aliases.c.asset_id.in_(ids))
            statement = statement.where((audit_log.c.asset_id == asset) | (audit_log.c.asset_name == asset)
                                        | audit_log.c.asset_id.in_(ids) | audit_log.c.asset_id.in_(aliases))
        if user:
            statement = statement.where(audit_log.c.user == user)
        with self._read() as connection:
            rows = connection.execute(statement).all()
        return [AuditEntry(r.at, r.user, r.asset_id, r.asset_name, r.action, r.detail) for r in rows]

    def review_queue(self, query: AssetQuery, *, order: str = "oldest", start=None, inclusive: bool = True,
                     backward: bool = False, limit: int = 20) -> QueuePage:
        """A page of the review queue (portal.store.sql.queue: keyset paging over the summary columns)."""
        with self._read() as connection:
            return queue.review_queue(connection, query, order=order, start=start, inclusive=inclusive,
                                      backward=backward, limit=limit)

    def count_assets(self) -> int:
        """How many assets the store holds."""
        with self._read() as connection:
            return connection.execute(select(func.count()).select_from(assets).where(hidden.visible())).scalar_one()


def _key_clause(key: str):
    """An asset by name, id, or an id it had before its record was re-issued."""
    aliased = select(asset_aliases.c.asset_id).where(asset_aliases.c.alias == key).scalar_subquery()
    return (assets.c.name == key) | (assets.c.id == key) | (assets.c.id == aliased)


def _jsonable(changes) -> list[dict]:
    return json.loads(json.dumps(list(changes), default=str))

