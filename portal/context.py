"""The portal object every request reaches through: settings and store."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from portal.settings import Settings
from portal.store.protocol import AssetStore

EXTENSION = "qc_portal"


@dataclass
class Portal:
    """What one app instance works with; held in `server.extensions`, never in globals."""

    settings: Settings
    store: AssetStore


def current_portal() -> Portal:
    """The Portal of the app handling the current request."""
    return current_app.extensions[EXTENSION]
