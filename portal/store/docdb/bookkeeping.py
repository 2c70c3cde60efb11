"""What the portal keeps about DocDB assets in its own database (the docdb_assets table).

DocDB records have no version counter and the portal may not add fields to them
(QualityControl forbids unknown fields, and other writers would not keep them). So the
portal numbers the quality_control documents it sees: an asset's version is bumped
whenever its quality_control's hash differs from the one last seen (a write through the
portal, or anyone else's), which is what the annotation conflict rules need.

DocDB's gateway has no conditional write either, so every read-modify-write of a DocDB
asset (annotate, push, ingest) runs inside `hold(asset_id)`: a transaction of the
portal's database that locks the asset's bookkeeping row (`SELECT ... FOR UPDATE` on
PostgreSQL, SQLite's write lock), so writers take turns across threads, gunicorn workers
and instances; the bookkeeping and the audit row are written in that same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from portal.store.merge import empty_edits
from portal.store.sql.batch import audit_row
from portal.store.sql.engine import begin_write
from portal.store.sql.tables import audit_log, docdb_assets

_UNSEEN = ""  # qc_hash of a bookkeeping row made by `hold` before any quality_control was seen


def qc_hash(quality_control) -> str:
    """A stable hash of a quality_control document (key order does not matter)."""
    blob = json.dumps(quality_control, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class Bookkeeping:
    """Versions and portal edits of DocDB assets, in the portal's SQL database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def version(self, asset_id: str, quality_control) -> int:
        """The version of `asset_id` whose quality_control is `quality_control` (bumped if it changed)."""
        digest = qc_hash(quality_control)
        with begin_write(self.engine) as connection:
            row = connection.execute(
                select(docdb_assets.c.version, docdb_assets.c.qc_hash).where(docdb_assets.c.asset_id == asset_id)
            ).first()
            if row is None:
                try:
                    with connection.begin_nested():
                        connection.execute(docdb_assets.insert().values(
                            asset_id=asset_id, version=1, qc_hash=digest, portal_edits=empty_edits()))
                    return 1
                except IntegrityError:  # another worker saw it first
                    row = connection.execute(select(docdb_assets.c.version, docdb_assets.c.qc_hash)
                                             .where(docdb_assets.c.asset_id == asset_id)).one()
            if row.qc_hash == digest:
                return row.version
            connection.execute(update(docdb_assets).where(docdb_assets.c.asset_id == asset_id)
                               .values(version=docdb_assets.c.version + 1, qc_hash=digest))
            return row.version + 1

    @contextmanager
    def hold(self, asset_id: str, *, rollback: bool = False) -> Iterator[Held]:
        """A transaction holding `asset_id`'s bookkeeping row until the block ends (rolled
        back then with `rollback`: a dry run leaves no row behind)."""
        with begin_write(self.engine) as connection:
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            connection.execute(dialect.insert(docdb_assets).values(
                asset_id=asset_id, version=1, qc_hash=_UNSEEN, portal_edits=empty_edits()
            ).on_conflict_do_nothing(index_elements=["asset_id"]))
            row = connection.execute(
                select(docdb_assets.c.version, docdb_assets.c.qc_hash, docdb_assets.c.portal_edits)
                .where(docdb_assets.c.asset_id == asset_id).with_for_update()
            ).one()
            yield Held(connection, asset_id, row.version, row.qc_hash, row.portal_edits or empty_edits())
            if rollback:
                connection.get_transaction().rollback()

    def versions(self, asset_ids: list[str]) -> dict[str, int]:
        """The last version seen of each asset (missing: never seen, version 1)."""
        if not asset_ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(select(docdb_assets.c.asset_id, docdb_assets.c.version)
                                      .where(docdb_assets.c.asset_id.in_(asset_ids))).all()
        return dict(rows)

    def edits(self, asset_id: str) -> dict:
        """What the portal changed in this asset (values, metrics, notes)."""
        with self.engine.connect() as connection:
            found = connection.execute(select(docdb_assets.c.portal_edits)
                                       .where(docdb_assets.c.asset_id == asset_id)).scalar()
        return found or empty_edits()

    def written(self, asset_id: str, version: int, quality_control, edits: dict | None = None) -> None:
        """Record that the portal wrote `quality_control` as `version` (and its edits)."""
        values = {"version": version, "qc_hash": qc_hash(quality_control)}
        if edits is not None:
            values["portal_edits"] = edits
        with begin_write(self.engine) as connection:
            done = connection.execute(update(docdb_assets).where(docdb_assets.c.asset_id == asset_id).values(**values))
            if done.rowcount == 0:
                connection.execute(docdb_assets.insert().values(
                    asset_id=asset_id, portal_edits=edits if edits is not None else empty_edits(), **{
                        k: v for k, v in values.items() if k != "portal_edits"}))


class Held:
    """One DocDB asset's bookkeeping row, locked: what a writer reads and records under it."""

    def __init__(self, connection, asset_id: str, version: int, digest: str, edits: dict):
        self.connection, self.asset_id = connection, asset_id
        self._version, self._digest, self.edits = version, digest, edits

    def version(self, quality_control) -> int:
        """The version of the asset whose quality_control is `quality_control` (bumped if it changed)."""
        digest = qc_hash(quality_control)
        if self._digest == _UNSEEN:
            self._set(version=self._version, qc_hash=digest)
        elif self._digest != digest:
            self._set(version=self._version + 1, qc_hash=digest)
        return self._version

    def written(self, version: int, quality_control, edits: dict | None = None) -> None:
        """Record that the portal wrote `quality_control` as `version` (and its edits)."""
        values = {"version": version, "qc_hash": qc_hash(quality_control)}
        if edits is not None:
            values["portal_edits"] = edits
            self.edits = edits
        self._set(**values)

    def audit(self, at, user, asset_name, action, detail) -> None:
        """Append the write's audit row in the same transaction."""
        self.connection.execute(insert(audit_log), [audit_row(at, user, self.asset_id, asset_name, action, detail)])

    def _set(self, **values) -> None:
        self.connection.execute(update(docdb_assets).where(docdb_assets.c.asset_id == self.asset_id).values(**values))
        self._version = values.get("version", self._version)
        self._digest = values.get("qc_hash", self._digest)
