"""Pre-aggregated asset counts, and one (column, name, id) index per sortable column.

Revision ID: 0003
Revises: 0002

asset_counts is filled from the asset tables in one INSERT ... SELECT (the same code
that repairs it, aggregates.rebuild), so a migrated database holds exactly what the
writes would have kept. The sort indexes replace the single-column acquired and
last_review indexes; on PostgreSQL their first column is NULLS FIRST so that one index
serves both directions with "NULL is smallest" ordering (as on SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

_SORT = {
    "acquired": "ix_assets_sort_acquired",
    "project": "ix_assets_sort_project",
    "subject_id": "ix_assets_sort_subject",
    "level": "ix_assets_sort_level",
    "status": "ix_assets_sort_status",
    "n_pending": "ix_assets_sort_pending",
    "n_fail": "ix_assets_sort_fail",
    "last_review_at": "ix_assets_sort_last_review",
}


def upgrade() -> None:
    from portal.store.sql.aggregates import rebuild

    op.create_table(
        "asset_counts",
        sa.Column("project", sa.String(300), primary_key=True),
        sa.Column("level", sa.String(20), primary_key=True),
        sa.Column("status", sa.String(20), primary_key=True),
        sa.Column("modality", sa.String(50), primary_key=True),
        sa.Column("modality_status", sa.String(20), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    rebuild(op.get_bind(), with_pending=False)  # the table as it is here (0022 adds `pending`)
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_assets_acquired", "assets")
    op.drop_index("ix_assets_last_review", "assets")
    for column, name in _SORT.items():
        first = sa.text(f"{column} ASC NULLS FIRST") if postgres else column
        op.create_index(name, "assets", [first, "name", "id"])
    op.create_index("ix_assets_sort_name", "assets", ["name", "id"])


def downgrade() -> None:
    for name in [*_SORT.values(), "ix_assets_sort_name"]:
        op.drop_index(name, "assets")
    op.create_index("ix_assets_acquired", "assets", ["acquired"])
    op.create_index("ix_assets_last_review", "assets", ["last_review_at"])
    op.drop_table("asset_counts")
