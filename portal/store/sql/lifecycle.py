"""The asset lifecycle of the SQL store: create from a data description, soft delete, restore, rename.

Each operation holds the asset's row (FOR UPDATE on PostgreSQL, SQLite's write lock) and
writes its audit row and its event in the same transaction.

- **Delete** is soft: the asset's row, document, aliases and audit log stay; an
  `asset_deletions` row hides it from every read (portal.store.sql.hidden), its status
  rows and its share of asset_counts are removed, and writes to it (annotate, push,
  ingest) are refused as for an unknown asset.
- **Restore** removes the deletion and writes the status rows and counts again from the
  document, so the asset is back exactly as it was.
- **Rename** changes the asset's name (its `name` and `data_description.name`); the old
  name becomes an alias (asset_aliases), so pages, the API and the audit log still find
  it by the old name, and a re-ingest of a record under the old name updates the renamed
  asset and keeps its new name.
- **Create** (`PUT /api/v1/assets/{name}`) makes an asset from a data description, or
  replaces the data description of an existing one (its quality_control is never touched).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select, update

from portal.errors import Conflict, InvalidInput, NotFound
from portal.qc import summarise
from portal.store.protocol import DeletedAsset, LifecycleResult
from portal.store.sql import aggregates, events, hidden
from portal.store.sql.rows import asset_columns
from portal.store.sql.tables import asset_aliases, asset_deletions, assets

if TYPE_CHECKING:
    from portal.store.sql.store import SqlAssetStore

MAX_NAME = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_name(name: str) -> str:
    """A new asset name, stripped; InvalidInput when it cannot be one."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("an asset name may not be empty")
    name = name.strip()
    if len(name) > MAX_NAME or _CONTROL.search(name):
        raise InvalidInput(f"an asset name has at most {MAX_NAME} characters and no control characters")
    return name


