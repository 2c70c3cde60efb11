"""Asset stores: the protocol and its backends, opened from settings."""

from __future__ import annotations

from portal.settings import Settings
from portal.store.protocol import AssetStore


def open_store(settings: Settings, *, run_migrations: bool = True) -> AssetStore:
    """The asset store the settings name (migrated to the newest schema)."""
    from portal.store.sql.engine import make_engine
    from portal.store.sql.store import SqlAssetStore

    engine = make_engine(settings.database, timeout=settings.db_timeout)
    return SqlAssetStore(engine, run_migrations=run_migrations)
