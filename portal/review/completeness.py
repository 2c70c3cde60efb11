"""Completeness (issue 16 part 3): a project's expected sessions, and how many of them the
portal has, with QC, and fully reviewed; the missing ones; the project's extra assets.

The list lives in the portal's own database (portal.store.sql.completeness), replaced as a
whole by `qc-portal track PROJECT FILE` or an admin's upload on the settings page (files:
portal.review.expected_files).

Matching, per expected session:
- a subject and a date match the project's assets with that subject_id acquired (UTC) on
  that day; a session name matches the project's assets whose name equals it or starts
  with it (so "ecephys_123456_2025-01-02" matches the raw asset and its derived ones);
- **present**: some asset matches; **with QC**: a matching asset has QC metrics;
  **fully reviewed**: with QC and no matching asset has a Pending metric;
- **missing**: no asset matches (listed in order, the first MISSING_LIMIT);
- **extra**: the project's assets matching no expected session (a count).
Deleted assets count nowhere. Computed with SQL over the assets table's summary columns;
stores whose assets are not in the portal's database (DocDB) keep the list but cannot
count it: `available` is False then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.accounts.auth import require
from portal.errors import Forbidden, NotFound, Unsupported
from portal.review.reasons import hides_deleted, project_exists
from portal.store.sql import completeness as sql
from portal.store.sql.completeness import ExpectedRow
from portal.store.sql.engine import begin_write

MISSING_LIMIT = 200


@dataclass(frozen=True)
class Completeness:
    """What the project page's completeness section shows (counts are of expected sessions)."""

    expected: int
    available: bool = True  # False: this store cannot match (DocDB): only `expected` is known
    present: int = 0
    with_qc: int = 0
    reviewed: int = 0
    missing: tuple[str, ...] = ()  # labels ("subject 100001 on 2025-01-02", "session X"), the first MISSING_LIMIT
    missing_total: int = 0
    extra: int = 0


def label(subject_id: str | None, on_date: str | None, session: str | None) -> str:
    """How an expected session is named to people."""
    return f"session {session}" if session else f"subject {subject_id} on {on_date}"


def _engine(store):
    engine = getattr(store, "engine", None)
    if engine is None:
        raise Unsupported("This asset store keeps no project settings: expected sessions live in the portal's "
                          "database, which this deployment does not give it.")
    return engine


def expected_count(store, project: str) -> int:
    """How many sessions `project` expects (0 when it tracks none, or the store keeps no settings)."""
    engine = getattr(store, "engine", None)
    if engine is None or not project:
        return 0
    with engine.connect() as connection:
        return sql.expected_count(connection, project)


def completeness_of(store, project: str, *, limit: int = MISSING_LIMIT) -> Completeness | None:
    """The project's completeness, or None when it tracks no sessions."""
    expected = expected_count(store, project)
    if not expected:
        return None
    if not hides_deleted(store):  # the assets are not in this database (DocDB)
        return Completeness(expected, available=False)
    with _engine(store).connect() as connection:
        found, extra = sql.match_all(connection, project)
    missing = [m for m in found if not m.assets]
    return Completeness(
        expected=len(found), present=sum(1 for m in found if m.assets),
        with_qc=sum(1 for m in found if m.with_qc), reviewed=sum(1 for m in found if m.with_qc and not m.pending),
        missing=tuple(label(m.subject_id, m.on_date, m.session) for m in missing[:limit]),
        missing_total=len(missing), extra=extra)


def set_expected_sessions(store, user, project: str, rows: list[ExpectedRow]) -> Completeness | None:
    """Replace `project`'s expected sessions with `rows` as `user` (an admin; Forbidden
    otherwise); NotFound for a project no asset belongs to. Returns the new completeness."""
    if user is None:
        raise Forbidden("Sign in as an admin to see this.")
    user = require("admin", project, user=user)
    engine = _engine(store)
    if not project or not project_exists(store, project):
        raise NotFound(f"Project not found: {project}")
    with begin_write(engine) as connection:
        sql.set_expected(connection, project, rows, user=user.name, now=datetime.now(UTC))
    return completeness_of(store, project)


def summary(found: Completeness | None) -> str:
    """One sentence: how many sessions are tracked and how many are present."""
    if found is None:
        return "No expected sessions are tracked."
    n = found.expected
    head = f"{n} expected session{'s' if n != 1 else ''} tracked"
    if not found.available:
        return head + "; present: not available on this store."
    return (f"{head}: {found.present} present, {found.with_qc} with QC, {found.reviewed} fully reviewed, "
            f"{found.missing_total} missing; {found.extra} extra asset{'s' if found.extra != 1 else ''}.")
