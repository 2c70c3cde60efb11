"""The review workflow's tables in the portal's SQL database (migration 0016): project fail
reasons, review entries (every status entry the annotation service appended, with a Fail's
reason and comment) and assignments (a named set of filters given to reviewers, with the
metrics it covers).

These live in the portal's own database for every asset store (SQL or DocDB: its
bookkeeping database), never inside the aind-data-schema documents. `hide_deleted` says
whether the asset store keeps its assets in this database (the SQL store: deleted assets
are left out by joining `assets`); a DocDB store has no deleted assets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, func, insert, select, true, update

from portal.store.sql import hidden
from portal.store.sql.review_tables import (
    project_reasons,
    review_assignees,
    review_assignment_items,
    review_assignments,
    review_entries,
)
from portal.store.sql.tables import assets

DECIDED = ("Pass", "Fail")


@dataclass(frozen=True)
class ReviewEntry:
    """A status entry the portal wrote, with its reason and comment (None when none)."""

    asset_id: str
    asset_name: str
    metric_key: str
    at: datetime
    evaluator: str
    status: str
    reason: str | None
    comment: str | None


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment as stored: its filters (the overview's query string), who made it,
    whether it is closed, and who it is given to."""

    id: int
    name: str
    filters: str
    created_at: datetime
    created_by: str
    closed_at: datetime | None
    closed_by: str | None
    assignees: tuple[str, ...]

    @property
    def is_open(self) -> bool:
        """True until someone closes it."""
        return self.closed_at is None


@dataclass(frozen=True)
class Progress:
    """An assignment's progress: metrics covered (Pending when it was made, on assets not
    deleted), those decided since (a Pass or Fail entry written through the portal), and
    per evaluator how many of them they decided (one decided by two counts for both)."""

    total: int
    reviewed: int
    by: tuple[tuple[str, int], ...]


# -- review entries ------------------------------------------------------------------------


def project_of(record: dict) -> str | None:
    """The project a record belongs to (as portal.qc.summary reads it), for the entries' rows."""
    description = record.get("data_description") if isinstance(record, dict) else None
    project = description.get("project_name") if isinstance(description, dict) else None
    return project.strip() or None if isinstance(project, str) else None


def record_entries(connection, *, asset_id: str, asset_name: str, project: str | None, account: str,
                   entries: Sequence[dict]) -> None:
    """Write the status entries an annotation appended (in the annotation's transaction).
    Each entry: key, status, at, evaluator, and optional reason, comment."""
    if not entries:
        return
    connection.execute(insert(review_entries), [
        {"asset_id": asset_id, "asset_name": asset_name, "project": project, "metric_key": entry["key"],
         "entry_at": entry["at"], "evaluator": entry["evaluator"], "account": account, "status": entry["status"],
         "reason": entry.get("reason") or None, "comment": entry.get("comment") or None}
        for entry in entries
    ])


def asset_entries(connection, asset_id: str, *, metric_key: str | None = None,
                  explained_only: bool = False) -> list[ReviewEntry]:
    """An asset's review entries (optionally one metric's; optionally only those with a reason
    or comment), oldest first."""
    statement = select(review_entries).where(review_entries.c.asset_id == asset_id)
    if metric_key is not None:
        statement = statement.where(review_entries.c.metric_key == metric_key)
    if explained_only:
        statement = statement.where(review_entries.c.reason.is_not(None) | review_entries.c.comment.is_not(None))
    rows = connection.execute(statement.order_by(review_entries.c.entry_at, review_entries.c.id)).all()
    return [ReviewEntry(r.asset_id, r.asset_name, r.metric_key, r.entry_at, r.evaluator, r.status, r.reason,
                        r.comment) for r in rows]


def _visible_asset(column, hide_deleted: bool):
    """A clause keeping rows whose asset (by `column`) is not deleted (SQL store only)."""
    if not hide_deleted:
        return true()
    return exists().where(assets.c.id == column, hidden.visible())


def top_reasons(connection, project: str, *, hide_deleted: bool, limit: int = 10) -> list[tuple[str, int]]:
    """(reason, Fail entries given it) on the project's assets, most used first."""
    n = func.count().label("n")
    statement = (
        select(review_entries.c.reason, n)
        .where(review_entries.c.project == project, review_entries.c.reason.is_not(None),
               review_entries.c.status == "Fail", _visible_asset(review_entries.c.asset_id, hide_deleted))
        .group_by(review_entries.c.reason)
        .order_by(n.desc(), review_entries.c.reason)
        .limit(limit)
    )
    return [(reason, count) for reason, count in connection.execute(statement).all()]