class Lifecycle:
    """Lifecycle operations, mixed into SqlAssetStore (which gives `_tx`, `_read`, `_audit`,
    `_delete_status_rows`, `_write_status_rows` and `write_document`)."""

    def delete_asset(self: SqlAssetStore, key: str, *, user: str) -> LifecycleResult:
        """Hide an asset everywhere (soft delete); Conflict when it is deleted already."""
        with self._tx() as connection:
            row = _lock(connection, key)
            gone = hidden.deletion(connection, row.id)
            if gone is not None:
                raise Conflict(f"{row.name} was deleted already ({_when(gone.deleted_at)} by {gone.deleted_by})")
            now = datetime.now(UTC)
            removed = Counter()
            removed.subtract(aggregates.stored_contribution(connection, row.id))  # read before the rows go
            self._delete_status_rows(connection, row.id)
            aggregates.apply(connection, removed)
            connection.execute(insert(asset_deletions).values(asset_id=row.id, deleted_at=now, deleted_by=user))
            connection.execute(update(assets).where(assets.c.id == row.id).values(status=hidden.DELETED))
            self._audit(connection, now, user, row.id, row.name, "delete", {})
            events.emit(connection, [events.event("asset_deleted", now, user, row.id, row.name)])
        return LifecycleResult(row.id, row.name, "deleted", row.version)

    def restore_asset(self: SqlAssetStore, key: str, *, user: str) -> LifecycleResult:
        """Bring a deleted asset back as it was; Conflict when it is not deleted."""
        with self._tx() as connection:
            row = _lock(connection, key)
            gone = hidden.deletion(connection, row.id)
            if gone is None:
                raise Conflict(f"{row.name} is not deleted")
            now = datetime.now(UTC)
            connection.execute(delete(asset_deletions).where(asset_deletions.c.asset_id == row.id))
            summary = summarise(row.document)
            # The summary columns as of now (statuses can depend on the time), then the status
            # rows and counts the delete removed, from the same summary.
            connection.execute(update(assets).where(assets.c.id == row.id).values(**asset_columns(summary)))
            self._write_status_rows(connection, row.id, summary, replace=Counter())
            self._audit(connection, now, user, row.id, row.name, "restore",
                        {"deleted_at": gone.deleted_at.isoformat(), "deleted_by": gone.deleted_by})
            events.emit(connection, [events.event("asset_restored", now, user, row.id, row.name)])
        return LifecycleResult(row.id, row.name, "restored", row.version)

    def rename_asset(self: SqlAssetStore, key: str, new_name: str, *, user: str) -> LifecycleResult:
        """Rename an asset (deleted ones too); the old name becomes an alias. Conflict when the new
        name is another asset's name, id or old name."""
        new_name = check_name(new_name)
        with self._tx() as connection:
            row = _lock(connection, key)
            if new_name == row.name:
                raise InvalidInput(f"{row.name} is named so already")
            _refuse_taken(connection, new_name, row.id)
            now = datetime.now(UTC)
            # Renamed back to a name it had: that name is its name again, no longer an alias.
            connection.execute(delete(asset_aliases).where(asset_aliases.c.alias == new_name))
            if connection.execute(select(asset_aliases.c.alias).where(asset_aliases.c.alias == row.name)).first() \
                    is None:
                connection.execute(insert(asset_aliases).values(alias=row.name, asset_id=row.id))
            document = named(row.document, new_name)
            connection.execute(update(assets).where(assets.c.id == row.id).values(
                name=new_name, document=document, version=row.version + 1, updated_at=now))
            self._audit(connection, now, user, row.id, new_name, "rename", {"from": row.name, "to": new_name})
            events.emit(connection, [events.event("asset_renamed", now, user, row.id, new_name, None,
                                                  {"from": row.name, "to": new_name})])
        return LifecycleResult(row.id, new_name, "renamed", row.version + 1)

    def create_asset(self: SqlAssetStore, name: str, record: dict, *, user: str) -> LifecycleResult:
        """Create the asset `name` from `record` (name, data_description, location), or replace the
        data description and location of the asset of that name (its QC is kept). Conflict when the
        name is a deleted asset's or an old name of a renamed one."""
        name = check_name(name)
        with self._tx() as connection:
            row = connection.execute(_row_columns().where(assets.c.name == name).with_for_update()).first()
            if row is None:
                renamed = connection.execute(
                    select(assets.c.name).join(asset_aliases, asset_aliases.c.asset_id == assets.c.id)
                    .where(asset_aliases.c.alias == name)).first()
                if renamed is not None:
                    raise Conflict(f"{name} was renamed to {renamed.name}: use that name")
                _refuse_taken(connection, name, "")  # no name that is another asset's id
            elif hidden.deletion(connection, row.id) is not None:
                raise Conflict(f"{name} was deleted: restore it (qc-portal assets restore) or choose another name")
            else:
                document = {**row.document, **record, "name": name}
                if document == row.document:
                    return LifecycleResult(row.id, name, "unchanged", row.version)
                now = datetime.now(UTC)
                self.write_document(connection, row, document, None, now=now, portal_edits=row.portal_edits)
                self._audit(connection, now, user, row.id, name, "update",
                            {"fields": sorted(k for k in record if record[k] != row.document.get(k))})
                return LifecycleResult(row.id, name, "updated", row.version + 1)
        # A new asset: written by the ingest path (one transaction: row, status rows, counts, audit, event).
        from portal.store.sql.upserts import SqlUpserter

        result = SqlUpserter(self, user, True).run([{**record, "name": name, "__origin__": "PUT /api/v1/assets"}])[0]
        if result.action == "error":
            raise InvalidInput(result.error or "the asset could not be created")
        stored = self.get(result.id)
        return LifecycleResult(result.id, name, result.action, stored.version if stored else 1)

    def deleted_assets(self: SqlAssetStore, limit: int = 1000) -> list[DeletedAsset]:
        """Deleted assets, most recently deleted first."""
        with self._read() as connection:
            rows = connection.execute(
                select(assets.c.id, assets.c.name, asset_deletions.c.deleted_at, asset_deletions.c.deleted_by)
                .join(asset_deletions, asset_deletions.c.asset_id == assets.c.id)
                .order_by(asset_deletions.c.deleted_at.desc()).limit(limit)).all()
        return [DeletedAsset(r.id, r.name, r.deleted_at, r.deleted_by) for r in rows]

    def is_deleted(self: SqlAssetStore, key: str) -> bool:
        """True when the asset `key` (name, id or alias) is deleted: three primary-key probes, for
        caches of an asset's details that must not outlive its deletion."""
        from portal.store.sql.store import _key_clause

        with self._read() as connection:
            return connection.execute(select(asset_deletions.c.asset_id).join(
                assets, assets.c.id == asset_deletions.c.asset_id).where(_key_clause(key)).limit(1)).first() \
                is not None

    def renamed_to(self: SqlAssetStore, key: str) -> str | None:
        """The current name of the (not deleted) asset `key` is an old name or old id of; None otherwise."""
        with self._read() as connection:
            row = connection.execute(
                select(assets.c.name).join(asset_aliases, asset_aliases.c.asset_id == assets.c.id)
                .where(asset_aliases.c.alias == key, assets.c.name != key, hidden.visible())).first()
        return row.name if row is not None else None

    def schema_versions(self: SqlAssetStore) -> dict[str, int]:
        """Assets per stored quality_control schema_version ("(none)" without one), deleted ones left out."""
        with self._read() as connection:
            rows = connection.execute(select(assets.c.schema_version, func.count()).where(hidden.visible())
                                      .group_by(assets.c.schema_version))
            return {version or "(none)": n for version, n in rows}


