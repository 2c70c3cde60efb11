"""Sort indexes that also cover the grid's filters: a filtered page at any offset is index-only.

Revision ID: 0005
Revises: 0004

0003 made one (column, name, id) index per sortable column, so an unfiltered page at
any offset is a walk of that index. With filters (project and status, a date range,
the name search, ...), the walk had to read each asset's row to test them, and the
rows hold the documents: a deep page of a filtered grid took ~150 ms at 100 000
assets on SQLite. Carrying the filter columns in the sort indexes lets the walk test
them in the index itself (~5-20 ms at any offset). The name index carries
modality_status too, so the overview's counts under filters that no pre-aggregate
answers (name search, dates, pending) are one scan of that index. On PostgreSQL they
are INCLUDE columns (not part of the key). Nothing is dropped but the indexes being
replaced.
"""

from alembic import op

revision = "0005"
down_revision = "0004"

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
# The columns filters.where tests (the modality filter reads `modalities`).
_COVER = ("project", "status", "level", "subject_id", "acquired", "n_pending", "source", "modalities")


def _create(postgres: bool, name: str, key: list, cover: list) -> None:
    if postgres:
        op.create_index(name, "assets", key, postgresql_include=cover)
    else:
        op.create_index(name, "assets", key + cover)


def upgrade() -> None:
    import sqlalchemy as sa

    postgres = op.get_bind().dialect.name == "postgresql"
    for column, name in _SORT.items():
        op.drop_index(name, "assets")
        first = sa.text(f"{column} ASC NULLS FIRST") if postgres else column
        _create(postgres, name, [first, "name", "id"], [c for c in _COVER if c != column])
    op.drop_index("ix_assets_sort_name", "assets")
    # The name index also carries modality_status: a filtered overview's GROUP BYs scan it alone.
    _create(postgres, "ix_assets_sort_name", ["name", "id"], [*_COVER, "modality_status"])


def downgrade() -> None:
    import sqlalchemy as sa

    postgres = op.get_bind().dialect.name == "postgresql"
    for column, name in _SORT.items():
        op.drop_index(name, "assets")
        first = sa.text(f"{column} ASC NULLS FIRST") if postgres else column
        op.create_index(name, "assets", [first, "name", "id"])
    op.drop_index("ix_assets_sort_name", "assets")
    op.create_index("ix_assets_sort_name", "assets", ["name", "id"])
