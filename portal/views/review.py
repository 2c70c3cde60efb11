"""The review queue's view-model (`/review`): which item to show, its place, and decisions.

The queue is every Pending metric of the assets the overview's filter keys match
(portal.views.filters_url), assets in the store's queue order (portal.store.sql.queue:
oldest acquisition first, newest, or most Pending first), an asset's metrics in its
`default_grouping` order (the asset page's navigator tree, leaves in turn; document order
without a grouping). The store pages the assets; the one asset on screen is read whole
(its document says the grouping), the next one only to prefetch its reference.

A position is (asset, metric key) and lives in the URL (`at=<asset>&key=<metric key>`):
a reload resumes there, or at the next Pending item when that one was decided since.
Each decision is one annotation through portal.review.annotation_service (the version
and history length the reviewer saw); a conflict (someone else decided the metric
meanwhile) is returned with what they did, and nothing is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from portal.errors import InvalidInput, NotFound
from portal.qc import status_from_choice
from portal.qc.types import FAIL, PASS, PENDING
from portal.review.reasons import project_reasons
from portal.store.protocol import Annotation, AssetQuery, MetricEdit
from portal.store.queue_types import REVIEW_ORDERS, queue_sort_value
from portal.views.asset.model import AssetDetail, MetricView, load_detail
from portal.views.asset.navigator import MODALITY, STAGE, build_tree
from portal.views.filters_url import parse_query, to_search

ORDER_KEY, AT_KEY, METRIC_KEY, ASSIGNMENT_KEY, ADJUDICATE_KEY = "order", "at", "key", "assignment", "adjudicate"
# /review's own URL keys, besides the overview's filters
QUEUE_KEYS = (ORDER_KEY, AT_KEY, METRIC_KEY, ASSIGNMENT_KEY, ADJUDICATE_KEY)
DEFAULT_ORDER = "oldest"
DECISIONS = {"pass": PASS, "fail": FAIL}
SCAN_PAGES = 20  # pages of 5 assets looked through for one this reviewer has not rated all of
MAX_COMMENT = 10_000  # as the REST API's annotations take
_IGNORED_VIEW_KEYS = ("sort", "group")  # the grid's view keys mean nothing here


class QueueUnsupported(InvalidInput):
    """The asset store has no review queue (the DocDB store: see the README)."""


@dataclass(frozen=True)
class ReviewParams:
    """What a /review URL asks for: the filters, the order, the position, and what was ignored."""

    query: AssetQuery
    order: str = DEFAULT_ORDER
    at: str | None = None
    key: str | None = None
    notes: tuple[str, ...] = ()
    assignment: int | None = None  # `assignment=<id>`: the filters are that assignment's
    adjudicate: bool = False  # `adjudicate=1`: the metrics whose raters disagreed (issue 17)

    @property
    def filters(self) -> str:
        """The filters and order as a query string (no position): the queue's identity."""
        search = to_search(self.query).lstrip("?")
        pairs = parse_qs(search)
        if self.order != DEFAULT_ORDER:
            pairs[ORDER_KEY] = [self.order]
        if self.assignment is not None:
            pairs[ASSIGNMENT_KEY] = [str(self.assignment)]
        if self.adjudicate:
            pairs[ADJUDICATE_KEY] = ["1"]
        return urlencode(pairs, doseq=True)

    def search(self, at: str | None, key: str | None) -> str:
        """The URL query of the queue at a position ("?..."), for history.replaceState."""
        extra = urlencode([(AT_KEY, at), (METRIC_KEY, key)]) if at and key else ""
        joined = "&".join(part for part in (self.filters, extra) if part)
        return f"?{joined}" if joined else ""


