"""Personal API tokens and batch annotation uploads.

Revision ID: 0007
Revises: 0006

`api_tokens`: hashed personal tokens of portal accounts (REST API, Python client),
revocable, with their last use. `uploads` and `upload_rows`: batch annotation uploads
(the /upload page): each file's rows with their verdicts and what was applied.
All three tables are new: nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from portal.store.sql.tables import UTCDateTime

revision = "0007"
down_revision = "0006"

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime()),
        sa.Column("revoked_at", UTCDateTime()),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id"])
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("user_display", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("n_valid", sa.Integer, nullable=False),
        sa.Column("n_errors", sa.Integer, nullable=False),
        sa.Column("n_applied", sa.Integer, nullable=False),
        sa.Column("n_failed", sa.Integer, nullable=False),
        sa.Column("cursor", sa.Integer, nullable=False),
        sa.Column("plan", _JSON, nullable=False),
    )
    op.create_index("ix_uploads_created", "uploads", ["created_at"])
    op.create_table(
        "upload_rows",
        sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("row_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("asset", sa.Text, nullable=False),
        sa.Column("metric", sa.Text, nullable=False),
        sa.Column("status", sa.String(20)),
        sa.Column("value", _JSON),
        sa.Column("value_text", sa.Text),
        sa.Column("comment", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("outcome", sa.String(20)),
        sa.Column("message", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("upload_rows")
    op.drop_index("ix_uploads_created", "uploads")
    op.drop_table("uploads")
    op.drop_index("ix_api_tokens_user", "api_tokens")
    op.drop_table("api_tokens")
