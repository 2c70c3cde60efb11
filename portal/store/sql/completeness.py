"""A project's expected sessions in the portal's SQL database (migration 0020) and how they
match the project's assets: one join over the assets table's summary columns (subject_id,
acquired, name, n_total, n_pending), never the documents.

An expected (subject, date) matches an asset of the project with that subject_id whose
acquisition time (UTC) falls on that day; an expected session name matches an asset whose
name equals it or starts with it. Deleted assets match nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, exists, func, insert, or_, select

from portal.store.sql import hidden
from portal.store.sql.review_tables import expected_sessions
from portal.store.sql.tables import assets


@dataclass(frozen=True)
class ExpectedRow:
    """One expected session as stored: a subject and day ("YYYY-MM-DD"), or a session name."""

    subject_id: str | None = None
    on_date: str | None = None
    day_start: datetime | None = None  # the day's start (UTC)
    day_end: datetime | None = None  # the next day's start (UTC)
    session: str | None = None


@dataclass(frozen=True)
class Match:
    """An expected session and what of the project matches it: assets, those with QC metrics,
    and their Pending metrics."""

    position: int
    subject_id: str | None
    on_date: str | None
    session: str | None
    assets: int
    with_qc: int
    pending: int


def set_expected(connection, project: str, rows: Sequence[ExpectedRow], *, user: str, now: datetime) -> None:
    """Replace the project's expected sessions with `rows`, in their order."""
    connection.execute(delete(expected_sessions).where(expected_sessions.c.project == project))
    if rows:
        connection.execute(insert(expected_sessions), [
            {"project": project, "position": i, "subject_id": r.subject_id, "on_date": r.on_date,
             "day_start": r.day_start, "day_end": r.day_end, "session": r.session, "updated_at": now,
             "updated_by": user} for i, r in enumerate(rows)])


def expected_count(connection, project: str) -> int:
    """How many sessions the project expects (0: it tracks none)."""
    return connection.execute(select(func.count()).select_from(expected_sessions)
                              .where(expected_sessions.c.project == project)).scalar_one()


def _matches(e):
    """The join condition: asset row `assets` matches expected row `e` (of the same project)."""
    by_session = func.substr(assets.c.name, 1, func.length(e.c.session)) == e.c.session
    by_day = and_(assets.c.subject_id == e.c.subject_id, assets.c.acquired >= e.c.day_start,
                  assets.c.acquired < e.c.day_end)
    return and_(assets.c.project == e.c.project, hidden.visible(),
                or_(and_(e.c.session.is_not(None), by_session), and_(e.c.session.is_(None), by_day)))


def matches(connection, project: str) -> list[Match]:
    """Every expected session of the project, in order, with what matches it."""
    e = expected_sessions
    query = (select(e.c.position, e.c.subject_id, e.c.on_date, e.c.session, func.count(assets.c.id),
                    func.coalesce(func.sum(case((assets.c.n_total > 0, 1), else_=0)), 0),
                    func.coalesce(func.sum(assets.c.n_pending), 0))
             .select_from(e.outerjoin(assets, _matches(e)))
             .where(e.c.project == project)
             .group_by(e.c.position, e.c.subject_id, e.c.on_date, e.c.session)
             .order_by(e.c.position))
    return [Match(*row) for row in connection.execute(query)]


def extra_count(connection, project: str) -> int:
    """The project's (not deleted) assets that match no expected session."""
    e = expected_sessions
    matched = exists().where(e.c.project == project, _matches(e))
    return connection.execute(select(func.count()).select_from(assets)
                              .where(assets.c.project == project, hidden.visible(), ~matched)).scalar_one()
