"""Initial schema: assets with summary columns, per-modality and per-stage status, audit log, users.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from portal.store.sql.tables import JSONType, UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(500), nullable=False, unique=True),
        sa.Column("project", sa.String(300)),
        sa.Column("subject_id", sa.String(100)),
        sa.Column("acquired", UTCDateTime()),
        sa.Column("level", sa.String(20)),
        sa.Column("source", sa.String(500)),
        sa.Column("modalities", sa.String(300), nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("modality_status", JSONType, nullable=False),
        sa.Column("qc_error", sa.Text),
        sa.Column("schema_version", sa.String(20)),
        sa.Column("n_total", sa.Integer, nullable=False),
        sa.Column("n_pass", sa.Integer, nullable=False),
        sa.Column("n_fail", sa.Integer, nullable=False),
        sa.Column("n_pending", sa.Integer, nullable=False),
        sa.Column("last_review_by", sa.String(200)),
        sa.Column("last_review_at", UTCDateTime()),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("source_hash", sa.String(64)),
        sa.Column("portal_edits", JSONType, nullable=False),
        sa.Column("document", JSONType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_assets_project_status", "assets", ["project", "status"])
    op.create_index("ix_assets_status", "assets", ["status"])
    op.create_index("ix_assets_acquired", "assets", ["acquired"])
    op.create_index("ix_assets_subject", "assets", ["subject_id"])
    op.create_index("ix_assets_level", "assets", ["level"])
    op.create_index("ix_assets_source", "assets", ["source"])
    op.create_index("ix_assets_last_review", "assets", ["last_review_at"])
    op.create_table(
        "asset_modalities",
        sa.Column("asset_id", sa.String(200), sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("modality", sa.String(50), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_asset_modalities_modality", "asset_modalities", ["modality", "status"])
    op.create_table(
        "asset_stages",
        sa.Column("asset_id", sa.String(200), sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("modality", sa.String(50), primary_key=True),
        sa.Column("stage", sa.String(30), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("asset_id", sa.String(200), nullable=False),
        sa.Column("asset_name", sa.String(500), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("detail", JSONType, nullable=False),
    )
    op.create_index("ix_audit_asset", "audit_log", ["asset_id", "at"])
    op.create_index("ix_audit_user", "audit_log", ["user", "at"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_login_at", UTCDateTime()),
    )


def downgrade() -> None:
    for table in ("users", "audit_log", "asset_stages", "asset_modalities", "assets"):
        op.drop_table(table)
