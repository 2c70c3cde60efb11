"""Pre-aggregated per-project metric counts (the project_metrics table) and their upkeep.

Every write that rewrites an asset's status rows goes through SqlAssetStore's
`_delete_status_rows` (which subtracts what the asset contributed, read from its stored
asset_groups / asset_metrics / metric_values rows before they go) and `_write_status_rows`
(which adds the new contribution), and new assets of an ingest batch through
batch.Inserts: so ingest, re-ingest, re-issue, annotate, push, batch, restore and delete
keep project_metrics exact in their own transaction, as aggregates does for asset_counts.
A rename changes no row here (the name is not a dimension).

Counting: each metric of an asset is counted once under its own latest status, except a
Fail that `allow_tag_failures` tolerates, which is counted as `tolerated` (the schema
counts it as Pass towards every group status; it is neither a Pass a reviewer gave nor a
Fail that fails the asset).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.qc.types import FAIL, PASS, PENDING
from portal.store.sql.project_tables import asset_groups, project_metrics
from portal.store.sql.tables import asset_metrics, metric_values

ALL = "*"  # the dimension of the rows that count every asset once
INSTRUMENT, EXPERIMENTER = "instrument", "experimenter"
COLUMNS = ("passed", "failed", "pending", "tolerated", "n_values")
_KEY = ("project", "name", "modality", "stage", "dimension", "value")
_COLUMN = {PASS: "passed", FAIL: "failed", PENDING: "pending"}


def _dimensions(group: dict) -> list[tuple[str, str]]:
    dims = [(ALL, ""), (INSTRUMENT, group.get("instrument") or "")]
    dims.extend((EXPERIMENTER, name) for name in group.get("experimenters") or ())
    return dims


def contribution(group: dict | None, metrics: Iterable[dict], valued: Iterable[int]) -> Counter:
    """What one asset adds to project_metrics: {(*key, column): n}, from its asset_groups
    row, its asset_metrics rows and the positions of its metric_values rows."""
    out: Counter = Counter()
    if group is None:
        return out
    tolerated = set(group.get("tolerated") or ())
    numeric = set(valued)
    project, dims = group.get("project") or "", _dimensions(group)
    for metric in metrics:
        position = metric["position"]
        column = "tolerated" if position in tolerated else _COLUMN.get(metric["status"])
        if column is None:
            continue
        for dimension, value in dims:
            key = (project, metric["name"], metric["modality"], metric["stage"], dimension, value)
            out[(*key, column)] += 1
            if position in numeric:
                out[(*key, "n_values")] += 1
    return out


def stored_contribution(connection, asset_id: str) -> Counter:
    """What an asset as stored contributes (read before its status rows are rewritten)."""
    group = connection.execute(select(asset_groups).where(asset_groups.c.asset_id == asset_id)).first()
    if group is None:
        return Counter()
    m = asset_metrics.c
    metrics = [row._asdict() for row in connection.execute(
        select(m.position, m.name, m.modality, m.stage, m.status).where(m.asset_id == asset_id))]
    valued = connection.execute(select(metric_values.c.position).where(metric_values.c.asset_id == asset_id))
    return contribution(group._asdict(), metrics, [p for (p,) in valued])


def apply(connection, delta: Counter) -> None:
    """Add `delta` to project_metrics (rows in key order, so concurrent writers never deadlock)."""
    rows: dict[tuple, dict[str, int]] = {}
    for (*key, column), n in delta.items():
        if n:
            rows.setdefault(tuple(key), dict.fromkeys(COLUMNS, 0))[column] += n
    if not rows:
        return
    params = [dict(zip(_KEY, key, strict=True), **counts) for key, counts in sorted(rows.items())]
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(project_metrics)
    statement = statement.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={column: project_metrics.c[column] + statement.excluded[column] for column in COLUMNS},
    )
    connection.execute(statement, params)


def rebuild(connection, batch: int = 5000) -> None:
    """Recompute project_metrics from the status rows (migration backfill and repair): one
    streamed read of asset_groups x asset_metrics (x metric_values), counted here."""
    connection.execute(delete(project_metrics))
    g, m, v = asset_groups.c, asset_metrics.c, metric_values.c
    statement = (
        select(g.asset_id, g.project, g.instrument, g.experimenters, g.tolerated, m.position, m.name, m.modality,
               m.stage, m.status, v.position.label("valued"))
        .join(asset_metrics, m.asset_id == g.asset_id)
        .outerjoin(metric_values, (v.asset_id == m.asset_id) & (v.position == m.position))
    )
    total: Counter = Counter()
    for row in connection.execute(statement.execution_options(yield_per=batch)):
        group = {"project": row.project, "instrument": row.instrument, "experimenters": row.experimenters,
                 "tolerated": row.tolerated}
        total.update(contribution(group, [row._asdict()], [] if row.valued is None else [row.position]))
    rows: dict[tuple, dict[str, int]] = {}
    for (*key, column), n in total.items():
        rows.setdefault(tuple(key), dict.fromkeys(COLUMNS, 0))[column] += n
    params = [dict(zip(_KEY, key, strict=True), **counts) for key, counts in sorted(rows.items())]
    for start in range(0, len(params), 1000):
        connection.execute(insert(project_metrics), params[start:start + 1000])
