"""Ingest into the SQL store: records inserted in batches, changed ones merged under their row lock.

New assets of a batch are written with one executemany per table (the ingest hot path,
portal.store.sql.batch). A changed record is merged into the stored asset while holding
its row (`_update_one`: FOR UPDATE on PostgreSQL, SQLite's write lock), so annotations
and other ingests committed meanwhile are merged, never overwritten, and versions are
never handed out twice. A record with the name of a stored asset and a new `_id` (DocDB
re-issued it) replaces the stored one when it is newer; the old id becomes an alias.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.errors import InvalidInput
from portal.qc import QCReadError
from portal.qc.diff import audit_detail
from portal.store.merge import empty_edits, is_newer, merge_quality_control, merge_record
from portal.store.protocol import UpsertResult
from portal.store.sql import aggregates, events, lifecycle
from portal.store.sql.batch import (
    Inserts,
    Known,
    audit_row,
    checked,
    chunks,
    prepare,
    summarise_new,
    summarise_with_states,
)
from portal.store.sql.rows import asset_columns, group_row, metric_rows, modality_rows, stage_rows, value_rows
from portal.store.sql.tables import asset_aliases, assets
from portal.store.sql.transactions import short_error

if TYPE_CHECKING:
    from portal.store.sql.store import SqlAssetStore


class SqlUpserter:
    """One ingest batch into a SQL store (see the module doc)."""

    def __init__(self, store: SqlAssetStore, actor: str, strict: bool, *, dry_run: bool = False):
        self.store, self.actor, self.strict, self.dry_run = store, actor, strict, dry_run

    def run(self, batch: list[dict]) -> list[UpsertResult]:
        """Upsert one batch of records in one transaction; one bad record is one error result."""
        actor, strict = self.actor, self.strict
        now = datetime.now(UTC)
        prepared = [prepare(record) for record in batch]
        # A dry run does all of it, then rolls the transaction back: the results are what would happen.
        with self.store._tx(rollback=self.dry_run) as connection:
            existing = self._existing(connection, prepared)
            results: list[UpsertResult | None] = []
            inserts = Inserts()

            def retry(index: int) -> UpsertResult:
                # Another process inserted this asset after we looked: it is an update now.
                item = prepared[index]
                existing.update(self._existing(connection, [item]))
                alone = Inserts()
                result = self._upsert_one(connection, item, existing, actor, now, strict, alone, index)
                if alone.assets:
                    with connection.begin_nested():
                        alone.execute(connection)
                return result
            for item in prepared:
                if "error" in item:
                    results.append(UpsertResult(item.get("id") or "", item.get("name") or "", "error", item["error"]))
                    continue
                if inserts.holds(item):
                    # The same asset twice in one batch: write the first before updating it.
                    self._flush(connection, inserts, results, retry)
                    inserts = Inserts()
                try:
                    results.append(
                        self._upsert_one(connection, item, existing, actor, now, strict, inserts, len(results))
                    )
                except (QCReadError, InvalidInput) as exc:
                    results.append(UpsertResult(item["id"] or "", item["name"], "error", short_error(exc)))
            self._flush(connection, inserts, results, retry)
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
            for old_name, row in lifecycle.renamed_from(connection, chunk_names).items():
                existing.setdefault(("name", old_name), row)  # renamed in the portal: the same asset
        return existing

    def _flush(self, connection, inserts: Inserts, results: list, retry) -> None:
        """Write a batch's new assets with one executemany per table (the ingest hot path)."""
        if not inserts.assets:
            return
        try:
            with connection.begin_nested():
                inserts.execute(connection)
        except IntegrityError:
            # Someone else inserted one of these assets meanwhile: one savepoint per asset, and
            # a clashing one is upserted again, as the update it now is.
            for index, one in inserts.split():
                try:
                    with connection.begin_nested():
                        one.execute(connection)
                except IntegrityError:
                    done = results[index]
                    try:
                        results[index] = retry(index)
                    except (QCReadError, InvalidInput, IntegrityError) as exc:
                        results[index] = UpsertResult(done.id, done.name, "error", short_error(exc))

    def _upsert_one(
        self, connection, item: dict, existing: dict, actor: str, now: datetime, strict: bool, inserts: Inserts,
        index: int,
    ) -> UpsertResult:
        record, name, digest = item["record"], item["name"], item["hash"]
        by_id = existing.get(("id", item["id"])) if item["id"] else None
        by_name = existing.get(("name", name))
        reissued = None
        if by_id is not None and by_id.name != name:
            # The same asset renamed in its source: allowed, unless the new name is taken.
            if by_name is not None and by_name.id != by_id.id:
                raise InvalidInput(f"asset name {name!r} already belongs to asset id {by_name.id}")
        elif by_id is None and by_name is not None and item["id"] and by_name.id != item["id"]:
            # The same name under a new _id: DocDB re-issued the record. Decided under the row lock.
            reissued = item["id"]
        current = by_id or by_name
        if current is None:
            asset_id = item["id"] or str(uuid.uuid5(uuid.NAMESPACE_URL, f"qc-portal:{name}"))
            record = {**record, "_id": asset_id}
            summary, failing = summarise_new(record)
            checked(summary, strict)
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
                value_rows(asset_id, summary),
                group_row(asset_id, summary),
                failing=failing,
            )
            existing[("id", asset_id)] = existing[("name", name)] = Known(asset_id, name, digest)
            return UpsertResult(asset_id, name, "created")
        if reissued is None and current.source_hash == digest:
            return UpsertResult(current.id, name, "unchanged")
        with connection.begin_nested():  # an update that fails rolls back alone
            result = self._update_one(connection, current, record, name, digest, actor, now, strict, item, reissued)
        if result.action == "updated":
            existing[("id", result.id)] = existing[("name", name)] = Known(result.id, name, digest)
        return result

    def _update_one(self, connection, current, record, name, digest, actor, now, strict, item,
                    reissued: str | None = None) -> UpsertResult:
        """Merge a changed record into the stored asset while holding its row.

        The row is locked (FOR UPDATE on PostgreSQL; SQLite's write lock) before the stored
        document is read, so an annotation or another ingest committed meanwhile is merged,
        never overwritten, and the version is the locked row's plus one.
        """
        stored = connection.execute(
            select(assets.c.document, assets.c.portal_edits, assets.c.version, assets.c.source_hash)
            .where(assets.c.id == current.id)
            .with_for_update()
        ).first()
        if stored is None:
            raise InvalidInput(f"asset {name!r} was renamed or removed while this ingest ran: ingest it again")
        lifecycle.refuse_deleted(connection, current.id, name)
        if reissued is None and stored.source_hash == digest:
            return UpsertResult(current.id, name, "unchanged")  # another ingest wrote this very file meanwhile
        if reissued is not None:
            newer, why = is_newer(record, stored.document)
            if not newer:
                raise InvalidInput(f"asset name {name!r} already exists with id {current.id}; this record has id "
                                   f"{reissued} and is not newer, so it was not stored: {why}")
        try:
            merged_qc = merge_quality_control(
                stored.document.get("quality_control"), record.get("quality_control"), stored.portal_edits
            )
        except QCReadError as exc:
            if strict:
                raise InvalidInput(f"quality_control cannot be read: {exc}") from None
            merged_qc = record.get("quality_control")  # stored with its error, like a new record
        asset_id = reissued or current.id
        record = {**merge_record(stored.document, record), "_id": asset_id, "quality_control": merged_qc}
        record = lifecycle.keep_name(connection, current.id, current.name, record)  # a portal rename sticks
        name = record["name"]
        summary, states = summarise_with_states(record)  # one validation for the summary and the events
        checked(summary, strict)
        old = aggregates.stored_contribution(connection, current.id)
        if reissued is not None:
            # The asset takes the new id: its status rows are rewritten under it below, and
            # the old id becomes an alias (asset_aliases follow the id by ON UPDATE CASCADE).
            self.store._delete_status_rows(connection, current.id)
        connection.execute(
            update(assets)
            .where(assets.c.id == current.id)
            .values(
                id=asset_id, version=stored.version + 1, source_hash=digest, document=record, updated_at=now,
                **asset_columns(summary),
            )
        )
        detail = {"source": item.get("origin"), **audit_detail(stored.document.get("quality_control"), merged_qc)}
        if reissued is not None:
            connection.execute(insert(asset_aliases).values(alias=current.id, asset_id=asset_id))
            detail["reissued_from"] = current.id
        self.store._write_status_rows(connection, asset_id, summary, replace=old)
        self.store._audit(connection, now, actor, asset_id, name, "reissue" if reissued else "update", detail)
        events.reingested(connection, now, actor, asset_id, name, stored.document, record, after_states=states)
        return UpsertResult(asset_id, name, "updated")

