"""AssetQuery and Sort -> SQLAlchemy clauses, shared by listing, counts and export."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import and_, exists, func, select

from portal.errors import InvalidInput
from portal.store.protocol import SORTABLE, AssetQuery, Sort
from portal.store.sql.tables import asset_metrics, asset_modalities, assets

_SORT_COLUMNS = {
    "name": assets.c.name,
    "project": assets.c.project,
    "subject_id": assets.c.subject_id,
    "acquired": assets.c.acquired,
    "level": assets.c.level,
    "status": assets.c.status,
    "pending": assets.c.n_pending,
    "fail": assets.c.n_fail,
    "last_review": assets.c.last_review_at,
}


def where(query: AssetQuery):
    """One boolean clause over the assets table for every filter set in `query`."""
    clauses = []
    if query.project:
        clauses.append(assets.c.project.in_(query.project))
    if query.subject:
        clauses.append(assets.c.subject_id.in_(query.subject))
    if query.status:
        clauses.append(assets.c.status.in_(query.status))
    if query.level:
        clauses.append(assets.c.level.in_(query.level))
    if query.modality:
        # An alias, so the counts query (which joins asset_modalities itself) can use this too.
        tagged = asset_modalities.alias("filter_modalities")
        clauses.append(
            exists(select(1).where(tagged.c.asset_id == assets.c.id, tagged.c.modality.in_(query.modality)))
            .correlate(assets)
        )
    if query.source:
        clauses.append(assets.c.source.in_(query.source))
    if query.pending:
        clauses.append(assets.c.n_pending > 0)
    if query.metric or query.metric_status:
        clauses.append(_metric_clause(query))
    if query.acquired_from:
        clauses.append(assets.c.acquired >= datetime.combine(query.acquired_from, time.min, UTC))
    if query.acquired_to:
        clauses.append(assets.c.acquired < datetime.combine(query.acquired_to + timedelta(days=1), time.min, UTC))
    if query.text:
        # Escape LIKE wildcards so a name with % or _ is searched literally.
        needle = query.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(func.lower(assets.c.name).like(f"%{needle}%", escape="\\"))
    return and_(True, *clauses)


def _metric_clause(query: AssetQuery):
    """Assets with a metric named one of `metric` whose own status is one of `metric_status`."""
    metric = asset_metrics.alias("filter_metrics")
    conditions = [metric.c.asset_id == assets.c.id]
    if query.metric:
        conditions.append(metric.c.name.in_(query.metric))
    if query.metric_status:
        conditions.append(metric.c.status.in_(query.metric_status))
    return exists(select(1).where(*conditions)).correlate(assets)


def order_by(sort: Sort, dialect: str = "sqlite") -> list:
    """ORDER BY terms for `sort`, with the name as a tie-breaker so pages never overlap.

    The tie-breaker runs in the same direction as the sort so one (column, name, id)
    index serves both directions. NULL sorts as the smallest value on every database
    (SQLite's own rule; PostgreSQL is told so explicitly): unknown values come first
    ascending and last descending.
    """
    if sort.field not in SORTABLE:
        raise InvalidInput(f"cannot sort by {sort.field!r}; choose one of {', '.join(SORTABLE)}")
    columns = [_SORT_COLUMNS[sort.field]] + ([] if sort.field == "name" else [assets.c.name])
    terms = []
    for column in columns:
        term = column.desc() if sort.descending else column.asc()
        if dialect == "postgresql":
            term = term.nulls_last() if sort.descending else term.nulls_first()
        terms.append(term)
    return terms
