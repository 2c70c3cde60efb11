"""Pre-aggregated asset counts (the asset_counts table) and the queries they answer.

Every write that changes an asset's project, level, overall status, modality statuses or
number of Pending metrics applies the difference (new contribution minus old) to
asset_counts in the same transaction. Each row holds how many assets fall in it (`n`) and
their Pending metrics (`pending`: the review queue's total, migration 0022). Queries
whose filters are all dimensions of the table (project, level, status, modality) are
answered from it in O(groups); anything else (dates, subject, text, ...) falls back to a
GROUP BY over the asset tables.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, insert, literal, select, union_all

from portal.store.protocol import AssetQuery
from portal.store.sql import bulk
from portal.store.sql.hidden import visible
from portal.store.sql.tables import asset_counts, asset_modalities, assets

ALL = "*"  # the modality of the rows that count each asset once
_DIMENSIONS = {"project", "level", "status", "modality"}
_KEY = ("project", "level", "status", "modality", "modality_status")
COLUMNS = ("n", "pending")


def contribution(asset: dict, modalities: list[dict]) -> Counter:
    """What one asset adds to asset_counts, from its assets row and asset_modalities rows:
    a Counter keyed by (*row key, column), column being one of COLUMNS."""
    base = (asset.get("project") or "", asset.get("level") or "", asset["status"])
    pending = asset.get("n_pending") or 0
    groups = [(ALL, asset["status"])]
    groups.extend((row["modality"], row["status"]) for row in modalities)
    # An asset's modality rows are distinct modalities (and none is ALL): one entry per row key.
    counts = {(*base, modality, status, "n"): 1 for modality, status in groups}
    if pending:
        counts.update({(*base, modality, status, "pending"): pending for modality, status in groups})
    return Counter(counts)


def stored_contribution(connection, asset_id: str) -> Counter:
    """What an asset as currently stored contributes (read before rewriting it)."""
    row = connection.execute(
        select(assets.c.project, assets.c.level, assets.c.status, assets.c.n_pending).where(assets.c.id == asset_id)
    ).first()
    if row is None:
        return Counter()
    modalities = connection.execute(
        select(asset_modalities.c.modality, asset_modalities.c.status).where(asset_modalities.c.asset_id == asset_id)
    ).all()
    return contribution(row._asdict(), [m._asdict() for m in modalities])


def apply(connection, delta: Counter) -> None:
    """Add `delta` (contribution's keys) to asset_counts (rows in key order, so concurrent
    writers never deadlock)."""
    rows: dict[tuple, dict] = {}
    for (*key, column), value in delta.items():
        if value:
            rows.setdefault(tuple(key), dict.fromkeys(COLUMNS, 0))[column] = value
    ordered = [dict(zip(_KEY, key, strict=True), **values) for key, values in sorted(rows.items())]
    bulk.add_counts(connection, asset_counts, _KEY, COLUMNS, ordered)  # ON CONFLICT DO UPDATE SET n = n + excluded.n


def answers(query: AssetQuery, *, totals: bool = False) -> bool:
    """True when asset_counts can answer `query` exactly."""
    used = {name for name in AssetQuery.__dataclass_fields__ if getattr(query, name)}
    if not used <= _DIMENSIONS:
        return False
    # Totals count assets: with two modalities, an asset having both would count twice.
    return not (totals and len(query.modality) > 1)


def _where(query: AssetQuery) -> list:
    clauses = [asset_counts.c.n > 0]
    if query.project:
        clauses.append(asset_counts.c.project.in_(query.project))
    if query.level:
        clauses.append(asset_counts.c.level.in_(query.level))
    if query.status:
        clauses.append(asset_counts.c.status.in_(query.status))
    return clauses


def counts(connection, query: AssetQuery) -> list[tuple[str, str, str, int]]:
    """(project, modality, modality status, n) for a query `answers` accepts."""
    clauses = _where(query)
    clauses.append(asset_counts.c.modality.in_(query.modality) if query.modality else asset_counts.c.modality != ALL)
    statement = (
        select(asset_counts.c.project, asset_counts.c.modality, asset_counts.c.modality_status,
               func.sum(asset_counts.c.n))
        .where(*clauses)
        .group_by(asset_counts.c.project, asset_counts.c.modality, asset_counts.c.modality_status)
    )
    return [(p, m, s, int(n)) for p, m, s, n in connection.execute(statement)]


def totals(connection, query: AssetQuery) -> dict[str, int]:
    """{overall status: assets} for a query `answers(totals=True)` accepts."""
    clauses = _where(query)
    clauses.append(asset_counts.c.modality == (query.modality[0] if query.modality else ALL))
    statement = select(asset_counts.c.status, func.sum(asset_counts.c.n)).where(*clauses).group_by(
        asset_counts.c.status
    )
    return {status: int(n) for status, n in connection.execute(statement)}


def pending(connection, query: AssetQuery) -> int:
    """The Pending metrics of the assets matching a query `answers(totals=True)` accepts."""
    clauses = _where(query)
    clauses.append(asset_counts.c.modality == (query.modality[0] if query.modality else ALL))
    return int(connection.execute(select(func.coalesce(func.sum(asset_counts.c.pending), 0)).where(*clauses))
               .scalar_one())


def group_totals(connection, query: AssetQuery, column: str) -> list[tuple[str | None, str, int]]:
    """(project or level, overall status, assets) for a query `answers(totals=True)` accepts."""
    key = asset_counts.c[column]
    clauses = _where(query)
    clauses.append(asset_counts.c.modality == (query.modality[0] if query.modality else ALL))
    statement = (
        select(key, asset_counts.c.status, func.sum(asset_counts.c.n))
        .where(*clauses)
        .group_by(key, asset_counts.c.status)
    )
    return [(value or None, status, int(n)) for value, status, n in connection.execute(statement) if n]


def rebuild(connection, *, with_pending: bool = True) -> None:
    """Recompute asset_counts from the asset tables (migration backfill and repair).

    `with_pending=False`: the table as migration 0003 made it, before its `pending` column.
    """
    connection.execute(delete(asset_counts))
    project = func.coalesce(assets.c.project, "")
    level = func.coalesce(assets.c.level, "")
    sums = [func.count(), func.sum(assets.c.n_pending)] if with_pending else [func.count()]
    # Deleted assets count nowhere (lifecycle.delete_asset removes their share).
    per_asset = select(project, level, assets.c.status, literal(ALL), assets.c.status, *sums).where(
        visible()).group_by(project, level, assets.c.status)
    per_modality = (
        select(project, level, assets.c.status, asset_modalities.c.modality, asset_modalities.c.status, *sums)
        .join(asset_modalities, asset_modalities.c.asset_id == assets.c.id)
        .where(visible())
        .group_by(project, level, assets.c.status, asset_modalities.c.modality, asset_modalities.c.status)
    )
    columns = [*_KEY, *COLUMNS] if with_pending else [*_KEY, "n"]
    connection.execute(insert(asset_counts).from_select(columns, union_all(per_asset, per_modality)))