def reasons_by_asset(connection, asset_ids: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
    """asset id -> [(reason, Fail entries given it)] for these assets (the CSV export)."""
    ids = list(asset_ids)
    if not ids:
        return {}
    n = func.count().label("n")
    statement = (
        select(review_entries.c.asset_id, review_entries.c.reason, n)
        .where(review_entries.c.asset_id.in_(ids), review_entries.c.reason.is_not(None),
               review_entries.c.status == "Fail")
        .group_by(review_entries.c.asset_id, review_entries.c.reason)
        .order_by(review_entries.c.asset_id, n.desc(), review_entries.c.reason)
    )
    out: dict[str, list[tuple[str, int]]] = {}
    for asset_id, reason, count in connection.execute(statement).all():
        out.setdefault(asset_id, []).append((reason, count))
    return out


# -- project reasons -----------------------------------------------------------------------


def get_reasons(connection, project: str) -> list[str]:
    """The project's fail reasons in their order ([] when it has none)."""
    rows = connection.execute(select(project_reasons.c.reason).where(project_reasons.c.project == project)
                              .order_by(project_reasons.c.position)).all()
    return [reason for (reason,) in rows]


def set_reasons(connection, project: str, reasons: Sequence[str], *, user: str, now: datetime) -> None:
    """Replace the project's fail reasons (an empty list: no reason is asked for)."""
    connection.execute(delete(project_reasons).where(project_reasons.c.project == project))
    if reasons:
        connection.execute(insert(project_reasons), [
            {"project": project, "position": i, "reason": reason, "updated_at": now, "updated_by": user}
            for i, reason in enumerate(reasons)
        ])


# -- assignments ---------------------------------------------------------------------------


def create_assignment(connection, *, name: str, filters: str, assignees: Sequence[str], user: str, now: datetime,
                      items: Iterable[tuple[str, str]]) -> int:
    """Insert an assignment, its reviewers and its (asset id, metric key) items; its id."""
    result = connection.execute(insert(review_assignments).values(
        name=name, filters=filters, created_at=now, created_by=user))
    assignment_id = int(result.inserted_primary_key[0])
    connection.execute(insert(review_assignees), [{"assignment_id": assignment_id, "account": a} for a in assignees])
    batch: list[dict] = []
    for asset_id, key in items:
        batch.append({"assignment_id": assignment_id, "asset_id": asset_id, "metric_key": key})
        if len(batch) >= 1000:
            connection.execute(insert(review_assignment_items), batch)
            batch = []
    if batch:
        connection.execute(insert(review_assignment_items), batch)
    return assignment_id


def close_assignment(connection, assignment_id: int, *, user: str, now: datetime) -> bool:
    """Close an open assignment; False when there is no open assignment with this id."""
    result = connection.execute(update(review_assignments)
                                .where(review_assignments.c.id == assignment_id,
                                       review_assignments.c.closed_at.is_(None))
                                .values(closed_at=now, closed_by=user))
    return result.rowcount == 1


def assignments(connection, *, account: str | None = None, open_only: bool = False,
                assignment_id: int | None = None) -> list[AssignmentRow]:
    """Assignments, newest first: all of them, or those given to `account`, or one by id."""
    statement = select(review_assignments).order_by(review_assignments.c.id.desc())
    if account is not None:
        statement = statement.where(review_assignments.c.id.in_(
            select(review_assignees.c.assignment_id).where(review_assignees.c.account == account)))
    if open_only:
        statement = statement.where(review_assignments.c.closed_at.is_(None))
    if assignment_id is not None:
        statement = statement.where(review_assignments.c.id == assignment_id)
    rows = connection.execute(statement).all()
    if not rows:
        return []
    people: dict[int, list[str]] = {}
    for aid, who in connection.execute(select(review_assignees.c.assignment_id, review_assignees.c.account)
                                       .where(review_assignees.c.assignment_id.in_([r.id for r in rows]))
                                       .order_by(review_assignees.c.account)).all():
        people.setdefault(aid, []).append(who)
    return [AssignmentRow(r.id, r.name, r.filters, r.created_at, r.created_by, r.closed_at, r.closed_by,
                          tuple(people.get(r.id, ()))) for r in rows]


def open_count(connection, account: str) -> int:
    """How many open assignments are given to `account` (the navbar's "My reviews")."""
    return connection.execute(
        select(func.count()).select_from(review_assignments)
        .where(review_assignments.c.closed_at.is_(None),
               review_assignments.c.id.in_(select(review_assignees.c.assignment_id)
                                           .where(review_assignees.c.account == account)))
    ).scalar_one()


def progress(connection, row: AssignmentRow, *, hide_deleted: bool) -> Progress:
    """The assignment's progress (see Progress), counted by the database."""
    items = review_assignment_items
    covered = and_(items.c.assignment_id == row.id, _visible_asset(items.c.asset_id, hide_deleted))
    decided = and_(review_entries.c.asset_id == items.c.asset_id, review_entries.c.metric_key == items.c.metric_key,
                   review_entries.c.entry_at >= row.created_at, review_entries.c.status.in_(DECIDED))
    total = connection.execute(select(func.count()).select_from(items).where(covered)).scalar_one()
    reviewed = connection.execute(select(func.count()).select_from(items)
                                  .where(covered, exists().where(decided))).scalar_one()
    n = func.count(func.distinct(items.c.id)).label("n")
    by = connection.execute(select(review_entries.c.evaluator, n).select_from(items.join(review_entries, decided))
                            .where(covered).group_by(review_entries.c.evaluator)
                            .order_by(n.desc(), review_entries.c.evaluator)).all()
    return Progress(total, reviewed, tuple((who, count) for who, count in by))
