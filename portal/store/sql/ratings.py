"""Ratings in the portal's database: review policies, rating rounds, agreement counts.

With a project's `ratings_required` N > 1 (portal.review.ratings), a reviewer's decision on
a metric is a rating kept here, not yet a status entry. Each metric being rated has a
`rating_items` row per round, locked while a rating is added, so exactly one of two raters
completing a round at once sees it complete. Agreement is aggregated here with SQL (a
pair's confusion counts, per-rater counts, repeats against first ratings): nothing reads
documents. The tables live in the portal's own database, so ratings work the same with the
SQL store and the DocDB store. Soft-deleted assets' ratings are kept (restorable) and left
out of every list and count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, Text, and_, case, cast, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from portal.errors import Conflict
from portal.store.sql.review_tables import rating_items, ratings, review_policies
from portal.store.sql.tables import asset_deletions
from portal.store.sql.transactions import read_tx, write_tx

OPEN, AGREED, DISPUTED, ADJUDICATED = "open", "consensus", "disputed", "adjudicated"


@dataclass(frozen=True)
class Policy:
    """A project's review policy: N ratings that must agree, blind raters, the repeat share."""

    ratings_required: int = 1
    blind: bool = False
    repeat_fraction: float = 0.0
    leads: tuple[str, ...] = ()


@dataclass(frozen=True)
class RatingIn:
    """One rater's rating of one metric (the metric resolved to its key by the caller)."""

    asset_id: str
    asset_name: str
    project: str | None
    metric_key: str
    metric_name: str
    rater: str  # the account
    rater_name: str  # its display name
    status: str
    reason: str | None = None
    comment: str | None = None
    shown_ms: int | None = None


@dataclass(frozen=True)
class RoundState:
    """A metric's rating round after a rating: its state and its (non-repeat) ratings."""

    round: int
    state: str  # open / consensus / disputed / adjudicated
    repeat: bool  # the rating just added was a blinded repeat (never appended)
    ratings: list[dict] = field(default_factory=list)
    decided_status: str | None = None
    decided_by: str | None = None


def _not_deleted(column):
    return ~select(asset_deletions.c.asset_id).where(asset_deletions.c.asset_id == column).exists()


def _rating_dict(row) -> dict:
    return {"rater": row.rater, "rater_name": row.rater_name, "status": row.status, "reason": row.reason,
            "comment": row.comment, "rated_at": row.rated_at, "repeat": bool(row.repeat), "round": row.round}


