"""Pre-aggregated project counts (project_metrics, project_cells) and their upkeep.

Every write that rewrites an asset's status rows goes through SqlAssetStore's
`_delete_status_rows` (which subtracts what the asset contributed, read from its stored
status rows before they go: status_rows.stored_contribution) and `_write_status_rows`
(which adds the new contribution, netted with the old: a one-metric annotation upserts the
few rows it changes),
and new assets of an ingest batch through batch.Inserts: so ingest, re-ingest, re-issue,
annotate, push, batch, restore and delete keep both tables exact in their own
transaction, as aggregates does for asset_counts. A rename changes no row here.

Counting metrics: each metric of an asset is counted once under its own latest status,
except a Fail that `allow_tag_failures` tolerates, which is counted as `tolerated` (the
schema counts it as Pass towards every group status: it does not fail the asset).
Deltas are Counters keyed by ("m", *project_metrics key, column) and ("c", *project_cells key).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, func, insert, literal, select, union_all

from portal.qc.types import FAIL, PASS, PENDING
from portal.store.sql import bulk
from portal.store.sql.project_tables import asset_groups, project_cells, project_metrics
from portal.store.sql.tables import asset_metrics, asset_modalities, asset_stages, metric_values

ALL = "*"  # the dimension of the rows that count every asset once
INSTRUMENT, EXPERIMENTER = "instrument", "experimenter"
COLUMNS = ("passed", "failed", "pending", "tolerated", "n_values")
_KEY = ("project", "name", "modality", "stage", "dimension", "value")
_CELL = ("project", "kind", "a", "b", "status")
_COLUMN = {PASS: "passed", FAIL: "failed", PENDING: "pending"}


def _dimensions(group: dict) -> list[tuple[str, str]]:
    dims = [(ALL, ""), (INSTRUMENT, group.get("instrument") or "")]
    dims.extend((EXPERIMENTER, name) for name in group.get("experimenters") or ())
    return dims


def contribution(group: dict | None, metrics: Iterable[dict], valued: Iterable[int],
                 modalities: Iterable[dict] = (), stages: Iterable[dict] = (), *,
                 into: Counter | None = None) -> Counter:
    """What one asset adds to both tables, from its asset_groups row, asset_metrics rows, the
    positions of its metric_values rows, and its asset_modalities and asset_stages rows; added to
    `into` (and returned) when given, as an ingest batch sums its new assets."""
    out: Counter = Counter() if into is None else into
    if group is None:
        return out
    # `out[key] = get(key, 0) + 1`, not `out[key] += 1`: a new key would call Counter.__missing__,
    # a Python method, and an ingest batch adds ~30 keys per asset (issue 19).
    get = out.get
    project = group.get("project") or ""
    key = ("c", project, "week", group.get("week") or "", "", group["status"])
    out[key] = get(key, 0) + 1
    subject = group.get("subject") or ""
    for row in modalities:
        key = ("c", project, "subject", subject, row["modality"], row["status"])
        out[key] = get(key, 0) + 1
    for row in stages:
        key = ("c", project, "stage", row["modality"], row["stage"], row["status"])
        out[key] = get(key, 0) + 1
    tolerated = set(group.get("tolerated") or ())
    numeric = set(valued)
    dims = _dimensions(group)
    for metric in metrics:
        position = metric["position"]
        column = "tolerated" if position in tolerated else _COLUMN.get(metric["status"])
        if column is None:
            continue
        name, modality, stage = metric["name"], metric["modality"], metric["stage"]
        counted = position in numeric
        for dimension, value in dims:
            key = ("m", project, name, modality, stage, dimension, value, column)
            out[key] = get(key, 0) + 1
            if counted:
                key = ("m", project, name, modality, stage, dimension, value, "n_values")
                out[key] = get(key, 0) + 1
    return out


def _upsert(connection, table, key: tuple[str, ...], columns: tuple[str, ...], params: list[dict]) -> None:
    # INSERT ... ON CONFLICT DO UPDATE SET c = c + excluded.c, handed to the driver in one go (an
    # ingest batch adds thousands of rows here: SQLAlchemy's per-row work cost more than the upsert).
    bulk.add_counts(connection, table, key, columns, params)


def _metric_params(delta: Counter) -> list[dict]:
    rows: dict[tuple, dict[str, int]] = {}
    for full, n in delta.items():
        if full[0] == "m" and n:
            key = full[1:-1]  # ("m", *key, column)
            counts = rows.get(key)
            if counts is None:  # a batch's delta holds thousands of keys: one dict each, only when new
                counts = rows[key] = dict.fromkeys(COLUMNS, 0)
            counts[full[-1]] += n
    return [dict(zip(_KEY, key, strict=True), **counts) for key, counts in sorted(rows.items())]


def _cell_params(delta: Counter) -> list[dict]:
    # Filtered before sorting: a batch's delta holds many more "m" keys than "c" keys.
    cells = [(key, n) for key, n in delta.items() if key[0] == "c" and n]
    return [dict(zip(_CELL, key[1:], strict=True), n=n) for key, n in sorted(cells)]


def apply(connection, delta: Counter) -> None:
    """Add `delta` to project_metrics and project_cells (rows in key order: no deadlocks)."""
    _upsert(connection, project_metrics, _KEY, COLUMNS, _metric_params(delta))
    _upsert(connection, project_cells, _CELL, ("n",), _cell_params(delta))


def rebuild(connection, batch: int = 5000) -> None:
    """Recompute both tables from the status rows (migration backfill and repair)."""
    connection.execute(delete(project_metrics))
    connection.execute(delete(project_cells))
    g, m, v = asset_groups.c, asset_metrics.c, metric_values.c
    statement = (
        select(g.project, g.instrument, g.experimenters, g.tolerated, m.position, m.name, m.modality, m.stage,
               m.status, v.position.label("valued"))
        .join(asset_metrics, m.asset_id == g.asset_id)
        .outerjoin(metric_values, (v.asset_id == m.asset_id) & (v.position == m.position))
    )
    total: Counter = Counter()
    for row in connection.execute(statement.execution_options(yield_per=batch)):
        group = {"project": row.project, "instrument": row.instrument, "experimenters": row.experimenters,
                 "tolerated": row.tolerated, "status": ""}
        part = contribution(group, [row._asdict()], [] if row.valued is None else [row.position])
        total.update({key: n for key, n in part.items() if key[0] == "m"})
    params = _metric_params(total)
    for start in range(0, len(params), 1000):
        connection.execute(insert(project_metrics), params[start:start + 1000])
    n = func.count()
    weeks = select(g.project, literal("week"), g.week, literal(""), g.status, n).group_by(g.project, g.week, g.status)
    subjects = (select(g.project, literal("subject"), g.subject, asset_modalities.c.modality,
                       asset_modalities.c.status, n)
                .join(asset_modalities, asset_modalities.c.asset_id == g.asset_id)
                .group_by(g.project, g.subject, asset_modalities.c.modality, asset_modalities.c.status))
    cells = (select(g.project, literal("stage"), asset_stages.c.modality, asset_stages.c.stage, asset_stages.c.status,
                    n)
             .join(asset_stages, asset_stages.c.asset_id == g.asset_id)
             .group_by(g.project, asset_stages.c.modality, asset_stages.c.stage, asset_stages.c.status))
    connection.execute(insert(project_cells).from_select([*_CELL, "n"], union_all(weeks, subjects, cells)))
