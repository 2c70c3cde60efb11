"""Tables of the REST API and the batch upload (migrations 0007, 0008), on the shared metadata.

Both live in the portal's own database, never in DocDB: tokens belong to portal
accounts, uploads are the portal's own record of what it applied.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from portal.store.sql.tables import JSONType, UTCDateTime, metadata

# Personal API tokens: only the SHA-256 of a token is kept (tokens are 256 random bits,
# so a fast hash is enough); `prefix` is its first characters, shown to tell tokens apart.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
)

# One batch annotation upload: who, when, the file, its counts, and the assets to apply
# (`plan`, in order; `cursor` is the next one: applying claims it by compare-and-set, so
# two requests never apply the same asset twice).
uploads = Table(
    "uploads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(200), nullable=False),
    Column("user_display", String(200), nullable=False),
    Column("filename", String(300), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("state", String(20), nullable=False),  # validated -> applying -> done
    Column("n_rows", Integer, nullable=False),
    Column("n_valid", Integer, nullable=False),
    Column("n_errors", Integer, nullable=False),
    Column("n_applied", Integer, nullable=False, default=0),
    Column("n_failed", Integer, nullable=False, default=0),
    Column("cursor", Integer, nullable=False, default=0),
    Column("plan", JSONType, nullable=False),
)

# The rows of an upload as read from the file, with their verdict (`error`, None when the
# row is valid) and, once submitted, what happened (`outcome` applied / not applied, `message`).
upload_rows = Table(
    "upload_rows",
    metadata,
    Column("upload_id", Integer, ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True),
    Column("row_no", Integer, primary_key=True, autoincrement=False),
    Column("asset", Text, nullable=False),  # as written in the file (a name or an id)
    Column("metric", Text, nullable=False),
    Column("status", String(20)),
    Column("value", JSONType),  # {"v": <the value to set>} or None (no value in the row)
    Column("value_text", Text),  # the value as written in the file, shown in the table
    Column("comment", Text),
    Column("error", Text),
    Column("outcome", String(20)),
    Column("message", Text),
    Column("asset_id", String(200)),  # the asset the row was checked against (migration 0008)
    Column("metric_key", Text),  # the metric it was checked against (portal.qc.identity; migration 0009)
)

Index("ix_api_tokens_user", api_tokens.c.user_id)
Index("ix_uploads_created", uploads.c.created_at)
Index("ix_upload_rows_asset", upload_rows.c.upload_id, upload_rows.c.asset_id)