class RatingStore:
    """Policies, ratings and agreement counts on the portal's database engine."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # -- policies ---------------------------------------------------------------------------

    def policy(self, project: str | None) -> Policy:
        """The review policy of `project` (the default, one rating, when none was set)."""
        if not project:
            return Policy()
        with read_tx(self.engine) as connection:
            row = connection.execute(select(review_policies).where(review_policies.c.project == project)).first()
        if row is None:
            return Policy()
        return Policy(row.ratings_required, bool(row.blind), float(row.repeat_fraction), tuple(row.leads or ()))

    def any_multi_rater(self) -> bool:
        """Whether any project's policy needs more than one rating."""
        with read_tx(self.engine) as connection:
            return connection.execute(select(review_policies.c.project).where(
                review_policies.c.ratings_required > 1).limit(1)).first() is not None

    def set_policy(self, project: str, policy: Policy, *, by: str) -> Policy:
        """Store `project`'s policy (replacing the one before)."""
        values = {"ratings_required": policy.ratings_required, "blind": policy.blind,
                  "repeat_fraction": policy.repeat_fraction, "leads": list(policy.leads),
                  "updated_at": datetime.now(UTC), "updated_by": by}
        with write_tx(self.engine) as connection:
            done = connection.execute(update(review_policies).where(review_policies.c.project == project)
                                      .values(**values))
            if not done.rowcount:
                connection.execute(insert(review_policies).values(project=project, **values))
        return policy

    def led_by(self, account: str) -> list[str]:
        """The projects whose policy lists `account` among its leads (policies are few: read whole)."""
        with read_tx(self.engine) as connection:
            rows = connection.execute(select(review_policies.c.project, review_policies.c.leads)).all()
        return sorted(row.project for row in rows if account in (row.leads or ()))

    # -- ratings ----------------------------------------------------------------------------

    def rate(self, rating: RatingIn, required: int) -> RoundState:
        """Add `rating` to its metric's open round (replacing the rater's earlier rating in it).

        The round completes when `required` different raters rated it: `consensus` when they
        agree (the caller appends the status entry, then calls `decided`), `disputed` when
        not (an adjudicator decides). A rater who rated the metric in an earlier, decided
        round gives a blinded repeat (kept apart, never counted). Conflict when the metric
        waits for an adjudicator.
        """
        now = datetime.now(UTC)
        with write_tx(self.engine) as connection:
            item = self._latest_round(connection, rating, now)
            rated_before = connection.execute(
                select(func.count()).select_from(ratings).where(
                    ratings.c.asset_id == rating.asset_id, ratings.c.metric_key == rating.metric_key,
                    ratings.c.rater == rating.rater, ratings.c.round < item.round + (item.state != OPEN)))
            if item.state in (AGREED, ADJUDICATED) and rated_before.scalar_one():
                self._insert(connection, rating, item.round, now, repeat=True)
                return RoundState(item.round, item.state, True, self._round_ratings(connection, rating, item.round),
                                  item.decided_status, item.decided_by)
            if item.state == DISPUTED:
                raise Conflict(f"{rating.metric_name!r} of {rating.asset_name} waits for an adjudicator: "
                               "its raters disagreed")
            number = item.round
            if item.state != OPEN:  # decided before, rated now by someone new: a new round
                number = item.round + 1
                connection.execute(insert(rating_items).values(
                    asset_id=rating.asset_id, metric_key=rating.metric_key, round=number,
                    asset_name=rating.asset_name, project=rating.project, metric_name=rating.metric_name,
                    state=OPEN, opened_at=now))
            mine = ratings.c.rater == rating.rater
            replaced = connection.execute(update(ratings).where(
                ratings.c.asset_id == rating.asset_id, ratings.c.metric_key == rating.metric_key,
                ratings.c.round == number, mine, ~ratings.c.repeat).values(
                status=rating.status, reason=rating.reason, comment=rating.comment, shown_ms=rating.shown_ms,
                rated_at=now, rater_name=rating.rater_name))
            if not replaced.rowcount:
                self._insert(connection, rating, number, now, repeat=False)
            current = self._round_ratings(connection, rating, number)
            state, status, by = OPEN, None, None
            if len(current) >= required:
                statuses = {r["status"] for r in current}
                if len(statuses) == 1:
                    state, status = AGREED, statuses.pop()
                    by = ", ".join(r["rater_name"] for r in sorted(current, key=lambda r: r["rated_at"]))
                else:
                    state = DISPUTED
                connection.execute(update(rating_items).where(*self._item_key(rating, number)).values(
                    state=state, decided_status=status, decided_by=by))
            return RoundState(number, state, False, current, status, by)

    def decided(self, asset_id: str, metric_key: str, round_: int, *, state: str, status: str, by: str,
                at: datetime) -> None:
        """Record that the round's decision was appended as the status entry (`by`, `at`)."""
        with write_tx(self.engine) as connection:
            connection.execute(update(rating_items).where(
                rating_items.c.asset_id == asset_id, rating_items.c.metric_key == metric_key,
                rating_items.c.round == round_).values(state=state, decided_status=status, decided_by=by,
                                                       decided_at=at))

    def reopen(self, asset_id: str, metric_key: str, round_: int) -> None:
        """Put a round back to open (its decision could not be appended: the next rating retries)."""
        with write_tx(self.engine) as connection:
            connection.execute(update(rating_items).where(
                rating_items.c.asset_id == asset_id, rating_items.c.metric_key == metric_key,
                rating_items.c.round == round_).values(state=OPEN, decided_status=None, decided_by=None))

    def claim_dispute(self, asset_id: str, metric_key: str) -> RoundState:
        """The disputed round of a metric, marked adjudicated (under its row lock, so two
        adjudicators cannot both decide it); Conflict when the metric is not disputed."""
        with write_tx(self.engine) as connection:
            item = connection.execute(select(rating_items).where(
                rating_items.c.asset_id == asset_id, rating_items.c.metric_key == metric_key)
                .order_by(rating_items.c.round.desc()).limit(1).with_for_update()).first()
            if item is None or item.state != DISPUTED:
                raise Conflict("this metric is not waiting for an adjudicator")
            connection.execute(update(rating_items).where(
                rating_items.c.asset_id == asset_id, rating_items.c.metric_key == metric_key,
                rating_items.c.round == item.round).values(state=ADJUDICATED))
            rows = connection.execute(select(ratings).where(
                ratings.c.asset_id == asset_id, ratings.c.metric_key == metric_key, ratings.c.round == item.round,
                ~ratings.c.repeat).order_by(ratings.c.rated_at))
            return RoundState(item.round, ADJUDICATED, False, [_rating_dict(r) for r in rows])

    def ratings_of(self, asset_id: str, metric_key: str | None = None) -> list[dict]:
        """Every rating of an asset (or of one metric), oldest first, with its round's state."""
        query = (select(ratings, rating_items.c.state).join(rating_items, and_(
            rating_items.c.asset_id == ratings.c.asset_id, rating_items.c.metric_key == ratings.c.metric_key,
            rating_items.c.round == ratings.c.round)).where(ratings.c.asset_id == asset_id))
        if metric_key is not None:
            query = query.where(ratings.c.metric_key == metric_key)
        with read_tx(self.engine) as connection:
            rows = connection.execute(query.order_by(ratings.c.id)).all()
        return [{**_rating_dict(r), "key": r.metric_key, "metric": r.metric_name, "state": r.state} for r in rows]

    def awaiting_others(self, asset_id: str, rater: str) -> set[str]:
        """Keys of the asset's metrics `rater` rated in a round not decided yet (open, or
        disputed: waiting for other raters or an adjudicator): not theirs to rate again."""
        query = (select(ratings.c.metric_key).join(rating_items, and_(
            rating_items.c.asset_id == ratings.c.asset_id, rating_items.c.metric_key == ratings.c.metric_key,
            rating_items.c.round == ratings.c.round)).where(
            ratings.c.asset_id == asset_id, ratings.c.rater == rater, ~ratings.c.repeat,
            rating_items.c.state.in_((OPEN, DISPUTED))))
        with read_tx(self.engine) as connection:
            return {row.metric_key for row in connection.execute(query)}

    def repeat_candidate(self, project: str, rater: str) -> tuple[str, str] | None:
        """(asset id, metric key) of a metric `rater` rated in `project` whose round is decided,
        chosen at random (those they repeated least first), for a blinded repeat; None if none."""
        repeats = aliased(ratings)
        times = (select(func.count()).where(repeats.c.asset_id == ratings.c.asset_id,
                                            repeats.c.metric_key == ratings.c.metric_key,
                                            repeats.c.rater == rater, repeats.c.repeat).scalar_subquery())
        query = (select(ratings.c.asset_id, ratings.c.metric_key).join(rating_items, and_(
            rating_items.c.asset_id == ratings.c.asset_id, rating_items.c.metric_key == ratings.c.metric_key,
            rating_items.c.round == ratings.c.round)).where(
            ratings.c.project == project, ratings.c.rater == rater, ~ratings.c.repeat,
            rating_items.c.state.in_((AGREED, ADJUDICATED)), _not_deleted(ratings.c.asset_id))
            .order_by(times, func.random()).limit(1))
        with read_tx(self.engine) as connection:
            row = connection.execute(query).first()
        return (row.asset_id, row.metric_key) if row is not None else None

    def disputed(self, project: str | None = None, limit: int = 500) -> list[dict]:
        """Metrics waiting for an adjudicator (oldest first), each with its round's ratings."""
        query = select(rating_items).where(rating_items.c.state == DISPUTED, _not_deleted(rating_items.c.asset_id))
        if project is not None:
            query = query.where(rating_items.c.project == project)
        with read_tx(self.engine) as connection:
            items = connection.execute(query.order_by(rating_items.c.opened_at).limit(limit)).all()
            out = []
            for item in items:
                rows = connection.execute(select(ratings).where(
                    ratings.c.asset_id == item.asset_id, ratings.c.metric_key == item.metric_key,
                    ratings.c.round == item.round, ~ratings.c.repeat).order_by(ratings.c.rated_at))
                out.append({"asset_id": item.asset_id, "asset": item.asset_name, "key": item.metric_key,
                            "metric": item.metric_name, "round": item.round, "project": item.project,
                            "ratings": [_rating_dict(r) for r in rows]})
        return out

    # -- agreement counts -------------------------------------------------------------------

    def pair_counts(self, project: str) -> list[tuple[str, str, str, str, str, int]]:
        """(metric name, rater a, rater b, a's status, b's status, items) over the items both
        raters rated in the same round (a < b by account; repeats left out)."""
        a, b = aliased(ratings), aliased(ratings)
        query = (select(a.c.metric_name, a.c.rater, b.c.rater, a.c.status, b.c.status, func.count())
                 .join(b, and_(a.c.asset_id == b.c.asset_id, a.c.metric_key == b.c.metric_key,
                               a.c.round == b.c.round, a.c.rater < b.c.rater))
                 .where(a.c.project == project, ~a.c.repeat, ~b.c.repeat, _not_deleted(a.c.asset_id))
                 .group_by(a.c.metric_name, a.c.rater, b.c.rater, a.c.status, b.c.status))
        with read_tx(self.engine) as connection:
            return [tuple(row) for row in connection.execute(query)]

    def item_counts(self, project: str) -> list[tuple[str, str, int]]:
        """(item, status, raters) per rated item of the project (an item: asset, key and round)."""
        item = ratings.c.asset_id + "\x1f" + ratings.c.metric_key + "\x1f" + cast(ratings.c.round, Text)
        query = (select(item, ratings.c.status, func.count())
                 .where(ratings.c.project == project, ~ratings.c.repeat, _not_deleted(ratings.c.asset_id))
                 .group_by(item, ratings.c.status))
        with read_tx(self.engine) as connection:
            return [tuple(row) for row in connection.execute(query)]

    def rater_counts(self, project: str) -> list[dict]:
        """Per rater: ratings, Fails, mean time shown per decision (ms), and on repeats how many
        repeated the rater's first rating of that metric."""
        base = (select(ratings.c.rater, func.max(ratings.c.rater_name), func.count(),
                       func.sum(case((ratings.c.status == "Fail", 1), else_=0)), func.avg(ratings.c.shown_ms))
                .where(ratings.c.project == project, ~ratings.c.repeat, _not_deleted(ratings.c.asset_id))
                .group_by(ratings.c.rater))
        first = aliased(ratings)
        first_id = (select(func.min(first.c.id)).where(
            first.c.asset_id == ratings.c.asset_id, first.c.metric_key == ratings.c.metric_key,
            first.c.rater == ratings.c.rater, ~first.c.repeat).scalar_subquery())
        original = aliased(ratings)
        repeats = (select(ratings.c.rater, func.count(), func.sum(case((ratings.c.status == original.c.status, 1),
                                                                        else_=0)))
                   .select_from(ratings).join(original, original.c.id == first_id)
                   .where(ratings.c.project == project, ratings.c.repeat, _not_deleted(ratings.c.asset_id))
                   .group_by(ratings.c.rater))
        with read_tx(self.engine) as connection:
            out = {row[0]: {"rater": row[0], "name": row[1], "ratings": row[2], "fails": int(row[3] or 0),
                            "mean_shown_ms": None if row[4] is None else round(float(row[4])),
                            "repeats": 0, "repeats_same": 0} for row in connection.execute(base)}
            for rater, n, same in connection.execute(repeats):
                entry = out.setdefault(rater, {"rater": rater, "name": rater, "ratings": 0, "fails": 0,
                                               "mean_shown_ms": None})
                entry.update(repeats=n, repeats_same=int(same or 0))
        return sorted(out.values(), key=lambda r: r["rater"])

    # -- plumbing ---------------------------------------------------------------------------

    @staticmethod
    def _item_key(rating: RatingIn, number: int):
        return (rating_items.c.asset_id == rating.asset_id, rating_items.c.metric_key == rating.metric_key,
                rating_items.c.round == number)

    def _latest_round(self, connection, rating: RatingIn, now: datetime):
        """The metric's newest round, locked (round 1 created if there is none: an insert that
        loses a race to another rater's changes nothing, and both then lock the same row)."""
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(dialect.insert(rating_items).values(
            asset_id=rating.asset_id, metric_key=rating.metric_key, round=1, asset_name=rating.asset_name,
            project=rating.project, metric_name=rating.metric_name, state=OPEN, opened_at=now)
            .on_conflict_do_nothing())
        return connection.execute(select(rating_items).where(
            rating_items.c.asset_id == rating.asset_id, rating_items.c.metric_key == rating.metric_key)
            .order_by(rating_items.c.round.desc()).limit(1).with_for_update()).first()

    @staticmethod
    def _insert(connection, rating: RatingIn, number: int, now: datetime, *, repeat: bool) -> None:
        connection.execute(insert(ratings).values(
            asset_id=rating.asset_id, metric_key=rating.metric_key, round=number, project=rating.project,
            metric_name=rating.metric_name, rater=rating.rater, rater_name=rating.rater_name, status=rating.status,
            reason=rating.reason, comment=rating.comment, repeat=repeat, shown_ms=rating.shown_ms, rated_at=now))

    @staticmethod
    def _round_ratings(connection, rating: RatingIn, number: int) -> list[dict]:
        rows = connection.execute(select(ratings).where(
            ratings.c.asset_id == rating.asset_id, ratings.c.metric_key == rating.metric_key,
            ratings.c.round == number, ~ratings.c.repeat).order_by(ratings.c.rated_at, ratings.c.id))
        return [_rating_dict(r) for r in rows]
