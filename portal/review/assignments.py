"""Assignments: an admin gives a named queue (a saved set of the overview's filters) to one or
more reviewers; each sees it under "My reviews" with its progress until someone closes it.

**What an assignment covers, and its progress.** When it is made, the portal lists the
metrics that are Pending on the assets its filters match (by metric key: names repeat) and
keeps that list. Then:

- *total*: those metrics, on assets that are not deleted (a deleted asset leaves the count;
  restored, it comes back);
- *reviewed*: those of them that received a Pass or Fail status entry through the portal
  (asset page, queue, REST annotations) since the assignment was made, whoever wrote it;
- *by whom*: per evaluator, how many of them they decided (a metric decided by two
  reviewers counts for both, so these may add up to more than *reviewed*).

Metrics added later, or assets that match the filters later, are not part of it: make a new
assignment. Entries a pipeline pushes (`POST .../qc/metrics`) or a re-ingest brings are not
reviews and do not count. Everything is counted by the database (no document is loaded);
only making an assignment reads the matching documents once (at most MAX_ASSETS of them).

The queue page takes `/review?assignment=<id>`: `assignment_filters(store, id)` answers the
filters of an open assignment (NotFound for an unknown id, Conflict for a closed one).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

from portal.accounts.auth import can, require
from portal.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal.qc import QCReadError, load_qc, metric_status
from portal.qc.identity import MetricIndex
from portal.qc.types import PENDING
from portal.review.reasons import hides_deleted
from portal.store.protocol import AssetQuery, Sort
from portal.store.sql import reviews
from portal.store.sql.engine import begin_write
from portal.store.sql.reviews import AssignmentRow, Progress
from portal.views.filters_url import FILTER_KEYS, parse_query, query_pairs

MAX_ASSETS = 5000  # assets with Pending metrics one assignment may cover
MAX_NAME = 200


@dataclass(frozen=True)
class Assignment:
    """An assignment with its progress (portal.store.sql.reviews.Progress)."""

    row: AssignmentRow
    progress: Progress

    @property
    def id(self) -> int:
        """The assignment's id (`/review?assignment=<id>`)."""
        return self.row.id


def _store(store_or_portal):
    return getattr(store_or_portal, "store", store_or_portal)


def clean_filters(raw: str) -> str:
    """The filters as the overview's canonical query string; InvalidInput for an unknown key or
    a value that cannot be used (the overview would ignore it: an assignment must not)."""
    text = (raw or "").strip().lstrip("?")
    parsed = parse_query(text)
    if parsed.notes:
        # The overview's notes say what it ignored; here nothing is ignored: the filters are refused.
        raise InvalidInput("filters: " + " ".join(note.removeprefix("Ignored ") for note in parsed.notes))
    pairs = [(key, value) for key, value in query_pairs(parsed.query) if key in FILTER_KEYS]
    return urlencode(pairs)


def pending_items(store, query: AssetQuery) -> Iterator[tuple[str, str]]:
    """(asset id, metric key) of every metric Pending now on the assets matching `query`;
    InvalidInput when more than MAX_ASSETS assets have Pending metrics."""
    rows = store.list_assets(replace(query, pending=True), Sort("acquired", False), limit=1)
    if rows.total > MAX_ASSETS:
        raise InvalidInput(f"the filters match {rows.total} assets with Pending metrics; an assignment covers at "
                           f"most {MAX_ASSETS}: narrow the filters")
    for row in list(store.iter_assets(replace(query, pending=True), Sort("acquired", False))):
        stored = store.get(row.id)
        raw = stored.record.get("quality_control") if stored is not None else None
        if not raw:
            continue
        try:
            qc = load_qc(raw)
        except QCReadError:
            continue
        keys = MetricIndex(qc.metrics).keys
        for position, metric in enumerate(qc.metrics):
            if metric_status(metric) == PENDING:
                yield stored.id, keys[position]


