"""Tables of the portal's own security bookkeeping (migration 0006), on the shared metadata.

Kept apart from tables.py (the asset tables) because nothing about assets reads them.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table

from portal.store.sql.tables import UTCDateTime, metadata

# Failed sign-ins per key ("user:<hash of the name>|<address>" and "addr:<address>"): the
# login throttle reads and writes them, so every instance sharing the database agrees.
login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_at", UTCDateTime(), nullable=False),
    Column("blocked_until", UTCDateTime()),
)

# Single sign-on identities (issuer, subject) -> the portal account they sign in as.
user_identities = Table(
    "user_identities",
    metadata,
    Column("issuer", String(500), primary_key=True),
    Column("subject", String(255), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
