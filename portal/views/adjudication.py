"""The adjudication queue (`/review?adjudicate=1`, issue 17): metrics whose raters disagreed.

In a project whose policy needs several ratings, a round whose ratings disagree waits for
an adjudicator (an admin, or one of the project's leads). This queue serves those metrics
one at a time, oldest dispute first, with every rating and its reason; the adjudicator's
`p` / `f` is appended under their own name (portal.review.ratings.adjudicate). The
overview's `project` filter narrows it; disputes are few, so the list is read whole from
the ratings tables (at most `LIMIT`), never from documents.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.errors import NotFound
from portal.review import ratings as service
from portal.store.protocol import AssetQuery
from portal.views.asset.model import load_detail
from portal.views.review import ReviewItem
from portal.views.review_ratings import RoundView

LIMIT = 500


@dataclass(frozen=True)
class Dispute:
    """A metric waiting for an adjudicator."""

    asset_id: str
    asset: str
    key: str
    metric: str
    project: str | None
    ratings: tuple[dict, ...]


def disputes(portal, user, query: AssetQuery) -> list[Dispute]:
    """The disputes `user` may decide (admins: every project's; leads: their projects'),
    of the query's projects when it names some, oldest first."""
    ratings = service.store_of(portal)
    projects = set(query.project)
    rows = ratings.disputed(next(iter(projects)) if len(projects) == 1 else None, limit=LIMIT)
    allowed: dict[str | None, bool] = {}
    out = []
    for row in rows:
        project = row["project"]
        if projects and project not in projects:
            continue
        if project not in allowed:
            allowed[project] = service.may_adjudicate(user, ratings.policy(project))
        if allowed[project]:
            out.append(Dispute(row["asset_id"], row["asset"], row["key"], row["metric"], project,
                               tuple(row["ratings"])))
    return out


def may_adjudicate_any(portal, user) -> bool:
    """Whether `user` adjudicates anywhere: an admin, or a lead of some project."""
    return service.may_adjudicate(user, service.Policy()) or bool(service.store_of(portal).led_by(user.name))


def dispute_item(portal, items: list[Dispute], index: int) -> tuple[ReviewItem, RoundView] | None:
    """The item of `items[index]` (skipping disputes whose asset or metric is gone), and its round."""
    while 0 <= index < len(items):
        found = items[index]
        try:
            detail = load_detail(portal.store, found.asset_id, with_derived=False)
        except NotFound:
            detail = None
        metric = next((m for m in detail.metrics if m.key == found.key), None) if detail else None
        if metric is not None:
            item = ReviewItem(detail, metric, index + 1, len(items), 1, ())
            rounds = RoundView(len(found.ratings), False, found.ratings, None, adjudicate=True)
            return item, rounds
        index += 1
    return None


def index_of(items: list[Dispute], asset: str | None, key: str | None) -> int | None:
    """The position of the dispute of (asset name or id, metric key) in `items`, or None."""
    for number, found in enumerate(items):
        if found.key == key and asset in (found.asset, found.asset_id):
            return number
    return None
