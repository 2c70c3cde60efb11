"""`add_metrics` of the SQL store: metrics pushed by pipelines, merged in one transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from portal.qc.diff import audit_detail
from portal.review.metrics_merge import MetricsPayload, merge_metrics
from portal.store.merge import record_edits
from portal.store.protocol import Actor, MetricsResult
from portal.store.sql import events

if TYPE_CHECKING:
    from portal.store.sql.store import SqlAssetStore


def add_metrics(store: SqlAssetStore, asset: str, payload: MetricsPayload, *, user: Actor | str) -> MetricsResult:
    """Merge `payload` into the asset's quality_control while holding its row (FOR UPDATE on
    PostgreSQL, SQLite's write lock): concurrent annotations and pushes apply one after the
    other, and each sees the other's entries. Status rows, counts and the audit log (under the
    actor's account, listing every status entry new to the asset) are written in the same
    transaction."""
    actor = Actor.of(user)
    with store._tx() as connection:
        row = store._locked(connection, asset)
        now = datetime.now(UTC)
        outcome = merge_metrics(row.document.get("quality_control"), payload, actor=actor, now=now)
        if not outcome.changed:
            return MetricsResult(row.version)
        record = {**row.document, "quality_control": outcome.quality_control}
        # Pushed metrics count as the portal's: a later re-ingest of a file without them keeps them.
        store.write_document(connection, row, record, outcome.model, now=now,
                             portal_edits=record_edits(row.portal_edits, outcome.changes))
        detail = {"changes": _jsonable(outcome.changes), "entries": outcome.entries,
                  "evaluator": actor.display_name,
                  **audit_detail(row.document.get("quality_control"), outcome.quality_control)}
        store._audit(connection, now, actor.account, row.id, row.name, "add_metrics", detail)
        events.pushed(connection, now, actor.account, row.id, row.name, outcome.changes)
    return MetricsResult(row.version + 1, tuple(outcome.added), tuple(outcome.replaced))


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))
