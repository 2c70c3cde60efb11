"""Several raters: a project's review policy, ratings, consensus and adjudication.

With a project's `ratings_required` N = 1 (the default) a reviewer's decision is a status
entry, as it always was. With N > 1 a decision is a *rating* (portal.store.sql.ratings):
when N different raters agree, the status is appended once, through the store's annotate
(the one write path: validated, versioned, audited), with the evaluator "<rater1>, <rater2>"
and the time of the last rating; when they disagree the metric waits for an adjudicator
(an admin or one of the project's leads), whose decision is appended under their own name.
A rater who rates a metric already decided gives a blinded repeat: stored, never appended,
compared with their first rating for consistency. The status-entry endpoints refuse status
changes in such projects (409) unless an admin sends `force`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from portal.accounts.auth import can, require
from portal.context import Portal
from portal.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal.qc.identity import MetricIndex, MetricLookupError, MetricSelector
from portal.qc.read import QCReadError, load_qc
from portal.review import agreement, reasons
from portal.store.protocol import Actor, Annotation, MetricEdit, StoredAsset
from portal.store.sql.ratings import ADJUDICATED, AGREED, DISPUTED, Policy, RatingIn, RatingStore
from portal.store.sql.store import SqlAssetStore

log = logging.getLogger(__name__)
RATING_STATUSES = ("Pass", "Fail")  # a rating decides; "leave Pending" is no rating
MAX_RATERS = 3


@dataclass(frozen=True)
class Decision:
    """What one reviewer's decision did: appended (`annotation`), or a rating, or a repeat."""

    recorded: str  # "annotation" | "rating" | "repeat" | "adjudication"
    consensus: bool  # a status entry was appended
    state: str  # the round's state: open / consensus / disputed / adjudicated (annotation: consensus)
    needed: int  # ratings the policy requires
    key: str
    metric: str
    status: str
    version: int | None = None  # the asset's version after an appended entry
    ratings: list[dict] = field(default_factory=list)  # this round's ratings the caller may see
    evaluator: str | None = None  # the appended entry's evaluator


def store_of(portal: Portal) -> RatingStore:
    """The ratings of `portal` (in its own database, whatever the asset store)."""
    return RatingStore(portal.users.engine)


def check_policy(body: dict) -> Policy:
    """A Policy from a request body `{"ratings_required", "blind", "repeat_fraction", "leads"?}`;
    InvalidInput naming the field that is wrong."""
    if not isinstance(body, dict):
        raise InvalidInput("the policy is a JSON object")
    unknown = set(body) - {"ratings_required", "blind", "repeat_fraction", "leads"}
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    required = body.get("ratings_required", 1)
    if type(required) is not int or not 1 <= required <= MAX_RATERS:
        raise InvalidInput(f"ratings_required: an integer from 1 to {MAX_RATERS}")
    blind = body.get("blind", False)
    if type(blind) is not bool:
        raise InvalidInput("blind: true or false")
    fraction = body.get("repeat_fraction", 0.0)
    if type(fraction) not in (int, float) or not 0.0 <= fraction <= 0.5:
        raise InvalidInput("repeat_fraction: a number from 0.0 to 0.5")
    leads = body.get("leads", [])
    if not isinstance(leads, list) or not all(isinstance(x, str) and x.strip() for x in leads):
        raise InvalidInput("leads: a list of account names")
    return Policy(required, blind, float(fraction), tuple(dict.fromkeys(x.strip() for x in leads)))


def set_policy(portal: Portal, user, project: str, policy: Policy) -> Policy:
    """Store `project`'s policy as `user` (admins only; leads must be existing accounts)."""
    user = require("admin", project, user=user)
    missing = [name for name in policy.leads if portal.users.get(name) is None]
    if missing:
        raise InvalidInput(f"leads: no account named {', '.join(missing)}")
    stored = store_of(portal).set_policy(project, policy, by=user.name)
    log.info("%s set the review policy of %s: %s", user.name, project, policy)
    return stored


def may_adjudicate(user, policy: Policy) -> bool:
    """Admins, and the project's leads (with a role that may annotate)."""
    return can(user, "admin") or (can(user, "annotate") and getattr(user, "name", None) in policy.leads)


