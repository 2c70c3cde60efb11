"""Batch plumbing of the SQL store's upserts: preparing records, queuing new assets.

New assets of a batch are written with one executemany per table (the ingest hot
path); updates go one by one through SqlAssetStore.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from portal.errors import InvalidInput
from portal.qc import summarise
from portal.qc.identity import MetricIndex
from portal.qc.read import validate_view
from portal.qc.types import FAIL, AssetSummary
from portal.store.sql import aggregates, events, project_aggregates
from portal.store.sql.bulk import insert_rows
from portal.store.sql.project_tables import asset_groups
from portal.store.sql.tables import asset_metrics, asset_modalities, asset_stages, assets, audit_log, metric_values


def record_hash(record: dict) -> str:
    """A stable hash of a record, to recognise a re-ingest of an unchanged file."""
    blob = json.dumps(record, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def record_name(record: dict) -> str | None:
    """The asset name of a record: its `name`, else data_description.name."""
    name = record.get("name")
    if not name and isinstance(record.get("data_description"), dict):
        name = record["data_description"].get("name")
    return name if isinstance(name, str) and name.strip() else None

def audit_row(at, user, asset_id, asset_name, action, detail) -> dict:
    """One row of the audit log."""
    return {"at": at, "user": user, "asset_id": asset_id, "asset_name": asset_name, "action": action,
            "detail": detail}


def _summarise_view(record: dict):
    qc = record.get("quality_control")
    view = None
    if qc:
        try:
            view = validate_view(qc)
        except Exception:  # noqa: BLE001 - summarise reads it again and says why (never raising)
            view = None
    return summarise(record, loaded=view), view


def summarise_new(record: dict) -> tuple[AssetSummary, list[str]]:
    """The summary of a new asset's record and the keys of its failing metrics (its
    `metric_failed` events), from one validation of its quality_control.

    The same as `summarise(record)` and `events.metric_states(record)`'s Fail keys, which
    would each validate the document again (a third of ingest's time, issue 19).
    """
    summary, view = _summarise_view(record)
    if view is None or summary.qc_state != "ok" or not summary.counts.failed:
        return summary, []
    # An "ok" summary's metrics are metric_statuses(view), in document order, as metric_states reads them.
    keys = MetricIndex(view.metrics).keys
    return summary, [key for key, state in zip(keys, summary.metrics, strict=True) if state.status == FAIL]


def summarise_with_states(record: dict) -> tuple[AssetSummary, dict[str, str] | None]:
    """The summary of a record and `events.metric_states(record)`, from one validation of its
    quality_control; None for the states when only metric_states itself can say (a document
    that validates but cannot be summarised)."""
    summary, view = _summarise_view(record)
    if view is None:
        return summary, {}  # no quality_control, or one that cannot be read: no metrics to speak of
    if summary.qc_state != "ok":
        return summary, None
    keys = MetricIndex(view.metrics).keys
    return summary, {key: state.status for key, state in zip(keys, summary.metrics, strict=True)}


class Inserts:
    """New assets of a batch, written together (one bulk insert per table: portal.store.sql.bulk)."""

    def __init__(self):
        self.entries: list[tuple[int, dict, list, list, list, dict, list, dict | None]] = []
        self.failing: list[list[str] | None] = []  # per entry: its failing metric keys (None: not known)
        self.keys: set[str] = set()

    @property
    def assets(self) -> list[dict]:
        """The asset rows to insert."""
        return [entry[1] for entry in self.entries]

    def add(self, result_index: int, asset: dict, modalities: list, stages: list, metrics: list, audit: dict,
            values: list = (), group: dict | None = None, *, failing: list[str] | None = None) -> None:
        """Queue one new asset with its status rows (modality, stage, metric), audit row, numeric
        values and asset_groups row; `failing` are the keys of its failing metrics when the caller
        knows them (summarise_new), else its events read them from the document."""
        self.entries.append((result_index, asset, modalities, stages, metrics, audit, list(values), group))
        self.failing.append(failing)
        self.keys.update((asset["id"], asset["name"]))

    def holds(self, item: dict) -> bool:
        """True when the record's id or name is queued already."""
        return item.get("name") in self.keys or (item.get("id") or None) in self.keys

    def execute(self, connection) -> None:
        """Insert everything queued."""
        insert_rows(connection, assets, self.assets)
        for table, column in ((asset_modalities, 2), (asset_stages, 3), (asset_metrics, 4), (metric_values, 6)):
            insert_rows(connection, table, [row for entry in self.entries for row in entry[column]])
        insert_rows(connection, audit_log, [entry[5] for entry in self.entries])
        events.created(connection, self.assets, [entry[5] for entry in self.entries], failing=self.failing)
        delta = Counter()
        for entry in self.entries:
            delta.update(aggregates.contribution(entry[1], entry[2]))
        aggregates.apply(connection, delta)
        insert_rows(connection, asset_groups, [entry[7] for entry in self.entries if entry[7] is not None])
        per_metric = Counter()
        for entry in self.entries:
            project_aggregates.contribution(entry[7], entry[4], [row["position"] for row in entry[6]], entry[2],
                                            entry[3], into=per_metric)
        project_aggregates.apply(connection, per_metric)

    def split(self):
        """(result index, _Inserts of one asset) for each queued asset."""
        for entry, failing in zip(self.entries, self.failing, strict=True):
            one = Inserts()
            one.entries.append(entry)
            one.failing.append(failing)
            yield entry[0], one


def checked(summary, strict: bool):
    """The summary, or InvalidInput when `strict` and its quality_control cannot be read."""
    if strict and summary.qc_state == "error":
        raise InvalidInput(f"quality_control cannot be read: {summary.qc_error}")
    return summary


class Known:
    """A just-inserted asset, so later records of the same batch see it."""

    def __init__(self, id_: str, name: str, source_hash: str):
        self.id, self.name, self.source_hash = id_, name, source_hash


def prepare(record) -> dict:
    """{id, name, origin, record, hash} of a record to upsert, or {..., error} when it has no name."""
    if not isinstance(record, dict):
        return {"error": f"expected a JSON object, got {type(record).__name__}"}
    origin = record.pop("__origin__", None) if "__origin__" in record else None
    name = record_name(record)
    raw_id = record.get("_id")
    item = {"id": str(raw_id) if raw_id not in (None, "") else None, "name": name, "origin": origin}
    if name is None:
        item["error"] = "record has no asset name (neither `name` nor data_description.name)"
        return item
    item["record"] = {**record, "name": name}
    item["hash"] = record_hash(item["record"])
    return item


def chunks(ids: list[str], names: list[str], size: int = 400):
    """(ids, names) slices small enough for one IN clause each."""
    for start in range(0, max(len(ids), len(names)), size):
        yield ids[start : start + size] or [""], names[start : start + size] or [""]