def create(portal, user, name: str, filters: str, assignees: list[str]) -> Assignment:
    """Make an assignment as `user` (an admin; Forbidden otherwise) for existing accounts.
    InvalidInput for a blank name, bad filters, no reviewer or an unknown one."""
    if user is None:
        raise Forbidden("Sign in as an admin to see this.")
    user = require("admin", "assignments", user=user)
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"an assignment needs a name of 1 to {MAX_NAME} characters")
    clean = clean_filters(filters)
    people = list(dict.fromkeys(a.strip() for a in assignees if a and a.strip()))
    if not people:
        raise InvalidInput("assign it to at least one reviewer")
    unknown = [a for a in people if portal.users.get(a) is None]
    if unknown:
        raise InvalidInput(f"no such account: {', '.join(unknown)}")
    items = list(pending_items(portal.store, parse_query(clean).query))
    now = datetime.now(UTC)
    with begin_write(portal.store.engine) as connection:
        new_id = reviews.create_assignment(connection, name=name, filters=clean, assignees=people, user=user.name,
                                           now=now, items=items)
    return get(portal, user, new_id)


def close(portal, user, assignment_id: int) -> Assignment:
    """Close an open assignment as `user` (an admin). NotFound / Conflict (already closed)."""
    if user is None:
        raise Forbidden("Sign in as an admin to see this.")
    user = require("admin", "assignments", user=user)
    _row(portal.store, assignment_id)
    with begin_write(portal.store.engine) as connection:
        if not reviews.close_assignment(connection, assignment_id, user=user.name, now=datetime.now(UTC)):
            raise Conflict(f"assignment {assignment_id} is already closed")
    return get(portal, user, assignment_id)


MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database


def _row(store, assignment_id: int) -> AssignmentRow:
    if not isinstance(assignment_id, int) or isinstance(assignment_id, bool) or not 0 <= assignment_id <= MAX_ID:
        raise NotFound(f"Assignment not found: {assignment_id}")
    with store.engine.connect() as connection:
        rows = reviews.assignments(connection, assignment_id=assignment_id)
    if not rows:
        raise NotFound(f"Assignment not found: {assignment_id}")
    return rows[0]


def _with_progress(store, rows: list[AssignmentRow]) -> list[Assignment]:
    hide = hides_deleted(store)
    with store.engine.connect() as connection:
        return [Assignment(row, reviews.progress(connection, row, hide_deleted=hide)) for row in rows]


def visible_to(user) -> str | None:
    """Whose assignments `user` may see: None (everyone's) for admins, else their own account."""
    if can(user, "admin"):
        return None
    if not getattr(user, "is_authenticated", False):
        raise Forbidden("Sign in to see your assignments.")
    return user.name


def listing(portal, user, *, open_only: bool = False) -> list[Assignment]:
    """The assignments `user` may see (admins: all; others: theirs), newest first, with progress."""
    account = visible_to(user)
    with portal.store.engine.connect() as connection:
        rows = reviews.assignments(connection, account=account, open_only=open_only)
    return _with_progress(portal.store, rows)


def get(portal, user, assignment_id: int) -> Assignment:
    """One assignment with its progress; NotFound when unknown or not `user`'s (unless admin)."""
    account = visible_to(user)
    row = _row(portal.store, assignment_id)
    if account is not None and account not in row.assignees:
        raise NotFound(f"Assignment not found: {assignment_id}")
    return _with_progress(portal.store, [row])[0]


def open_count(store_or_portal, account: str) -> int:
    """How many open assignments are given to `account` (one indexed count)."""
    with _store(store_or_portal).engine.connect() as connection:
        return reviews.open_count(connection, account)


def review_url(filters: str, assignment_id: int, root: str = "") -> str:
    """`/review?<filters>&assignment=<id>`: the queue of an assignment (the REST API's
    `review_url`, the CLI's last column and the assignments page's "Review" link)."""
    return f"{root}/review?{filters + '&' if filters else ''}assignment={assignment_id}"


def assignment_filters(store_or_portal, assignment_id: int) -> str:
    """The filters (the overview's query string) of the open assignment `assignment_id`, for
    `/review?assignment=<id>`. NotFound for an unknown id, Conflict for a closed assignment."""
    row = _row(_store(store_or_portal), assignment_id)
    if not row.is_open:
        raise Conflict(f"assignment {assignment_id} ({row.name}) was closed on "
                       f"{row.closed_at:%Y-%m-%d} by {row.closed_by}")
    return row.filters
