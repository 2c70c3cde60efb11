"""Writing the event log: what happened to which asset and metric, who did it, and when.

Every function takes the open connection of the write it records, so an event commits
with its change or not at all (the hooks are one line each in the store's write paths:
annotate, push, ingest's create and update, and the lifecycle operations). Types:

- `annotation`: a reviewer's change, one event per metric changed (its key in `metric`;
  the asset's notes are an event without a metric), from the asset page, the batch
  upload or the REST API;
- `metric_added`: a metric an existing asset did not have, pushed or re-ingested (the
  metrics of a new asset are counted in its `asset_created`, not one event each);
- `metric_failed`: a metric whose own latest status became Fail (an annotation, a push,
  a re-ingest; a new asset's failing metrics too), whatever it was before;
- `asset_created`, `asset_deleted`, `asset_restored`, `asset_renamed`.

Readers page through the log by position (portal.store.sql.event_feed).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import insert, text

from portal.qc import QCReadError, metric_statuses
from portal.qc.identity import MetricIndex
from portal.qc.read import validate_view
from portal.store.sql.bulk import insert_rows
from portal.store.sql.tables import events

log = logging.getLogger(__name__)

EVENT_TYPES = ("annotation", "metric_added", "metric_failed", "asset_created", "asset_deleted", "asset_restored",
               "asset_renamed")


def emit(connection, rows: list[dict], *, bulk: bool = False) -> None:
    """Insert events in the caller's transaction (on PostgreSQL, stamped with its transaction id);
    `bulk` for many rows at once (portal.store.sql.bulk: an ingest batch's events)."""
    if not rows:
        return
    tx = 0
    if connection.dialect.name == "postgresql":
        # Ids come from a sequence in insertion order, not commit order; the transaction id
        # lets readers hold back what a transaction still running may yet commit (event_feed).
        tx = connection.execute(text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
    stamped = [{**row, "tx": tx} for row in rows]
    if bulk:
        insert_rows(connection, events, stamped)
    else:
        connection.execute(insert(events), stamped)


def event(kind: str, at: datetime, user: str, asset_id: str, asset_name: str, metric: str | None = None,
          detail: dict | None = None) -> dict:
    """One row of the event log."""
    return {"type": kind, "at": at, "user": user or "", "asset_id": asset_id, "asset_name": asset_name,
            "metric": metric or None, "detail": _jsonable(detail or {})}


def annotated(connection, at: datetime, user: str, asset_id: str, asset_name: str, changes, *,
              evaluator: str = "") -> None:
    """`annotation` per metric an annotation changed (and per notes edit); `metric_failed` where
    a status change set Fail on a metric that was not failing."""
    by_key: dict[str, list[dict]] = {}
    failed = []
    for change in changes:
        key = change.get("key") or ("" if change.get("field") == "notes" else change.get("metric") or "")
        by_key.setdefault(key, []).append({k: change.get(k) for k in ("field", "old", "new")})
        if change.get("field") == "status" and change.get("new") == "Fail" and change.get("old") != "Fail":
            failed.append((key, change.get("old")))
    rows = [event("annotation", at, user, asset_id, asset_name, key,
                  {"changes": fields, "evaluator": evaluator}) for key, fields in by_key.items()]
    rows += [event("metric_failed", at, user, asset_id, asset_name, key, {"previous": old, "by": "annotation"})
             for key, old in failed]
    emit(connection, rows)


def pushed(connection, at: datetime, user: str, asset_id: str, asset_name: str, changes) -> None:
    """`metric_added` per metric a push added; `metric_failed` per metric it made failing."""
    rows = []
    for change in changes:
        key, old, new = change.get("key"), change.get("old"), change.get("new")
        if change.get("field") != "metric":
            continue
        if old is None:
            rows.append(event("metric_added", at, user, asset_id, asset_name, key, {"status": new, "by": "push"}))
        if new == "Fail" and old != "Fail":
            rows.append(event("metric_failed", at, user, asset_id, asset_name, key, {"previous": old, "by": "push"}))
    emit(connection, rows)


def reingested(connection, at: datetime, user: str, asset_id: str, asset_name: str, before: dict,
               after: dict, *, after_states: dict[str, str] | None = None) -> None:
    """`metric_added` / `metric_failed` for what a re-ingest changed (the stored and the new
    record compared by metric key); `after_states` is `metric_states(after)` when the caller has
    it already (portal.store.sql.batch.summarise_with_states)."""
    old = metric_states(before)
    new = after_states if after_states is not None else metric_states(after)
    rows = []
    for key, status in new.items():
        if key not in old:
            rows.append(event("metric_added", at, user, asset_id, asset_name, key, {"status": status, "by": "ingest"}))
        if status == "Fail" and old.get(key) != "Fail":
            rows.append(event("metric_failed", at, user, asset_id, asset_name, key,
                              {"previous": old.get(key), "by": "ingest"}))
    emit(connection, rows)


def created(connection, assets_rows: list[dict], audit_rows: list[dict],
            failing: list[list[str] | None] | None = None) -> None:
    """`asset_created` for each new asset of an ingest batch (its metric counts in the detail), and
    `metric_failed` for each of its failing metrics: their keys, per asset, in `failing` when the
    caller knows them (None for one it does not), else read from the asset's document."""
    rows = []
    known = failing if failing is not None else [None] * len(assets_rows)
    for asset, audit, keys in zip(assets_rows, audit_rows, known, strict=True):
        at, user, asset_id, name = audit["at"], audit["user"], asset["id"], asset["name"]
        rows.append(event("asset_created", at, user, asset_id, name, None, {
            "status": asset.get("status"), "metrics": asset.get("n_total", 0), "fail": asset.get("n_fail", 0),
            "pending": asset.get("n_pending", 0), **({"source": audit["detail"].get("source")}
                                                     if (audit.get("detail") or {}).get("source") else {})}))
        if asset.get("n_fail"):
            if keys is None:
                keys = [key for key, status in metric_states(asset["document"]).items() if status == "Fail"]
            rows += [event("metric_failed", at, user, asset_id, name, key, {"previous": None, "by": "create"})
                     for key in keys]
    emit(connection, rows, bulk=True)


def metric_states(record: dict | None) -> dict[str, str]:
    """{metric key: its own latest status} of a record's quality_control ({} without one, or
    when it cannot be read: such a document has no metrics to speak of)."""
    qc = (record or {}).get("quality_control")
    if not qc:
        return {}
    try:
        view = validate_view(qc)
    except QCReadError:
        return {}
    except Exception:  # noqa: BLE001 - an odd stored document must never fail the write it comes with
        log.exception("cannot read the metrics of %s for the event log", (record or {}).get("name"))
        return {}
    keys = MetricIndex(view.metrics).keys
    return {key: state.status for key, state in zip(keys, metric_statuses(view), strict=True)}


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _jsonable(value):
    # A flat dict of JSON's own scalars comes back from the round trip equal to itself: copy it
    # (an ingest batch builds thousands of such details; the round trip was 4% of its time).
    if type(value) is dict and all(type(k) is str and type(v) in _SCALARS for k, v in value.items()):
        return dict(value)
    return json.loads(json.dumps(value, default=str))
