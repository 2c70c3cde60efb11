"""The review workflow's tables: several raters (migration 0018), fail reasons, review entries
and assignments (migration 0016). Part of portal.store.sql.tables' `metadata` (imported at
its end): import them from here."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from portal.store.sql.tables import BigId, JSONType, UTCDateTime, metadata

# --- Several raters (migration 0018) -------------------------------------------------------

# A project's review policy (portal.review.ratings): how many raters must agree before a
# status entry is appended, whether raters are blind to each other's pending ratings, the
# share of a queue served again as blinded repeats, and the project's leads (who adjudicate,
# with admins). No row: one rating is a decision, today's behaviour.
review_policies = Table(
    "review_policies",
    metadata,
    Column("project", String(300), primary_key=True),
    Column("ratings_required", Integer, nullable=False, default=1),
    Column("blind", Boolean, nullable=False, default=False),
    Column("repeat_fraction", Float, nullable=False, default=0.0),
    Column("leads", JSONType, nullable=False),  # account names
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# One row per metric being rated in a round: locked (FOR UPDATE) while a rating is added, so
# two raters finishing a consensus at once append one status entry, not two. `state`: open
# (ratings coming in), consensus (appended), disputed (waiting for an adjudicator),
# adjudicated. A metric rated again after a decision starts round 2.
rating_items = Table(
    "rating_items",
    metadata,
    Column("asset_id", String(200), primary_key=True),
    Column("metric_key", Text, primary_key=True),
    Column("round", Integer, primary_key=True, autoincrement=False),
    Column("asset_name", String(500), nullable=False),
    Column("project", String(300)),
    Column("metric_name", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("decided_status", String(20)),
    Column("decided_by", String(500)),  # the evaluator written: "<user1>, <user2>" or the adjudicator
    Column("decided_at", UTCDateTime()),  # the appended entry's timestamp
    Column("opened_at", UTCDateTime(), nullable=False),
)
Index("ix_rating_items_project_state", rating_items.c.project, rating_items.c.state)

# Each rater's rating of a metric in a round (one per rater and round; a rater may change it
# while the round is open), or a blinded repeat of a metric the rater already rated
# (`repeat`: never appended, compared with the rater's first rating for consistency).
ratings = Table(
    "ratings",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("asset_id", String(200), nullable=False),
    Column("metric_key", Text, nullable=False),
    Column("round", Integer, nullable=False),
    Column("project", String(300)),
    Column("metric_name", Text, nullable=False),
    Column("rater", String(200), nullable=False),  # the account
    Column("rater_name", String(200), nullable=False),  # its display name (the evaluator)
    Column("status", String(20), nullable=False),
    Column("reason", Text),
    Column("comment", Text),
    Column("repeat", Boolean, nullable=False, default=False),
    Column("shown_ms", Integer),  # how long the item was shown before the decision (the review page)
    Column("rated_at", UTCDateTime(), nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_ratings_item", ratings.c.asset_id, ratings.c.metric_key, ratings.c.round)
Index("ix_ratings_project_metric", ratings.c.project, ratings.c.metric_name)

# --- Review workflow: fail reasons, review entries, assignments (migration 0016) ---------

# Each project's fail reasons, in the order admins listed them (portal.review.reasons).
project_reasons = Table(
    "project_reasons",
    metadata,
    Column("project", String(300), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("reason", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# One row per status entry the annotation service appended (written in the annotation's
# transaction): the entry (asset, metric key, timestamp, evaluator, status) and, for a Fail,
# its reason and the reviewer's comment. Assignments count progress from it.
review_entries = Table(
    "review_entries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("asset_id", String(200), nullable=False),
    Column("asset_name", String(500), nullable=False),
    Column("project", String(300)),
    Column("metric_key", Text, nullable=False),
    Column("entry_at", UTCDateTime(), nullable=False),
    Column("evaluator", String(200), nullable=False),
    Column("account", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("reason", String(200)),
    Column("comment", Text),
    sqlite_autoincrement=True,
)
Index("ix_review_entries_asset", review_entries.c.asset_id, review_entries.c.entry_at)
Index("ix_review_entries_project", review_entries.c.project, review_entries.c.reason)

# Assignments: a named queue (the overview's filters as a query string) given to reviewers.
review_assignments = Table(
    "review_assignments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("filters", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("closed_at", UTCDateTime()),
    Column("closed_by", String(200)),
    sqlite_autoincrement=True,
)

# Who an assignment is given to (account names).
review_assignees = Table(
    "review_assignees",
    metadata,
    Column("assignment_id", Integer, ForeignKey("review_assignments.id", ondelete="CASCADE"), primary_key=True),
    Column("account", String(200), primary_key=True),
)
Index("ix_review_assignees_account", review_assignees.c.account)

# The metrics an assignment covers: those Pending on its matching assets when it was made.
review_assignment_items = Table(
    "review_assignment_items",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("assignment_id", Integer, ForeignKey("review_assignments.id", ondelete="CASCADE"), nullable=False),
    Column("asset_id", String(200), nullable=False),
    Column("metric_key", Text, nullable=False),
    sqlite_autoincrement=True,
)
Index("ix_review_assignment_items", review_assignment_items.c.assignment_id, review_assignment_items.c.asset_id)

# --- Completeness: a project's expected sessions (migration 0020) ----------------------------

# The sessions a project expects (portal.review.completeness), in the order they were listed:
# either a subject and an acquisition day (`on_date` "YYYY-MM-DD", and the UTC day as the
# half-open range [day_start, day_end) the join with assets.acquired uses), or a session
# name (`session`: an asset whose name equals it or starts with it). Replaced as a whole.
expected_sessions = Table(
    "expected_sessions",
    metadata,
    Column("project", String(300), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("subject_id", String(100)),
    Column("on_date", String(10)),
    Column("day_start", UTCDateTime()),
    Column("day_end", UTCDateTime()),
    Column("session", String(500)),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", String(200), nullable=False),
)
