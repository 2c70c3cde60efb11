"""Table definitions of the portal's SQL database (SQLAlchemy Core).

One definition serves SQLite and PostgreSQL: JSON becomes JSONB on PostgreSQL, and
timestamps are stored as UTC (naive in SQLite, which has no zone type).
The summary columns are what the overview and grid query; they are rewritten in the
same transaction as the document, so they never disagree with it.
Schema changes go through Alembic migrations (migrations/versions), never create_all.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Convert aware datetimes to UTC; naive ones are taken to be UTC already."""
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value.replace(tzinfo=UTC)

    def process_result_value(self, value, dialect):
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL paths can hand back SQLite's text form
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData()

assets = Table(
    "assets",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("project", String(300)),
    Column("subject_id", String(100)),
    Column("acquired", UTCDateTime()),
    Column("level", String(20)),
    Column("source", String(500)),  # the first source_data name of a derived asset
    Column("modalities", String(300), nullable=False, default=""),  # "ecephys,behavior" for display
    Column("location", Text),
    Column("status", String(20), nullable=False),  # Pass/Fail/Pending/No QC/Unreadable; Deleted: hidden
    Column("modality_status", JSONType, nullable=False),  # {abbreviation: status} for display
    Column("qc_error", Text),
    Column("schema_version", String(20)),
    Column("n_total", Integer, nullable=False, default=0),
    Column("n_pass", Integer, nullable=False, default=0),
    Column("n_fail", Integer, nullable=False, default=0),
    Column("n_pending", Integer, nullable=False, default=0),
    Column("last_review_by", String(200)),
    Column("last_review_at", UTCDateTime()),
    Column("version", Integer, nullable=False, default=1),
    Column("source_hash", String(64)),  # hash of the ingested record: re-ingest of the same file is a no-op
    Column("portal_edits", JSONType, nullable=False),  # what the portal changed: survives re-ingest
    Column("document", JSONType, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# One row per (asset, modality): the status of that modality's metrics (or the asset's
# status when it has no metric of that modality). Counts and modality filters use it.
asset_modalities = Table(
    "asset_modalities",
    metadata,
    Column("asset_id", String(200), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("modality", String(50), primary_key=True),
    Column("status", String(20), nullable=False),
)

# One row per (asset, modality, stage) with metrics: the project page's modality x stage.
asset_stages = Table(
    "asset_stages",
    metadata,
    Column("asset_id", String(200), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("modality", String(50), primary_key=True),
    Column("stage", String(30), primary_key=True),
    Column("status", String(20), nullable=False),
)

# One row per metric of an asset (its position in the document, name, modality, stage and
# own latest status): the project page ranks metrics by failure with a GROUP BY here.
asset_metrics = Table(
    "asset_metrics",
    metadata,
    Column("asset_id", String(200), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("modality", String(50), nullable=False),
    Column("stage", String(30), nullable=False),
    Column("status", String(20), nullable=False),
)

# Ids an asset had before its record was re-issued under a new `_id` (same name, newer
# record): `/asset/<old id>` still finds it.
asset_aliases = Table(
    "asset_aliases",
    metadata,
    Column("alias", String(200), primary_key=True),
    Column("asset_id", String(200), ForeignKey("assets.id", ondelete="CASCADE", onupdate="CASCADE"),
           nullable=False),
)

# Pre-aggregated asset counts: one row per (project, level, overall status, modality,
# modality status) with how many assets fall in it and their Pending metrics (the review
# queue's total, migration 0022); modality "*" rows count each asset once. Kept in step
# with the tables above in the same transaction, so the overview's counts cost O(number
# of groups), not O(number of assets). "" stands for NULL (primary
# key columns cannot be NULL on PostgreSQL).
asset_counts = Table(
    "asset_counts",
    metadata,
    Column("project", String(300), primary_key=True),
    Column("level", String(20), primary_key=True),
    Column("status", String(20), primary_key=True),
    Column("modality", String(50), primary_key=True),
    Column("modality_status", String(20), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("pending", Integer, nullable=False, server_default="0"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("user", String(200), nullable=False),
    Column("asset_id", String(200), nullable=False),
    Column("asset_name", String(500), nullable=False),
    Column("action", String(50), nullable=False),
    Column("detail", JSONType, nullable=False),
)

# Per DocDB asset (docdb:// stores): the version reviewers see, the hash of the
# quality_control it belongs to, and what the portal changed (kept across re-ingests).
docdb_assets = Table(
    "docdb_assets",
    metadata,
    Column("asset_id", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("qc_hash", String(64), nullable=False),
    Column("portal_edits", JSONType, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_login_at", UTCDateTime()),
    # portal.accounts.users.display_key(display_name): unique (ux_users_display_key), so a status entry names one
    # reviewer; session_epoch counts sign-outs (a session made before the last one is refused). Migration 0011.
    Column("display_key", String(400)),
    Column("session_epoch", Integer, nullable=False, default=0, server_default="0"),
)

Index("ix_assets_project_status", assets.c.project, assets.c.status)
Index("ix_assets_status", assets.c.status)
Index("ix_assets_subject", assets.c.subject_id)
Index("ix_assets_level", assets.c.level)
Index("ix_assets_source", assets.c.source)
# One (column, name, id) index per sortable column: a page at any offset is an index-only
# scan that finds the ids, then a lookup of just those rows (see store.list_assets). They
# also carry the columns the filters test (SORT_COVER), so a filtered page never reads the
# rows it skips; on PostgreSQL those are INCLUDE columns (migration 0005 makes them).
SORT_COVER = ("project", "status", "level", "subject_id", "acquired", "n_pending", "source", "modalities")
SORT_INDEXES = {
    "acquired": "ix_assets_sort_acquired",
    "project": "ix_assets_sort_project",
    "subject_id": "ix_assets_sort_subject",
    "level": "ix_assets_sort_level",
    "status": "ix_assets_sort_status",
    "n_pending": "ix_assets_sort_pending",
    "n_fail": "ix_assets_sort_fail",
    "last_review_at": "ix_assets_sort_last_review",
}
for _column, _index in SORT_INDEXES.items():
    _cover = [c for c in SORT_COVER if c != _column]
    Index(_index, assets.c[_column], assets.c.name, assets.c.id, *(assets.c[c] for c in _cover))
Index("ix_assets_sort_name", assets.c.name, assets.c.id, *(assets.c[c] for c in SORT_COVER), assets.c.modality_status)
SCAN_INDEX = "ix_assets_sort_name"  # covers every filter and modality_status: see filters.scan
# The project page's "Assets with Pending metrics, oldest first" and its total (migration 0021):
# a partial index of only those assets, in the list's order, so the page reads 50 entries and
# counts the project's pending assets without stepping over the rest of the project. It carries
# the two columns of its condition so that it covers the count (SQLite, without statistics, else
# picks the covering sort index and reads every asset of the project).
PENDING_VISIBLE = text("n_pending > 0 AND status != 'Deleted'")
Index("ix_assets_pending", assets.c.project, assets.c.acquired, assets.c.name, assets.c.id, assets.c.status,
      assets.c.n_pending, sqlite_where=PENDING_VISIBLE, postgresql_where=PENDING_VISIBLE)
Index("ix_asset_modalities_modality", asset_modalities.c.modality, asset_modalities.c.status)
Index("ix_asset_metrics_name", asset_metrics.c.name, asset_metrics.c.status)
Index("ix_asset_aliases_asset", asset_aliases.c.asset_id)
Index("ix_audit_asset", audit_log.c.asset_id, audit_log.c.at)
Index("ix_audit_user", audit_log.c.user, audit_log.c.at)

# Folders local asset locations may lie under, besides the data dir and QC_PORTAL_ASSET_ROOTS:
# every folder given to `qc-portal ingest`, so that every server instance knows them
# (portal.references.roots). `path` is absolute with symlinks resolved.
asset_roots = Table(
    "asset_roots",
    metadata,
    Column("path", Text, primary_key=True),
    Column("added_at", UTCDateTime(), nullable=False),
    Column("added_by", String(200), nullable=False),
)

# --- Asset lifecycle and the event log (migration 0014) ---------------------------------

# Soft-deleted assets (who deleted them, when): the assets row, its document, its aliases
# and its audit log stay, its `status` becomes "Deleted" and every read leaves it out
# (portal.store.sql.hidden says how and why); `qc-portal assets restore` deletes this row
# again. Not a `deleted_at` column of `assets`: added by a migration it would sit behind
# the document in SQLite's rows and in none of the covering sort indexes.
asset_deletions = Table(
    "asset_deletions",
    metadata,
    Column("asset_id", String(200), ForeignKey("assets.id", ondelete="CASCADE", onupdate="CASCADE"),
           primary_key=True),
    Column("deleted_at", UTCDateTime(), nullable=False),
    Column("deleted_by", String(200), nullable=False),
)

# 64-bit ids on PostgreSQL; SQLite needs exactly INTEGER for a rowid (AUTOINCREMENT) key.
BigId = BigInteger().with_variant(Integer(), "sqlite")

# The event log (portal.store.sql.events): one row per thing that happened, written in the
# transaction of the change it records. `tx` is the writing transaction's id on PostgreSQL
# (0 on SQLite, whose writers commit one at a time): readers page by (tx, id) and only up
# to the oldest transaction still running, so an event is never skipped or repeated.
events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("tx", BigInteger, nullable=False, default=0),
    Column("type", String(30), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("asset_id", String(200), nullable=False),
    Column("asset_name", String(500), nullable=False),
    Column("metric", Text),  # the metric's key (portal.qc.identity), or NULL for asset events
    Column("user", String(200), nullable=False),  # the account
    Column("detail", JSONType, nullable=False),
    sqlite_autoincrement=True,  # ids are never reused, even after the newest row is removed
)
Index("ix_events_position", events.c.tx, events.c.id)

# Webhooks registered by admins: where to POST which event types, the HMAC key, and how far
# through the event log deliveries have been queued (cursor_tx, cursor_id).
webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("events", JSONType, nullable=False),  # the event types it receives
    Column("secret", String(200), nullable=False),  # HMAC-SHA256 key of X-QC-Portal-Signature
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("cursor_tx", BigInteger, nullable=False, default=0),
    Column("cursor_id", BigInteger, nullable=False, default=0),
)

# The delivery queue: one row per (webhook, event), retried with backoff until delivered or
# out of attempts. A claimed delivery's `next_at` is its lease: a worker that dies mid-POST
# leaves it due again, so a restart loses nothing.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("webhook_id", Integer, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", BigInteger, ForeignKey("events.id"), nullable=False),
    Column("state", String(20), nullable=False),  # pending / delivered / failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_at", UTCDateTime()),
    Column("last_code", Integer),  # the receiver's HTTP status of the last attempt
    Column("last_error", Text),
    Column("delivered_at", UTCDateTime()),
    UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_event"),
    sqlite_autoincrement=True,
)
Index("ix_webhook_deliveries_due", webhook_deliveries.c.state, webhook_deliveries.c.next_at)
Index("ix_webhook_deliveries_webhook", webhook_deliveries.c.webhook_id, webhook_deliveries.c.id)

# --- QC in context (migration 0017) ------------------------------------------------------

# One row per metric with a numeric value (portal.qc.numeric: a number, or a list of numbers
# by its median) of a visible asset: the distributions of the asset page and the project
# page's trends are GROUP BYs and ordered index range scans here, never document reads.
# Written with asset_metrics in the same transaction (ingest, annotate, push, batch,
# restore) and removed with it (delete). `project` and `acquired` are the asset's, copied
# so that a distribution is one index range; "" stands for no project.
metric_values = Table(
    "metric_values",
    metadata,
    Column("asset_id", String(200), ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("project", String(300), nullable=False),
    Column("name", Text, nullable=False),
    Column("modality", String(50), nullable=False),
    Column("stage", String(30), nullable=False),
    Column("value", Float, nullable=False),
    Column("status", String(20), nullable=False),  # the metric's own latest status
    Column("acquired", UTCDateTime()),
)
Index("ix_metric_values_group", metric_values.c.project, metric_values.c.name, metric_values.c.modality,
      metric_values.c.stage, metric_values.c.value, metric_values.c.status)

# --- The review queue (migration 0015) ----------------------------------------------------

# The review queue with a `metric` filter: assets holding a Pending metric of those names, and
# how many, from the index alone (migration 0015; portal.store.sql.queue).
Index("ix_asset_metrics_queue", asset_metrics.c.status, asset_metrics.c.name, asset_metrics.c.asset_id)

# The review workflow's tables live in their own module (one concern per module); importing it
# here puts them in `metadata` wherever these tables are used.
from portal.store.sql import project_tables as _project_tables  # noqa: E402, F401
from portal.store.sql import review_tables as _review_tables  # noqa: E402, F401