def named(document: dict, name: str) -> dict:
    """`document` under the asset name `name` (its `name` and, when it has one, `data_description.name`)."""
    out = {**document, "name": name}
    if isinstance(document.get("data_description"), dict) and "name" in document["data_description"]:
        out["data_description"] = {**document["data_description"], "name": name}
    return out


def refuse_deleted(connection, asset_id: str, name: str) -> None:
    """InvalidInput when the asset is deleted (ingest: a deleted asset is not updated)."""
    if hidden.deletion(connection, asset_id) is not None:
        raise InvalidInput(f"asset {name!r} was deleted in the portal; restore it first "
                           f"(qc-portal assets restore {name}) to ingest it again")


def renamed_from(connection, names: list[str]) -> dict[str, object]:
    """{old name: (id, name, source_hash) row of the asset renamed from it} for names that are aliases."""
    rows = connection.execute(
        select(asset_aliases.c.alias, assets.c.id, assets.c.name, assets.c.source_hash)
        .join(assets, assets.c.id == asset_aliases.c.asset_id).where(asset_aliases.c.alias.in_(names))
    ).all()
    return {row.alias: row for row in rows}


def keep_name(connection, asset_id: str, stored_name: str, record: dict) -> dict:
    """`record` under the stored name when its own name is one the asset was renamed from in the
    portal (a re-ingest of the original folder must not undo the rename)."""
    name = record.get("name")
    if name == stored_name or not name:
        return record
    alias = connection.execute(select(asset_aliases.c.asset_id).where(asset_aliases.c.alias == name)).first()
    return named(record, stored_name) if alias is not None and alias.asset_id == asset_id else record


def _row_columns():
    return select(assets.c.id, assets.c.name, assets.c.version, assets.c.document, assets.c.portal_edits)


def _lock(connection, key: str):
    """The asset's row by name, id or alias, deleted or not, locked until the transaction ends."""
    from portal.store.sql.store import _key_clause

    row = connection.execute(_row_columns().where(_key_clause(key)).with_for_update()).first()
    if row is None:
        raise NotFound(f"Asset not found: {key}")
    return row


def _refuse_taken(connection, name: str, asset_id: str) -> None:
    other = connection.execute(select(assets.c.id).where(
        ((assets.c.name == name) | (assets.c.id == name)) & (assets.c.id != asset_id))).first()
    if other is None:
        other = connection.execute(select(asset_aliases.c.asset_id).where(
            (asset_aliases.c.alias == name) & (asset_aliases.c.asset_id != asset_id))).first()
    if other is not None:
        raise Conflict(f"the name {name} is taken (another asset has it as its name, id or an old name)")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
