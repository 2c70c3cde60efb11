"""Asset lifecycle, the event log and webhooks.

Revision ID: 0014
Revises: 0011

`asset_deletions`: soft-deleted assets (hidden everywhere, restorable); renamed assets
keep their old names in the existing `asset_aliases`. `events`: the event log, paged by
(tx, id). `webhooks` and `webhook_deliveries`: admins' webhooks and the delivery queue.
Every table is new: nothing existing changes. (Chained to 0011: the numbers 0012 and 0013
went to work that never landed, and are not used.)
"""

import sqlalchemy as sa
from alembic import op

from portal.store.sql.tables import JSONType, UTCDateTime

revision = "0014"
down_revision = "0011"

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "asset_deletions",
        sa.Column("asset_id", sa.String(200), sa.ForeignKey("assets.id", ondelete="CASCADE", onupdate="CASCADE"),
                  primary_key=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("tx", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("asset_id", sa.String(200), nullable=False),
        sa.Column("asset_name", sa.String(500), nullable=False),
        sa.Column("metric", sa.Text),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("detail", JSONType, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_position", "events", ["tx", "id"])
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("events", JSONType, nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("cursor_tx", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cursor_id", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", _BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", sa.Integer, sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.BigInteger, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_at", UTCDateTime()),
        sa.Column("last_code", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("delivered_at", UTCDateTime()),
        sa.UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_event"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_at"])
    op.create_index("ix_webhook_deliveries_webhook", "webhook_deliveries", ["webhook_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_webhook", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    op.drop_index("ix_events_position", table_name="events")
    op.drop_table("events")
    op.drop_table("asset_deletions")
