"""The review queue in SQL: the Pending metrics of the assets an overview filter matches.

The queue is a list of assets in queue order (portal.store.protocol.REVIEW_ORDERS), each
with the number of its queued metrics (Pending; of the `metric` filter's names when it
has one). It is read from the summary columns and the indexed `asset_metrics` table,
never from the documents: an asset's own metrics are ordered by the page that shows it
(portal.views.review), from that one document.

Paging is by keyset: a page starts at (or after, or before) an asset's place in the order
(its sort value and name), so a position stays meaningful when the asset itself has left
the queue (its last Pending metric was decided), and a page deep in 100 000 assets costs
what the first one does. The total is asset_counts' `pending` sum when the filters are its
dimensions (migration 0022: 131 -> 1.5 ms for the first page at 1M assets on PostgreSQL);
`before`, the queued metrics ahead of a page, is counted (0 for the queue's first page).

Assets sort like the overview's grid sorts them: NULL (no acquisition time) as the smallest
value, ties broken by name in the sort's direction, so one (column, name, id) covering index
serves every order in both directions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from portal.errors import InvalidInput
from portal.qc.types import PENDING
from portal.store.protocol import AssetQuery
from portal.store.queue_types import REVIEW_ORDERS, QueueAsset, QueuePage
from portal.store.queue_types import queue_sort_value as sort_value
from portal.store.sql import aggregates, filters
from portal.store.sql.tables import asset_aliases, asset_metrics, assets

# order -> (sort column, descending)
_ORDERS = {
    "oldest": (assets.c.acquired, False),
    "newest": (assets.c.acquired, True),
    "most_pending": (assets.c.n_pending, True),
}
MAX_LIMIT = 1000


def _check_order(order: str) -> None:
    if order not in REVIEW_ORDERS:
        raise InvalidInput(f"unknown queue order {order!r}: use one of {', '.join(REVIEW_ORDERS)}")


def _queued_metric(query: AssetQuery):
    """Which asset_metrics rows are queued: Pending, of the `metric` filter's names if any."""
    conditions = [asset_metrics.c.status == PENDING]
    if query.metric:
        conditions.append(asset_metrics.c.name.in_(query.metric))
    return and_(*conditions)


def _in_queue(query: AssetQuery):
    """The assets of the queue: the overview's filter, and at least one queued metric.

    Without a metric filter that is `n_pending > 0`, tested on the covering sort index
    (no metric row read); with one, an IN over ix_asset_metrics_queue.
    """
    clauses = [filters.where(query)]
    if query.metric:
        clauses.append(assets.c.id.in_(select(asset_metrics.c.asset_id).where(_queued_metric(query))))
    else:
        clauses.append(assets.c.n_pending > 0)
    return and_(*clauses)


def _beyond(column, descending: bool, value, name: str, *, inclusive: bool):
    """Rows ordered after (value, name) in the order (column, name) both `descending`,
    NULL being the smallest value (first ascending, last descending); with `inclusive`
    the row at (value, name) itself too."""
    if descending:
        past_name = assets.c.name <= name if inclusive else assets.c.name < name
        if value is None:
            return and_(column.is_(None), past_name)
        return or_(column < value, and_(column == value, past_name), column.is_(None))
    past_name = assets.c.name >= name if inclusive else assets.c.name > name
    if value is None:
        return or_(column.is_not(None), and_(column.is_(None), past_name))
    return or_(column > value, and_(column == value, past_name))


def _order_terms(column, descending: bool, dialect: str) -> list:
    return filters.sort_terms(column, descending, dialect)  # the sort indexes' order


def _position(connection, order: str, start):
    """(sort value, name) of a position: given as such, or the current place of the asset
    named (or with id) `start`, deleted or not (its place in the order is still a place)."""
    if isinstance(start, tuple | list):
        value, name = start
        if order != "most_pending" and isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise InvalidInput(f"queue position {value!r} is not a date and time") from None
        if order == "most_pending" and not isinstance(value, int):
            raise InvalidInput("queue position: the count of Pending metrics must be a whole number")
        return value, str(name)
    aliased = select(asset_aliases.c.asset_id).where(asset_aliases.c.alias == start).scalar_subquery()
    row = connection.execute(
        select(assets.c.name, assets.c.acquired, assets.c.n_pending)
        .where((assets.c.name == start) | (assets.c.id == start) | (assets.c.id == aliased))
    ).first()
    if row is None:
        raise InvalidInput(f"queue position: no asset {start!r}")
    return sort_value(order, row.acquired, row.n_pending), row.name


def _count(connection, query: AssetQuery, *extra) -> int:
    """Queued metrics of the queue's assets (restricted by `extra` clauses on assets).

    The whole queue under filters asset_counts answers is its `pending` sum (O(groups));
    otherwise the queued assets' counts are summed (O(queued assets)).
    """
    # `pending=1` adds nothing here: assets with no Pending metric add 0 to the sum.
    whole = replace(query, pending=False)
    if not extra and not query.metric and aggregates.answers(whole, totals=True):
        return aggregates.pending(connection, whole)
    if query.metric:
        joined = asset_metrics.join(assets, assets.c.id == asset_metrics.c.asset_id)
        statement = select(func.count()).select_from(joined).where(_queued_metric(query), filters.where(query), *extra)
    else:
        statement = select(func.coalesce(func.sum(assets.c.n_pending), 0)).where(_in_queue(query), *extra)
    return int(connection.execute(statement).scalar_one() or 0)


def review_queue(connection, query: AssetQuery, *, order: str = "oldest", start=None, inclusive: bool = True,
                 backward: bool = False, limit: int = 20) -> QueuePage:
    """A page of the review queue.

    `start`: None (the queue's beginning, or its end `backward`), an asset name or id, or a
    (sort value, name) pair (portal.store.protocol.QueueAsset's place when it was served:
    an asset whose Pending count fell since keeps the place it had in a most_pending
    queue). The page holds the assets from that place on (`inclusive`) or after it;
    `backward`, the assets before it, nearest first. `before` counts the queued metrics
    of the assets ordered before the page's first asset (forward pages only; 0 backward).
    """
    _check_order(order)
    if not 0 < limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}")
    column, descending = _ORDERS[order]
    direction = descending != backward
    dialect = connection.dialect.name
    clause = _in_queue(query)
    where = [clause]
    if start is not None:
        value, name = _position(connection, order, start)
        where.append(_beyond(column, direction, value, name, inclusive=inclusive))
    rows = connection.execute(
        select(assets.c.id, assets.c.name, assets.c.acquired, assets.c.n_pending, assets.c.version)
        .where(*where).order_by(*_order_terms(column, direction, dialect)).limit(limit)
    ).all()
    counts = {row.id: row.n_pending for row in rows}
    if query.metric and rows:  # the asset's queued metrics are only those of the filter's names
        counts = dict(connection.execute(
            select(asset_metrics.c.asset_id, func.count())
            .where(_queued_metric(query), asset_metrics.c.asset_id.in_(list(counts)))
            .group_by(asset_metrics.c.asset_id)).all())
    page = [QueueAsset(r.id, r.name, r.acquired, int(counts.get(r.id, 0)), r.version) for r in rows]
    total = _count(connection, query)
    before = 0
    if not backward and start is not None:  # a page from the queue's beginning has nothing before it
        if page:
            first = rows[0]
            before = _count(connection, query, _beyond(column, not descending, sort_value(order, first.acquired,
                                                                                          first.n_pending),
                                                       first.name, inclusive=False))
        else:
            before = total
    return QueuePage(page, total, before)
