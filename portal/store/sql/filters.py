"""AssetQuery and Sort -> SQLAlchemy clauses, shared by listing, counts and export."""

from __future__ import annotations

from sqlalchemy import and_, case, func, literal, or_, select, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import Alias
from sqlalchemy.sql.util import ClauseAdapter

from portal.errors import InvalidInput
from portal.store.protocol import SORTABLE, AssetQuery, Sort, acquired_range
from portal.store.sql.hidden import visible
from portal.store.sql.tables import SCAN_INDEX, asset_metrics, assets

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


# AssetQuery field -> the assets column its exact values and `contains` texts test.
_FIELD_COLUMNS = {
    "project": assets.c.project,
    "subject": assets.c.subject_id,
    "status": assets.c.status,
    "level": assets.c.level,
    "source": assets.c.source,
    "modality": assets.c.modalities,
}


def _contains(column, needles: tuple[str, ...]) -> list:
    return [func.lower(column).like(f"%{_literal(needle)}%", escape="\\") for needle in needles]


def _field_clause(query: AssetQuery, field: str):
    """The field's exact values OR its texts (AssetQuery.contains); None when neither is set."""
    exact, needles = getattr(query, field), query.needles(field)
    if not exact and not needles:
        return None
    column = _FIELD_COLUMNS[field]
    terms = []
    if exact:
        terms.append(_modality_clause(exact) if field == "modality" else column.in_(exact))
    return or_(*terms, *_contains(column, needles))


def where(query: AssetQuery):
    """One boolean clause over the assets table for every filter set in `query` (deleted assets never match)."""
    clauses = [visible()]
    clauses.extend(clause for clause in (_field_clause(query, field) for field in _FIELD_COLUMNS) if clause is not None)
    if query.pending:
        clauses.append(assets.c.n_pending > 0)
    if query.metric or query.metric_status:
        clauses.append(_metric_clause(query))
    start, end = acquired_range(query)
    if start:
        clauses.append(assets.c.acquired >= start)
    if end:
        clauses.append(assets.c.acquired < end)
    if query.text:
        clauses.append(func.lower(assets.c.name).like(f"%{_literal(query.text.lower())}%", escape="\\"))
    return and_(True, *clauses)


class _Scan(Alias):
    """`assets` read through its covering name index (INDEXED BY on SQLite; a plain alias elsewhere)."""

    inherit_cache = True


@compiles(_Scan)
def _scan_default(element, compiler, **kw):
    return compiler.visit_alias(element, **kw)


@compiles(_Scan, "sqlite")
def _scan_sqlite(element, compiler, **kw):
    text = compiler.visit_alias(element, **kw)
    return f"{text} INDEXED BY {SCAN_INDEX}" if kw.get("asfrom") else text


def scan(statement, query: AssetQuery):
    """`statement` (a GROUP BY over assets alone) reading the covering name index, when
    `query` filters on something no narrower index serves (name search, dates, pending).

    SQLite's planner otherwise walks an index that gives the GROUP BY order and reads
    every row it passes, documents and all (~10x slower at 100 000 assets). Queries with
    a metric filter are left alone (the metric index finds their few assets first).
    """
    broad = query.text or query.acquired_from or query.acquired_to or query.pending or query.contains
    if not broad or query.metric or query.metric_status:
        return statement
    return ClauseAdapter(_Scan._construct(assets, name="scan")).traverse(statement)


