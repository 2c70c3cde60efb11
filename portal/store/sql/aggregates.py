"""Pre-aggregated asset counts (the asset_counts table) and the queries they answer.

Every write that changes an asset's project, level, overall status or modality statuses
applies the difference (new contribution minus old) to asset_counts in the same
transaction. Queries whose filters are all dimensions of the table (project, level,
status, modality) are answered from it in O(groups); anything else (dates, subject,
text, ...) falls back to a GROUP BY over the asset tables.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, insert, literal, select, union_all

from portal.store.protocol import AssetQuery
from portal.store.sql import bulk
from portal.store.sql.tables import asset_counts, asset_modalities, assets

ALL = "*"  # the modality of the rows that count each asset once
_DIMENSIONS = {"project", "level", "status", "modality"}
_KEY = ("project", "level", "status", "modality", "modality_status")


def contribution(asset: dict, modalities: list[dict]) -> Counter:
    """What one asset adds to asset_counts, from its assets row and asset_modalities rows."""
    base = (asset.get("project") or "", asset.get("level") or "", asset["status"])
    counter = Counter({(*base, ALL, asset["status"]): 1})
    for row in modalities:
        counter[(*base, row["modality"], row["status"])] += 1
    return counter


def stored_contribution(connection, asset_id: str) -> Counter:
    """What an asset as currently stored contributes (read before rewriting it)."""
    row = connection.execute(
        select(assets.c.project, assets.c.level, assets.c.status).where(assets.c.id == asset_id)
    ).first()
    if row is None:
        return Counter()
    modalities = connection.execute(
        select(asset_modalities.c.modality, asset_modalities.c.status).where(asset_modalities.c.asset_id == asset_id)
    ).all()
    return contribution(row._asdict(), [m._asdict() for m in modalities])


def apply(connection, delta: Counter) -> None:
    """Add `delta` to asset_counts (rows in key order, so concurrent writers never deadlock)."""
    rows = [dict(zip(_KEY, key, strict=True), n=n) for key, n in sorted(delta.items()) if n]
    bulk.add_counts(connection, asset_counts, _KEY, ("n",), rows)  # ON CONFLICT DO UPDATE SET n = n + excluded.n


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


def rebuild(connection) -> None:
    """Recompute asset_counts from the asset tables (migration backfill and repair)."""
    connection.execute(delete(asset_counts))
    project = func.coalesce(assets.c.project, "")
    level = func.coalesce(assets.c.level, "")
    per_asset = select(project, level, assets.c.status, literal(ALL), assets.c.status, func.count()).group_by(
        project, level, assets.c.status
    )
    per_modality = (
        select(project, level, assets.c.status, asset_modalities.c.modality, asset_modalities.c.status, func.count())
        .join(asset_modalities, asset_modalities.c.asset_id == assets.c.id)
        .group_by(project, level, assets.c.status, asset_modalities.c.modality, asset_modalities.c.status)
    )
    connection.execute(insert(asset_counts).from_select([*_KEY, "n"], union_all(per_asset, per_modality)))
