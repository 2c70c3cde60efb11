"""The SQL asset store (SQLAlchemy 2 Core) for SQLite and PostgreSQL, and the portal's own tables.

Holds: the tables (tables.py, api_tables.py, auth_tables.py) and their Alembic migrations,
engines (engine.py), the store's reads and annotation writes (store.py, push.py), ingest
upserts (upserts.py, batch.py), filters and summary queries (filters.py, summaries.py),
the pre-aggregated counts (aggregates.py) and row conversions (rows.py).

May import: SQLAlchemy, portal.qc, portal.store (protocol, merge), portal.review (the
annotation and push rules it applies inside its transactions), portal.errors.
"""