def parse_review(params: Mapping | str | None) -> ReviewParams:
    """A /review query string (or mapping) -> ReviewParams; bad values become notes, never errors."""
    if isinstance(params, str):
        params = parse_qs(params.lstrip("?"))
    params = dict(params or {})
    own = {key: params.pop(key) for key in QUEUE_KEYS if key in params}
    for key in _IGNORED_VIEW_KEYS:
        params.pop(key, None)
    parsed = parse_query(params)
    notes = list(parsed.notes)

    def last(key: str) -> str | None:
        value = own.get(key)
        value = value[-1] if isinstance(value, list | tuple) else value
        return str(value).strip() if value not in (None, "") else None

    order = last(ORDER_KEY) or DEFAULT_ORDER
    if order not in REVIEW_ORDERS:
        notes.append(f"Ignored order {order!r}: use one of {', '.join(REVIEW_ORDERS)}.")
        order = DEFAULT_ORDER
    at, key = last(AT_KEY), last(METRIC_KEY)
    if (at is None) != (key is None):
        notes.append("A position needs both `at` (the asset) and `key` (the metric): starting at the beginning.")
        at = key = None
    assignment = last(ASSIGNMENT_KEY)
    if assignment is not None and not (assignment.isdigit() and int(assignment) <= 2**31 - 1):
        notes.append(f"Ignored assignment {assignment!r}: an assignment is a number (see My reviews).")
        assignment = None
    adjudicate = last(ADJUDICATE_KEY) in ("1", "true", "yes")
    return ReviewParams(parsed.query, order, at, key, tuple(notes), int(assignment) if assignment else None,
                        adjudicate)


def with_assignment(params: ReviewParams, filters_of: Callable[[int], str]) -> ReviewParams:
    """The queue of `params.assignment`: that assignment's filters (`filters_of(id)`, which
    raises NotFound or Conflict for a closed one) in place of the URL's; unchanged without one."""
    if params.assignment is None:
        return params
    parsed = parse_query(filters_of(params.assignment))
    notes = params.notes
    if to_search(params.query) not in ("", to_search(parsed.query)):
        notes = (*notes, "This queue is the assignment's: its own filters are used, not the link's.")
    return replace(params, query=parsed.query, notes=notes)


def review_order(detail: AssetDetail) -> list[int]:
    """The asset's metric positions in review order: its default_grouping's tree, leaf by
    leaf (as the asset page's navigator lists them); document order when it has no grouping."""
    grouping = detail.default_grouping
    if not grouping:
        return list(range(len(detail.metrics)))
    root = build_tree([m.nav() for m in detail.metrics], grouping or ((MODALITY,), (STAGE,)))
    order: list[int] = []
    for node in root.walk():
        if not node.children:
            order.extend(m.index for m in node.metrics)
    return order


def queued(detail: AssetDetail, query: AssetQuery, skip: frozenset[str] | set[str] = frozenset()) -> list[int]:
    """The asset's queued metric positions, in review order: Pending, of the metric filter's
    names, but for the keys in `skip` (rated already by this reviewer, waiting for others)."""
    names = set(query.metric)
    return [i for i in review_order(detail)
            if detail.metrics[i].status == PENDING and (not names or detail.metrics[i].name in names)
            and detail.metrics[i].key not in skip]


@dataclass(frozen=True)
class ReviewItem:
    """One item of the queue, as the page shows it."""

    detail: AssetDetail
    metric: MetricView
    number: int  # 1-based place among the queue's Pending items (where it would be, when decided already)
    total: int  # Pending items in the queue now
    asset_queued: int  # the asset's items in the queue now
    place: tuple  # the asset's keyset place when served: (sort value, name), JSON-ready
    next_metric: MetricView | None = None  # the next item (its reference is prefetched)
    next_detail: AssetDetail | None = None
    note: str | None = None  # why this item and not the one asked for

    @property
    def queued(self) -> bool:
        """Whether the item is still Pending (decided items are shown when gone back to)."""
        return self.metric.status == PENDING

    @property
    def asset_decided(self) -> int:
        """Metrics of the asset that are decided (Pass or Fail)."""
        return sum(1 for m in self.detail.metrics if m.status != PENDING)


def _json_place(value, name: str) -> tuple:
    return (value.isoformat() if isinstance(value, datetime) else value, name)


