"""View-model of the assignments page `/review/assignments` ("My reviews").

Admins see every assignment and may make and close them; any other signed-in account sees
the assignments given to it, open ones first. What an assignment covers and how its
progress is counted is portal.review.assignments'; this module only arranges it for the
page: filters made readable, reviewers by their display names, the queue's link (built by
`portal.review.assignments.review_url`, as the REST API's), the overview's link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from portal.accounts.auth import can
from portal.review import assignments
from portal.review.assignments import Assignment, review_url

# Roles offered as reviewers in the form: those who may decide metrics (a pipeline is a service).
REVIEWER_ROLES = ("annotator", "admin")
# How the overview's filter keys read on the page (others read as their key).
KEY_LABELS = {"q": "search", "from": "acquired from", "to": "acquired to", "pending": "has Pending metrics",
              "metric_status": "metric status", "level": "data level"}


@dataclass(frozen=True)
class AssignmentCard:
    """One assignment as the page shows it."""

    id: int
    name: str
    filters: str  # the overview's query string, canonical
    readable: tuple[tuple[str, str], ...]  # (label, values) of each filter key; () for every asset
    reviewers: tuple[str, ...]  # "Display Name (account)" or the account
    created_by: str
    created_at: str  # "YYYY-MM-DD HH:MM UTC"
    closed: str | None  # "YYYY-MM-DD HH:MM UTC by who", None while open
    total: int
    reviewed: int
    by: tuple[tuple[str, int], ...]  # (evaluator, metrics they decided), most first
    review_href: str  # the queue's path (`/review?<filters>&assignment=<id>`), no prefix
    assets_href: str  # the overview at these filters, no prefix

    @property
    def is_open(self) -> bool:
        """True until someone closes it."""
        return self.closed is None

    @property
    def percent(self) -> int:
        """Reviewed as a share of the total, 0..100 (100 when nothing was covered)."""
        return round(100 * self.reviewed / self.total) if self.total else 100


@dataclass(frozen=True)
class AssignmentsView:
    """The page: the cards, whether the form is shown, and what the form offers."""

    cards: tuple[AssignmentCard, ...]
    admin: bool
    reviewers: tuple[tuple[str, str], ...] = ()  # (account, label) offered in the form
    filters: str = ""  # the form's filters, prefilled from `?filters=`
    queue: bool = True  # False: the store has no review queue (DocDB): the page says so


def when(moment: datetime | None) -> str:
    """A stored time as the page shows it (UTC, to the minute)."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


def readable_filters(filters: str) -> tuple[tuple[str, str], ...]:
    """(label, values) per key of an overview query string, values joined with " or "."""
    grouped: dict[str, list[str]] = {}
    for key, value in parse_qsl(filters or "", keep_blank_values=False):
        grouped.setdefault(key, []).append("yes" if key == "pending" else value)
    return tuple((_label(key), " or ".join(values)) for key, values in grouped.items())


def _label(key: str) -> str:
    if key.endswith("_contains"):
        return f"{_label(key[:-len('_contains')])} contains"
    return KEY_LABELS.get(key, key)


def card(item: Assignment, names: dict[str, str]) -> AssignmentCard:
    """The card of an assignment; `names` maps accounts to display names."""
    row, progress = item.row, item.progress
    reviewers = tuple(f"{names[a]} ({a})" if names.get(a) and names[a] != a else a for a in row.assignees)
    closed = None if row.is_open else f"{when(row.closed_at)} by {names.get(row.closed_by or '', row.closed_by)}"
    return AssignmentCard(
        id=row.id, name=row.name, filters=row.filters, readable=readable_filters(row.filters), reviewers=reviewers,
        created_by=names.get(row.created_by, row.created_by), created_at=when(row.created_at), closed=closed,
        total=progress.total, reviewed=progress.reviewed, by=progress.by,
        review_href=review_url(row.filters, row.id), assets_href="/" + (f"?{row.filters}" if row.filters else ""))


def ordered(items: list[Assignment]) -> list[Assignment]:
    """Open assignments first, then closed ones; newest first within each."""
    return sorted(items, key=lambda a: (not a.row.is_open, -a.row.id))


def has_queue(store) -> bool:
    """Whether the store serves the review queue (the SQL stores; DocDB does not yet)."""
    return hasattr(store, "review_queue")


def load(portal, user, *, filters: str = "") -> AssignmentsView:
    """The page for `user` (signed in: portal.errors.Forbidden otherwise, from the listing).

    One listing (with progress counted in SQL) and, for the display names, the accounts."""
    found = ordered(assignments.listing(portal, user))
    accounts = portal.users.list()
    names = {a.name: a.display_name for a in accounts}
    admin = can(user, "admin")
    offered = tuple((a.name, f"{a.display_name} ({a.name}, {a.role})" if a.display_name != a.name
                     else f"{a.name} ({a.role})") for a in accounts if a.role in REVIEWER_ROLES) if admin else ()
    return AssignmentsView(cards=tuple(card(a, names) for a in found), admin=admin, reviewers=offered,
                           filters=filters if admin else "", queue=has_queue(portal.store))
