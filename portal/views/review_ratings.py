"""The review queue in projects whose review policy needs several ratings (issue 17).

There a key press is a *rating* (portal.review.ratings.decide), not a status entry: the
metric stays Pending until N raters agree. So the queue passes over the metrics this
reviewer rated in a round still open (they wait for others, or for an adjudicator), shows
the round on the card (ratings needed; the others' ratings unless the project is blind),
and, with the policy's `repeat_fraction`, serves that share of items again: a metric the
reviewer rated whose round is decided, shown as if Pending (no history, no status), whose
answer is kept as a repeat and never appended. Projects with one rating (most) cost one
cached query here: `RaterView.active` is False and nothing else is read.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from portal.review import ratings as service
from portal.store.sql.ratings import OPEN, Policy
from portal.views.asset.model import AssetDetail


@dataclass(frozen=True)
class RoundView:
    """What the card says of a metric's rating round."""

    needed: int  # ratings the policy requires
    blind: bool  # others' ratings of an open round are hidden until this reviewer rated it
    shown: tuple[dict, ...]  # the ratings of the open round this reviewer may see
    mine: str | None  # this reviewer's rating in the open round, if any
    adjudicate: bool = False  # the raters disagreed: this reviewer's key decides (portal.views.adjudication)


class RaterView:
    """One reviewer's view of the rating policies, for one request."""

    def __init__(self, portal, user):
        self.portal = portal
        self.user = user
        self.ratings = service.store_of(portal)
        self.active = service.ratings_in_use(self.ratings)
        self._policies: dict[str | None, Policy] = {}

    def policy(self, project: str | None) -> Policy:
        """The project's policy (read once per request)."""
        if not self.active:
            return Policy()
        if project not in self._policies:
            self._policies[project] = self.ratings.policy(project)
        return self._policies[project]

    def multi(self, detail: AssetDetail) -> bool:
        """Whether a decision on this asset's metrics is a rating (its project needs N > 1)."""
        return self.policy(detail.summary.project).ratings_required > 1

    def masked(self, detail: AssetDetail) -> bool:
        """Whether the queue hides the metric's history and status (a project serving repeats:
        a repeated item must look like any other)."""
        return self.multi(detail) and self.policy(detail.summary.project).repeat_fraction > 0

    def skip(self, detail: AssetDetail) -> set[str]:
        """The metric keys of `detail` this reviewer rated in a round not decided yet."""
        if not self.active or not self.multi(detail):
            return set()
        return self.ratings.awaiting_others(detail.id, self.user.name)

    def round_view(self, detail: AssetDetail, key: str) -> RoundView | None:
        """The card's view of the metric's open round (None: one rating decides)."""
        if not self.multi(detail):
            return None
        policy = self.policy(detail.summary.project)
        rows = [r for r in self.ratings.ratings_of(detail.id, key) if r["state"] == OPEN and not r["repeat"]]
        me = self.user.name
        mine = next((r["status"] for r in rows if r["rater"] == me), None)
        sees_all = not policy.blind or mine is not None or service.may_adjudicate(self.user, policy)
        shown = tuple(rows) if sees_all else tuple(r for r in rows if r["rater"] == me)
        return RoundView(policy.ratings_required, policy.blind and not sees_all, shown, mine)

    def repeat_due(self, detail: AssetDetail) -> tuple[str, str] | None:
        """(asset id, metric key) to serve as a blinded repeat now, drawn with the project's
        `repeat_fraction`; None most of the time, and when the reviewer rated nothing decided."""
        policy = self.policy(detail.summary.project)
        if not self.multi(detail) or policy.repeat_fraction <= 0:
            return None
        if secrets.randbelow(1_000_000) >= policy.repeat_fraction * 1_000_000:  # unpredictable to the rater
            return None
        return self.ratings.repeat_candidate(detail.summary.project, self.user.name)


def rated_message(decision: service.Decision) -> tuple[str, str]:
    """(message, alert kind) of what a rating did, shown on the next item."""
    if decision.recorded == "repeat" or decision.recorded == "annotation":
        return "", "info"  # a repeat says nothing; a status entry needs no word either
    if decision.consensus:
        return (f"{decision.metric}: {decision.status} agreed by {decision.evaluator} — appended to its history.",
                "success")
    if decision.state == "disputed":
        return (f"{decision.metric}: the raters disagree — it waits for an adjudicator "
                "(/review?adjudicate=1).", "warning")
    return (f"{decision.metric}: your {decision.status} is recorded as a rating; {decision.needed} raters must agree "
            "before a status is appended (it stays Pending until then).", "info")
