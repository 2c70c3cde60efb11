"""The asset lifecycle with a DocDB store: what the portal may do to records it does not own.

DocDB is AIND's system of record and the portal writes only `quality_control` there. So:

- **delete, restore, rename** are refused (409) with a message saying so: a record is
  deleted or renamed in DocDB, by AIND's tools, and every portal instance then follows.
  Hiding a record in the portal's own bookkeeping would make this portal disagree with
  DocDB and with every other reader of it, silently;
- **create** (`PUT /api/v1/assets/{name}`) inserts a new record only when the store URL
  allows inserts (`&create=true`, local and test gateways), as ingest does; otherwise it is
  refused ("not in DocDB"). An existing record's data description is DocDB's: the same one
  again is "unchanged", another one is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from portal.errors import Conflict, InvalidInput
from portal.qc import summarise
from portal.store.protocol import DeletedAsset, LifecycleResult
from portal.store.sql import events
from portal.store.sql.engine import begin_write

if TYPE_CHECKING:
    from portal.store.docdb.store import DocDbAssetStore

_OWNED = ("this portal reads its assets from DocDB, AIND's system of record, and writes only their "
          "quality_control there: {what} the record in DocDB itself")


class DocDbLifecycle:
    """Lifecycle operations of DocDbAssetStore (mixed in)."""

    def delete_asset(self, key: str, *, user: str) -> LifecycleResult:
        """Refused: DocDB's records are deleted in DocDB."""
        raise Conflict(_OWNED.format(what="delete"))

    def restore_asset(self, key: str, *, user: str) -> LifecycleResult:
        """Refused: the portal never deletes DocDB records, so there is nothing to restore."""
        raise Conflict(_OWNED.format(what="restore (re-register)"))

    def rename_asset(self, key: str, new_name: str, *, user: str) -> LifecycleResult:
        """Refused: DocDB's records are renamed in DocDB."""
        raise Conflict(_OWNED.format(what="rename"))

    def deleted_assets(self, limit: int = 1000) -> list[DeletedAsset]:
        """None: the portal deletes nothing in DocDB."""
        return []

    def is_deleted(self, key: str) -> bool:
        """False: the portal deletes nothing in DocDB."""
        return False

    def renamed_to(self, key: str) -> str | None:
        """None: the portal renames nothing in DocDB."""
        return None

    def create_asset(self: DocDbAssetStore, name: str, record: dict, *, user: str) -> LifecycleResult:
        """Insert a new record (only with `create=true`); an existing one is left as DocDB has it."""
        found = self._record(name, {"_id": 1, "name": 1, "data_description": 1, "location": 1})
        if found is not None:
            same = all(found.get(k) == v for k, v in record.items() if k != "name")
            if same:
                stored = self.get(str(found["_id"]))
                return LifecycleResult(str(found["_id"]), name, "unchanged", stored.version if stored else 1)
            raise Conflict(f"{name} is in DocDB already, with another data description; "
                           + _OWNED.format(what="change the data description of"))
        if not self.create:
            raise Conflict(f"{name} is not in DocDB, and records are registered there by AIND's pipelines "
                           "(this portal writes only quality_control; a local gateway may allow inserts with "
                           "&create=true in QC_PORTAL_STORE)")
        result = self.upsert({**record, "name": name, "__origin__": "PUT /api/v1/assets"}, actor=user, strict=True)
        if result.action == "error":
            raise InvalidInput(result.error or "the record could not be inserted")
        return LifecycleResult(result.id, name, result.action, 1)

    def upsert(self, record: dict, *, actor: str = "ingest", strict: bool = False):
        """Insert or update one record (DocDB's ingest rules)."""
        return self.upsert_many([record], actor=actor, strict=strict)[0]


def created_event(engine, user: str, asset_id: str, name: str, record: dict, origin) -> None:
    """The `asset_created` event of a record inserted into DocDB (in the portal's database)."""
    summary = summarise(record)
    asset = {"id": asset_id, "name": name, "status": summary.overall_status, "n_total": summary.counts.total,
             "n_fail": summary.counts.failed, "n_pending": summary.counts.pending, "document": record}
    audit = {"at": datetime.now(UTC), "user": user, "detail": {"source": origin}}
    with begin_write(engine) as connection:
        events.created(connection, [asset], [audit])
