"""`add_metrics` of the SQL store: metrics pushed by pipelines, merged in one transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from portal.errors import NotFound
from portal.metrics_merge import MetricsPayload, merge_metrics
from portal.qc import summarise
from portal.store.merge import record_edits
from portal.store.protocol import MetricsResult
from portal.store.sql import aggregates
from portal.store.sql.rows import asset_columns
from portal.store.sql.tables import assets

if TYPE_CHECKING:
    from portal.store.sql.store import SqlAssetStore


def add_metrics(store: SqlAssetStore, asset: str, payload: MetricsPayload, *, user: str) -> MetricsResult:
    """Merge `payload` into the asset's quality_control while holding its row (FOR UPDATE on
    PostgreSQL, SQLite's write lock): concurrent annotations and pushes apply one after the
    other, and each sees the other's entries. Status rows, counts and the audit log are
    written in the same transaction."""
    with store._tx() as connection:
        row = connection.execute(
            select(assets.c.id, assets.c.name, assets.c.version, assets.c.document, assets.c.portal_edits)
            .where((assets.c.name == asset) | (assets.c.id == asset))
            .with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"Asset not found: {asset}")
        outcome = merge_metrics(row.document.get("quality_control"), payload)
        if not outcome.changed:
            return MetricsResult(row.version)
        now = datetime.now(UTC)
        record = {**row.document, "quality_control": outcome.quality_control}
        summary = summarise(record, loaded=outcome.model)
        old = aggregates.stored_contribution(connection, row.id)
        connection.execute(
            update(assets)
            .where(assets.c.id == row.id)
            .values(
                version=row.version + 1, document=record, updated_at=now,
                # Pushed metrics count as the portal's: a later re-ingest of a file without them keeps them.
                portal_edits=record_edits(row.portal_edits, outcome.changes), **asset_columns(summary),
            )
        )
        store._write_status_rows(connection, row.id, summary, replace=old)
        detail = {"changes": json.loads(json.dumps(outcome.changes, default=str))}
        store._audit(connection, now, user, row.id, row.name, "add_metrics", detail)
    return MetricsResult(row.version + 1, tuple(outcome.added), tuple(outcome.replaced))