class Queue:
    """The review queue of one ReviewParams over a store: finding items, in every direction."""

    def __init__(self, store, params: ReviewParams, skip: Callable[[AssetDetail], set[str]] | None = None):
        if not hasattr(store, "review_queue"):
            raise QueueUnsupported("The review queue needs a SQL asset store (SQLite or PostgreSQL): this portal "
                                   "reads DocDB, which has no review queue yet. Review assets from their pages.")
        self.store = store
        self.params = params
        self.skip = skip  # detail -> metric keys this reviewer is not served (rated, waiting for others)

    def _queued(self, detail: AssetDetail) -> list[int]:
        return queued(detail, self.params.query, self.skip(detail) if self.skip else frozenset())

    def _page(self, start=None, *, inclusive=True, backward=False, limit=1):
        return self.store.review_queue(self.params.query, order=self.params.order, start=start, inclusive=inclusive,
                                       backward=backward, limit=limit)

    def _detail(self, name: str) -> AssetDetail | None:
        try:
            return load_detail(self.store, name, with_derived=False)
        except NotFound:
            return None

    def first(self, note: str | None = None) -> ReviewItem | None:
        """The queue's first item, or None when nothing is Pending."""
        return self._from_assets(None, inclusive=True, note=note)

    def at(self, asset: str, key: str, *, exact: bool = False) -> ReviewItem | None:
        """The item at (asset, key); when it was decided (or is gone), the next Pending item
        after it with a note saying so. `exact` shows a decided item as it is (going back)."""
        detail = self._detail(asset)
        if detail is None:
            return self._after_asset(asset, None, note=f"Asset {asset!r} is no longer there: showing the next item.")
        position = next((m.index for m in detail.metrics if m.key == key), None)
        if position is None:
            return self._next_in(detail, None, None,
                                 note=f"{asset} has no metric {key!r} (any more): showing its next item.")
        metric = detail.metrics[position]
        if exact or position in self._queued(detail):
            return self._item(detail, position)
        last = metric.history[-1] if metric.history else None
        who = f" ({metric.status} by {last.evaluator or 'someone'})" if last else ""
        return self._next_in(detail, position, None, note=f"{metric.name} in {asset} was decided already{who}: "
                                                          "showing the next item.")

    def next(self, asset: str, key: str, place=None) -> ReviewItem | None:
        """The next Pending item after (asset, key): later in that asset, else in the next asset."""
        detail = self._detail(asset)
        if detail is None:
            return self._after_asset(asset, place)
        position = next((m.index for m in detail.metrics if m.key == key), None)
        return self._next_in(detail, position, place)

    def previous(self, asset: str, key: str, place=None) -> ReviewItem | None:
        """The Pending item before (asset, key): earlier in that asset, else the last of the previous asset."""
        detail = self._detail(asset)
        if detail is not None:
            order = review_order(detail)
            position = next((m.index for m in detail.metrics if m.key == key), None)
            rank = order.index(position) if position in order else len(order)
            earlier = [p for p in self._queued(detail) if order.index(p) < rank]
            if earlier:
                return self._item(detail, earlier[-1])
        for candidate in self._page(place or asset, inclusive=False, backward=True, limit=5).assets:
            found = self._detail(candidate.name)
            items = self._queued(found) if found else []
            if items:
                return self._item(found, items[-1])
        return None

    def _next_in(self, detail: AssetDetail, position: int | None, place, note: str | None = None):
        order = review_order(detail)
        rank = order.index(position) if position in order else -1
        later = [p for p in self._queued(detail) if order.index(p) > rank]
        if later:
            return self._item(detail, later[0], note=note)
        return self._after_asset(detail.name, place, note=note)

    def _after_asset(self, asset: str, place, note: str | None = None):
        try:
            start = place or asset
            return self._from_assets(start, inclusive=False, note=note)
        except InvalidInput:  # an asset that no longer exists under that name: start over
            return self.first(note=note)

    def _from_assets(self, start, *, inclusive: bool, note: str | None):
        # A few assets per page: one whose metrics were all decided a moment ago (the page
        # and the document disagree for that moment), or all rated by this reviewer and
        # waiting for others, is passed over, not shown empty; a few pages at most.
        for _ in range(SCAN_PAGES if self.skip else 1):
            page = self._page(start, inclusive=inclusive, limit=5).assets
            for candidate in page:
                detail = self._detail(candidate.name)
                items = self._queued(detail) if detail else []
                if items:
                    return self._item(detail, items[0], note=note)
            if len(page) < 5:
                return None
            last = page[-1]
            start, inclusive = (queue_sort_value(self.params.order, last.acquired, last.pending), last.name), False
        return None

    def _item(self, detail: AssetDetail, position: int, note: str | None = None) -> ReviewItem:
        """The item with its place in the queue and the next item (for prefetching)."""
        page = self._page(detail.name, inclusive=True, limit=2)
        order = review_order(detail)
        mine = self._queued(detail)
        rank = order.index(position)
        ahead = sum(1 for p in mine if order.index(p) < rank)
        here = page.assets[0] if page.assets and page.assets[0].name == detail.name else None
        before = page.before if here is not None else page.before - len(mine)
        value = here and queue_sort_value(self.params.order, here.acquired, here.pending)
        place = _json_place(value, detail.name) if here is not None else None
        later = [p for p in mine if order.index(p) > rank]
        next_detail, next_metric = detail, None
        if later:
            next_metric = detail.metrics[later[0]]
        else:
            following = [a for a in page.assets if a.name != detail.name][:1]
            if following:
                next_detail = self._detail(following[0].name)
                items = self._queued(next_detail) if next_detail else []
                next_metric = next_detail.metrics[items[0]] if items else None
        return ReviewItem(detail, detail.metrics[position], max(before, 0) + ahead + 1, page.total, len(mine),
                          place, next_metric, next_detail if next_metric else None, note)