def _literal(text: str) -> str:
    """`text` with LIKE wildcards escaped, so a name with % or _ is searched literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def modality_rows(query: AssetQuery, column):
    """Which per-modality rows (of `column`) counts keep: protocol.wants_modality as SQL."""
    needles = query.needles("modality")
    if not query.modality and not needles:
        return None
    terms = [column.in_(query.modality)] if query.modality else []
    return or_(*terms, *_contains(column, needles))


def _modality_clause(modalities: tuple[str, ...]):
    """Assets having one of these modalities, read from the assets row's own list.

    `modalities` ("behavior,ecephys") holds exactly the modalities asset_modalities has
    rows for ("(none)": an empty list). Reading it there, rather than probing
    asset_modalities per asset, lets the covering sort indexes answer a filtered page.
    """
    listed = literal(",") + assets.c.modalities + literal(",")
    terms = [assets.c.modalities == "" if m == "(none)" else listed.like(f"%,{_literal(m)},%", escape="\\")
             for m in modalities]
    return or_(*terms)


def _metric_clause(query: AssetQuery):
    """Assets with a metric named one of `metric` whose own status is one of `metric_status`.

    An IN over the metric index (name, status): the matching assets are found first,
    rather than probing every asset's metrics.
    """
    conditions = []
    if query.metric:
        conditions.append(asset_metrics.c.name.in_(query.metric))
    if query.metric_status:
        conditions.append(asset_metrics.c.status.in_(query.metric_status))
    return assets.c.id.in_(select(asset_metrics.c.asset_id).where(*conditions))


def _directed(term, descending: bool, dialect: str):
    term = term.desc() if descending else term.asc()
    if dialect == "postgresql":
        term = term.nulls_last() if descending else term.nulls_first()
    return term


def grouped_order_by(sort: Sort, dialect: str = "sqlite") -> list:
    """ORDER BY terms listing derived assets under their raw asset (protocol.Sort.grouped).

    Window functions over the matching rows: a family is a raw asset's name (a derived
    asset's source); its place is its raw asset's value, else its members' first value.
    """
    if sort.field not in SORTABLE:
        raise InvalidInput(f"cannot sort by {sort.field!r}; choose one of {', '.join(SORTABLE)}")
    column = _SORT_COLUMNS[sort.field]
    family = func.coalesce(assets.c.source, assets.c.name)
    derived = case((assets.c.source.is_(None), 0), else_=1)
    root_value = func.max(case((assets.c.source.is_(None), column))).over(partition_by=family)
    first_value = (func.max(column) if sort.descending else func.min(column)).over(partition_by=family)
    place = func.coalesce(root_value, first_value)
    return [_directed(place, sort.descending, dialect), _directed(family, sort.descending, dialect),
            derived.asc(), assets.c.name.asc(), assets.c.id.asc()]


def sort_column(sort: Sort):
    """The assets column `sort` orders by (InvalidInput for a field that is not sortable)."""
    if sort.field not in SORTABLE:
        raise InvalidInput(f"cannot sort by {sort.field!r}; choose one of {', '.join(SORTABLE)}")
    return _SORT_COLUMNS[sort.field]


def order_by(sort: Sort, dialect: str = "sqlite") -> list:
    """ORDER BY terms for `sort`, with the name as a tie-breaker so pages never overlap.

    The order is total: `name` is unique and never NULL (a UNIQUE NOT NULL column), so
    (column, name) never ties and no id is needed after it; keyset paging (`after`)
    relies on that. The tie-breaker runs in the same direction as the sort so one
    (column, name, id) index serves both directions, and the other direction is the
    exact reverse. NULL sorts as the smallest value on every database (SQLite's own
    rule; PostgreSQL is told so explicitly): unknown values come first ascending and
    last descending.
    """
    if sort.field == "name":
        return [assets.c.name.desc() if sort.descending else assets.c.name.asc()]
    return sort_terms(sort_column(sort), sort.descending, dialect)


def sort_terms(column, descending: bool, dialect: str) -> list:
    """ORDER BY `column` (NULL as the smallest value on every database), then `name`, in one
    direction: the order of the (column, name, id) sort indexes, walked forwards or backwards.

    On PostgreSQL the NULLS clause goes on the sort column only, as those indexes are built
    (migration 0005: `column ASC NULLS FIRST, name, id`). `name` is never NULL, but a NULLS clause
    on it still differs from the index's order for the planner, which then sorted every matching
    row instead of walking the index: 57 ms for a filtered first grid page at 1M assets.
    """
    first = column.desc() if descending else column.asc()
    if dialect == "postgresql":
        first = first.nulls_last() if descending else first.nulls_first()
    return [first, assets.c.name.desc() if descending else assets.c.name.asc()]


def after(sort: Sort, key: tuple) -> list:
    """WHERE clauses for the rows that follow `key` (a row's (sort value, name)) in order_by(sort).

    One clause per run of that order to read in turn, each an index range on the
    (column, name) sort index: rows with a value are compared as a row value
    `(column, name) > (value, name)` (`<` descending), and NULLs, which come first
    ascending and last descending (see order_by) and which no comparison matches, are
    their own run. A NULL key continues among the NULLs by name.
    """
    column, (value, name) = sort_column(sort), key
    later = (lambda a, b: a < b) if sort.descending else (lambda a, b: a > b)
    if sort.field == "name":
        return [later(column, value)]
    if value is None:
        among_nulls = and_(column.is_(None), later(assets.c.name, name))
        return [among_nulls] if sort.descending else [among_nulls, column.is_not(None)]
    rest = later(tuple_(column, assets.c.name),
                 tuple_(literal(value, column.type), literal(name, assets.c.name.type)))
    return [rest, column.is_(None)] if sort.descending else [rest]