def refuse_direct_status(portal: Portal, user, annotation: Annotation) -> None:
    """Conflict when `annotation` changes a status in a project whose policy needs several
    ratings (the ratings, or the review queue, decide there), unless an admin forces it."""
    if not any(edit.status is not None for edit in annotation.edits):
        return
    ratings = store_of(portal)
    if not ratings_in_use(ratings):
        return
    project = reasons.asset_project(portal.store, annotation.asset)  # None: the store answers NotFound itself
    policy = ratings.policy(project)
    if policy.ratings_required > 1 and not (annotation.force and can(user, "admin")):
        raise Conflict(f"project {project} needs {policy.ratings_required} agreeing ratings per "
                       f"metric: rate it (POST /api/v1/assets/{{name}}/ratings, or the review queue); "
                       "admins may send force: true to write the status directly")


def ratings_in_use(ratings: RatingStore) -> bool:
    """Whether any project needs more than one rating (most portals: none, and no more reads)."""
    return ratings.any_multi_rater()


def decide(portal: Portal, user, asset: str, selector: MetricSelector, status: str, *, reason: str | None = None,
           comment: str | None = None, shown_ms: int | None = None) -> Decision:
    """One reviewer's decision on one metric, as the project's policy says: a status entry
    (N = 1), or a rating that may complete a consensus (N > 1). Forbidden for viewers;
    InvalidInput for an unknown metric or a status other than Pass / Fail; Conflict when the
    metric waits for an adjudicator."""
    if user is None:
        raise Forbidden("Sign in as an annotator to make changes.")
    user = require("annotate", asset, user=user)
    if status not in RATING_STATUSES:
        raise InvalidInput(f"status: one of {', '.join(RATING_STATUSES)}")
    stored, index, position, name = _metric(portal, asset, selector)
    key = index.key(position)
    if isinstance(portal.store, SqlAssetStore):  # fail reasons live with a SQL store's assets
        reasons.check_reason(reasons.project_reasons(portal.store, stored.summary.project), stored.summary.project,
                             name, status, reason)
    ratings = store_of(portal)
    policy = ratings.policy(stored.summary.project)
    if policy.ratings_required <= 1:
        version = _append(portal, stored, key, status, Actor(user.name, user.display_name), comment)
        return Decision("annotation", True, AGREED, 1, key, name, status, version, [], user.display_name)
    state = ratings.rate(RatingIn(stored.id, stored.name, stored.summary.project, key, name, user.name,
                                  user.display_name, status, reason, comment, shown_ms), policy.ratings_required)
    if state.repeat:
        return Decision("repeat", False, state.state, policy.ratings_required, key, name, status)
    version = None
    if state.state == AGREED:
        # Appended under the last rater's account (the audit row) with every rater as evaluator.
        try:
            version = _append(portal, stored, key, state.decided_status, Actor(user.name, state.decided_by), None)
        except Exception:
            ratings.reopen(stored.id, key, state.round)  # nothing appended: the next rating tries again
            raise
        ratings.decided(stored.id, key, state.round, state=AGREED, status=state.decided_status,
                        by=state.decided_by, at=_last_entry_time(portal, stored.name, key))
        log.info("%s: %d raters agreed on %s of %s: %s", user.name, len(state.ratings), key, stored.name,
                 state.decided_status)
    shown = state.ratings if (not policy.blind or state.state != "open") else _own(state.ratings, user.name)
    return Decision("rating", state.state == AGREED, state.state, policy.ratings_required, key, name, status,
                    version, shown, state.decided_by)


def adjudicate(portal: Portal, user, asset: str, selector: MetricSelector, status: str,
               comment: str | None = None) -> Decision:
    """An adjudicator's decision on a metric whose raters disagreed: appended under their name.
    Forbidden unless an admin or one of the project's leads; Conflict when not disputed."""
    if user is None:
        raise Forbidden("Sign in to adjudicate.")
    if status not in RATING_STATUSES:
        raise InvalidInput(f"status: one of {', '.join(RATING_STATUSES)}")
    stored, index, position, name = _metric(portal, asset, selector)
    ratings = store_of(portal)
    policy = ratings.policy(stored.summary.project)
    if not may_adjudicate(user, policy):
        raise Forbidden("Only admins and the project's leads adjudicate.")
    key = index.key(position)
    state = ratings.claim_dispute(stored.id, key)
    try:
        version = _append(portal, stored, key, status, Actor(user.name, user.display_name), comment)
    except Exception:
        ratings.decided(stored.id, key, state.round, state=DISPUTED, status=None, by=None, at=None)
        raise
    ratings.decided(stored.id, key, state.round, state=ADJUDICATED, status=status, by=user.display_name,
                    at=_last_entry_time(portal, stored.name, key))
    return Decision("adjudication", True, ADJUDICATED, policy.ratings_required, key, name, status, version,
                    state.ratings, user.display_name)