def fail_reasons(portal, detail: AssetDetail) -> tuple[str, ...]:
    """The project's fail reasons a Fail of this asset's metrics needs one of (none: a Fail
    needs no reason). The page offers them on `f`: keys 1-9, or type to filter."""
    return tuple(project_reasons(portal.store, detail.summary.project))


def choice(metric: MetricView, option: int | None) -> dict | None:
    """The dropdown value of option number `option` (1-based), or None (no dropdown, no such option)."""
    if metric.kind != "dropdown" or not isinstance(option, int):
        return None
    options = list(metric.value.get("options") or [])
    if not 1 <= option <= len(options):
        return None
    return {**metric.value, "value": options[option - 1]}


def decision(item_state: Mapping[str, Any], metric: MetricView, status: str | None, option: int | None, *,
             reason: str | None = None, comment: str | None = None) -> Annotation:
    """The one annotation a key press makes: the status (and a dropdown choice, a fail reason
    and a comment) on the version and history length the reviewer saw.

    `status` None with a choice: the choice alone, with the status its option implies (when
    the options carry statuses). Raises InvalidInput when there is nothing to save or the
    comment is too long; whether the reason is one the project lists is the annotation
    service's check (portal.review.reasons), the same for every write path."""
    reason = " ".join(reason.split()) if isinstance(reason, str) and reason.strip() else None
    comment = comment.strip() if isinstance(comment, str) and comment.strip() else None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise InvalidInput(f"The comment is {len(comment)} characters long; at most {MAX_COMMENT}: nothing was saved.")
    value = choice(metric, option)
    if status is None and value is not None:
        status = status_from_choice(value)
    if status is None and value is None:
        raise InvalidInput("Nothing to save: press p (Pass), f (Fail), or choose an option with 1-9 first.")
    edit = MetricEdit(key=metric.key, status=status, seen_history=int(item_state["seen_history"]),
                      reason=reason if status == FAIL else None, comment=comment)
    if value is not None:
        edit = replace(edit, value=value, seen_value=metric.value)
    return Annotation(item_state["asset_id"], int(item_state["version"]), (edit,))


def conflict_message(conflicts, yours: str | None) -> str:
    """What another reviewer did meanwhile, in one sentence (their entries, newest last)."""
    parts = []
    for conflict in conflicts:
        if conflict.field == "status":
            entries = conflict.theirs or []
            parts.extend(f"{e.get('evaluator') or 'someone'} set {e.get('status')} at "
                         f"{str(e.get('timestamp', ''))[:16].replace('T', ' ')} UTC" for e in entries)
        elif conflict.field == "value":
            parts.append(f"someone changed the value to {conflict.theirs!r}")
    what = "; ".join(parts) or "someone else changed this metric"
    mine = f"your {yours}" if yours else "your change"
    return (f"While you looked, {what}. {mine[0].upper() + mine[1:]} was not saved. The metric is shown as it is "
            "now: decide again (p / f) to add yours after theirs, or go on (j).")
