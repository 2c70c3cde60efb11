"""Asset stores: the protocol and its backends, opened from settings."""

from __future__ import annotations

from portal.settings import Settings
from portal.store.protocol import AssetStore


def open_store(settings: Settings, *, run_migrations: bool = True) -> AssetStore:
    """The asset store the settings name (the portal's own database migrated to the newest schema).

    `sql`: the SQL database holds the assets too. `docdb://...`: DocDB holds them, the SQL
    database keeps users, audit and bookkeeping (portal.store.docdb).
    """
    from portal.store.sql.engine import make_engine
    from portal.store.sql.store import SqlAssetStore

    engine = make_engine(settings.database, timeout=settings.db_timeout)
    if settings.store.startswith("docdb"):
        from portal.store.docdb import open_docdb_store

        return open_docdb_store(settings, engine, run_migrations=run_migrations)
    return SqlAssetStore(engine, run_migrations=run_migrations)