def visible_ratings(portal: Portal, user, asset: str) -> list[dict]:
    """The ratings of `asset` that `user` may see: all of them, except in a blind project
    another rater's rating in a round still open that `user` has not rated yet (admins and
    leads see everything)."""
    stored = portal.store.get(asset)
    if stored is None:
        raise NotFound(f"no asset named {asset!r}")
    ratings = store_of(portal)
    policy = ratings.policy(stored.summary.project)
    rows = ratings.ratings_of(stored.id)
    if not policy.blind or may_adjudicate(user, policy):
        return rows
    me = getattr(user, "name", None)
    mine = {(r["key"], r["round"]) for r in rows if r["rater"] == me}
    return [r for r in rows if r["state"] != "open" or r["rater"] == me or (r["key"], r["round"]) in mine]


def project_agreement(portal: Portal, project: str) -> dict:
    """Agreement of a project's raters: per metric name and pair (items, percent, Cohen's kappa,
    confusion), over all metrics, Fleiss' kappa over items rated by three, per rater counts."""
    ratings = store_of(portal)
    pairs: dict[tuple[str, str, str], dict[tuple[str, str], int]] = {}
    for metric, a, b, status_a, status_b, n in ratings.pair_counts(project):
        for scope in (metric, ""):  # "" : every metric together
            cell = pairs.setdefault((scope, a, b), {})
            cell[(status_a, status_b)] = cell.get((status_a, status_b), 0) + n
    out_pairs = []
    for (metric, a, b), confusion in sorted(pairs.items()):
        result = agreement.cohen(confusion)
        out_pairs.append({"metric": metric or None, "raters": [a, b], "n": result.n, "percent": result.percent,
                          "kappa": result.kappa, "confusion": result.confusion})
    items: dict[str, dict[str, int]] = {}
    for item, status, n in ratings.item_counts(project):
        items.setdefault(item, {})[status] = n
    three = [row for row in items.values() if sum(row.values()) == 3]
    fleiss_n, fleiss_kappa = agreement.fleiss(three)
    raters = ratings.rater_counts(project)
    for rater in raters:
        rater["share_fail"] = round(rater["fails"] / rater["ratings"], 3) if rater["ratings"] else None
        rater["consistency"] = (round(rater["repeats_same"] / rater["repeats"], 3) if rater["repeats"] else None)
    policy = ratings.policy(project)
    return {"project": project, "policy": {"ratings_required": policy.ratings_required, "blind": policy.blind,
                                           "repeat_fraction": policy.repeat_fraction, "leads": list(policy.leads)},
            "pairs": out_pairs, "fleiss": {"n": fleiss_n, "kappa": fleiss_kappa}, "raters": raters,
            "disputed": len(ratings.disputed(project))}


# -- plumbing -----------------------------------------------------------------------------------


def _metric(portal: Portal, asset: str, selector: MetricSelector) -> tuple[StoredAsset, MetricIndex, int, str]:
    """The stored asset, its metric index, and the selected metric's position and name."""
    stored = portal.store.get(asset)
    if stored is None:
        raise NotFound(f"no asset named {asset!r}")
    try:
        qc = load_qc(stored.record.get("quality_control") or {})
    except QCReadError as exc:
        raise InvalidInput(f"the asset's quality_control cannot be read: {exc}") from None
    index = MetricIndex(qc.metrics)
    try:
        position = index.resolve(selector)
    except MetricLookupError as exc:
        raise InvalidInput(str(exc)) from None
    return stored, index, position, qc.metrics[position].name


def _append(portal: Portal, stored: StoredAsset, key: str, status: str, who: Actor, comment: str | None) -> int:
    """Append `status` to the metric's history as `who` (over any concurrent edit: a decision
    is appended, never lost); the asset's new version."""
    result = portal.store.annotate(Annotation(stored.name, stored.version, (MetricEdit(key=key, status=status,
                                                                                        comment=comment),),
                                              force=True), user=who)
    return result.version


def _last_entry_time(portal: Portal, asset: str, key: str):
    stored = portal.store.get(asset)
    qc = load_qc(stored.record.get("quality_control") or {})
    index = MetricIndex(qc.metrics)
    position = index.position_of_key(key)
    history = qc.metrics[position].status_history if position is not None else []
    return history[-1].timestamp if history else None


def _own(rows: list[dict], me: str) -> list[dict]:
    return [r for r in rows if r["rater"] == me]
