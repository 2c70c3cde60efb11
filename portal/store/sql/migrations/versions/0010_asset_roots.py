"""Asset roots: the folders given to `qc-portal ingest`.

Revision ID: 0010
Revises: 0009

Local asset locations must lie under the data dir, QC_PORTAL_ASSET_ROOTS or a folder
given to `qc-portal ingest`; `asset_roots` remembers the last kind so that every server
instance knows them (portal.references.roots). The table is new: nothing existing
changes. (Numbered 0010 and chained to 0008 while 0009 is being written elsewhere: the
chain is fixed when both are merged.)
"""

import sqlalchemy as sa
from alembic import op

from portal.store.sql.tables import UTCDateTime

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "asset_roots",
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("asset_roots")
