"""The portal object every request reaches through: settings and store."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from portal.accounts.users import UserStore
from portal.settings import Settings
from portal.store.protocol import AssetStore

EXTENSION = "qc_portal"


@dataclass
class Portal:
    """What one app instance works with; held in `server.extensions`, never in globals."""

    settings: Settings
    store: AssetStore
    users: UserStore


def build_portal(settings: Settings) -> Portal:
    """Open the database (migrated), the asset store and the user store for `settings`."""
    from portal.store import open_store

    store = open_store(settings)
    # Users live in the portal's own database: with store=sql, the same engine.
    return Portal(settings=settings, store=store, users=UserStore(store.engine))


def current_portal() -> Portal:
    """The Portal of the app handling the current request."""
    return current_app.extensions[EXTENSION]
