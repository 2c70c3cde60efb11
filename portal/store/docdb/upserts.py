"""Ingest into a DocDB store: update the quality_control of the records DocDB has.

DocDB is AIND's system of record: its records are registered by AIND's pipelines, and
the portal owns nothing in them but reviews. So ingesting into a DocDB store

- matches each record to a DocDB record by `_id`, then by name;
- writes only `quality_control` (merged exactly as the SQL store merges it: status
  histories unioned, values and notes set in the portal kept, annotated metrics never
  dropped), and "unchanged" when the merge gives what DocDB already holds;
- refuses a record DocDB does not have ("not in DocDB"), unless the store was opened
  with `create=true` (local gateways and tests), which inserts it whole.

One request per batch finds the existing records; each changed record is one
`upsert_one_docdb_record` (or `insert_one_docdb_record`), read back and verified.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING

from portal.errors import InvalidInput, PortalError
from portal.qc import QCReadError, dump_qc, load_qc, summarise
from portal.qc.diff import audit_detail
from portal.store.docdb.bookkeeping import qc_hash
from portal.store.docdb.client import call, checked
from portal.store.docdb.lifecycle import created_event
from portal.store.merge import merge_quality_control
from portal.store.protocol import UpsertResult
from portal.store.sql import events
from portal.store.sql.batch import checked as checked_summary
from portal.store.sql.batch import record_name

if TYPE_CHECKING:
    from portal.store.docdb.store import DocDbAssetStore

_BATCH = 200


class Upserter:
    """One ingest run into a DocDB store."""

    def __init__(self, store: DocDbAssetStore, *, dry_run: bool = False):
        self.store, self.dry_run = store, dry_run

    def run(self, records: Iterable[dict], *, actor: str, strict: bool) -> list[UpsertResult]:
        """Upsert every record; one bad record gives an "error" result and never stops the others."""
        results: list[UpsertResult] = []
        iterator = iter(records)
        while batch := list(islice(iterator, _BATCH)):
            existing = self._existing(batch)
            for record in batch:
                results.append(self._one(record, existing, actor, strict))
        return results

    def _existing(self, batch: list[dict]) -> dict:
        """The stored {_id, name, quality_control} of every record the batch names, by id and name."""
        ids = [r["_id"] for r in batch if isinstance(r, dict) and r.get("_id")]
        names = [n for n in (record_name(r) for r in batch if isinstance(r, dict)) if n]
        if not ids and not names:
            return {}
        found = call(self.store.target, "finding existing records", lambda: self.store.client._find_records(
            filter_query={"$or": [{"_id": {"$in": ids}}, {"name": {"$in": names}}]},
            projection={"name": 1, "quality_control": 1}, limit=0))
        existing: dict = {}
        for record in found:
            existing[("id", str(record["_id"]))] = record
            if record.get("name"):
                existing[("name", record["name"])] = record
        return existing

    def _one(self, record: dict, existing: dict, actor: str, strict: bool) -> UpsertResult:
        origin = record.pop("__origin__", None) if isinstance(record, dict) else None
        name = record_name(record) if isinstance(record, dict) else None
        record_id = str(record["_id"]) if isinstance(record, dict) and record.get("_id") else None
        if name is None:
            return UpsertResult(record_id or "", "", "error", "the record has no asset name (name or "
                                                               "data_description.name)")
        by_id = existing.get(("id", record_id)) if record_id else None
        by_name = existing.get(("name", name))
        try:
            if by_id is None and by_name is not None and record_id and str(by_name["_id"]) != record_id:
                raise InvalidInput(f"asset name {name!r} already exists with id {by_name['_id']}; "
                                   f"this record has id {record_id}: DocDB holds the record under the other id "
                                   "(the portal never moves DocDB records; a re-issued record is updated under "
                                   "its own id once DocDB has it)")
            current = by_id or by_name
            if current is None:
                return self._create(record, record_id, name, existing, actor, strict, origin)
            return self._update(record, current, name, actor, strict, origin, existing)
        except (QCReadError, PortalError) as exc:
            return UpsertResult(record_id or "", name, "error", exc.message if isinstance(exc, PortalError)
                                else str(exc))

    def _create(self, record, record_id, name, existing, actor, strict, origin) -> UpsertResult:
        if not self.store.create:
            raise InvalidInput(f"{name!r} is not in DocDB: the portal only updates the quality_control of "
                               "records DocDB already has")
        asset_id = record_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"qc-portal:{name}"))
        record = {**record, "_id": asset_id, "name": name}
        checked_summary(summarise(record), strict)
        if self.dry_run:  # every check done; nothing inserted, nothing audited
            existing[("id", asset_id)] = existing[("name", name)] = {"_id": asset_id, "name": name,
                                                                      "quality_control": record.get("quality_control")}
            return UpsertResult(asset_id, name, "created")
        call(self.store.target, f"inserting {name}",
             lambda: checked(self.store.client.insert_one_docdb_record(record)))
        self.store.books.written(asset_id, 1, record.get("quality_control"))
        existing[("id", asset_id)] = existing[("name", name)] = {"_id": asset_id, "name": name,
                                                                  "quality_control": record.get("quality_control")}
        self.store.audit(datetime.now(UTC), actor, asset_id, name, "create", {"source": origin})
        created_event(self.store.engine, actor, asset_id, name, record, origin)
        return UpsertResult(asset_id, name, "created")

    def _update(self, record, current, name, actor, strict, origin, existing) -> UpsertResult:
        asset_id = str(current["_id"])
        if qc_hash(record.get("quality_control")) == qc_hash(current.get("quality_control")):
            return UpsertResult(asset_id, name, "unchanged")
        # Under the asset's lock (Bookkeeping.hold) and on DocDB's latest document: an annotation
        # or a push committed since the batch was read is merged, never overwritten.
        with self.store.books.hold(asset_id, rollback=self.dry_run) as held:
            stored_qc = self.store._latest(asset_id).get("quality_control")
            try:
                merged = merge_quality_control(stored_qc, record.get("quality_control"), held.edits)
            except QCReadError as exc:
                if strict:
                    raise InvalidInput(f"quality_control cannot be read: {exc}") from None
                merged = record.get("quality_control")
            if qc_hash(merged) in (qc_hash(stored_qc), _normalised_hash(stored_qc)):
                return UpsertResult(asset_id, name, "unchanged")
            checked_summary(summarise({**record, "quality_control": merged}), strict)
            if self.dry_run:  # the merge DocDB would get; nothing written, nothing audited
                current["quality_control"] = merged
                return UpsertResult(asset_id, name, "updated")
            version = held.version(stored_qc)
            self.store.write_qc(asset_id, merged, what=f"updating {name}")
            found = call(self.store.target, "reading back an update", lambda: self.store.client._find_records(
                filter_query={"_id": asset_id}, projection={"quality_control": 1}, limit=1))
            if not found or qc_hash(found[0].get("quality_control")) != qc_hash(merged):
                raise InvalidInput(f"DocDB accepted the update of {name!r} but does not show it on read-back")
            held.written(version + 1, merged)
            held.audit(datetime.now(UTC), actor, name, "update", {"source": origin, **audit_detail(stored_qc, merged)})
            events.reingested(held.connection, datetime.now(UTC), actor, asset_id, name,
                              {"quality_control": stored_qc}, {"quality_control": merged})
        current["quality_control"] = merged  # the same asset again later in the batch merges onto this
        existing[("id", asset_id)] = current
        return UpsertResult(asset_id, name, "updated")


def _normalised_hash(quality_control) -> str | None:
    """The hash of a stored document as the merge writes it (None when it cannot be read)."""
    if not quality_control:
        return None
    try:
        return qc_hash(dump_qc(load_qc(quality_control)))
    except QCReadError:
        return None
