"""The folders local asset locations must lie under ("asset roots").

A record's `location` names the folder its relative references are served from and its
uploads are written to; a record saying `"location": "/etc"` must not make the portal
serve `/etc/shadow`. The roots are

- the data dir and `QC_PORTAL_ASSET_ROOTS` (settings), and
- every folder given to `qc-portal ingest`, remembered in the portal's database
  (`asset_roots`) so that every server instance knows them.

Ingest refuses a record whose local location lies elsewhere; the `/references` route
and uploads check again (a location stored before, or by another path, is not trusted).
Paths are compared with symlinks resolved; `s3://` and other URL locations are not
local and not concerned. The remembered roots are read at most every `ttl` seconds per
process (the references route is hot), and again on a miss (at most once a second), so
a folder ingested through another process is served within a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.errors import StoreUnavailable
from portal.references.resolve import local_folder
from portal.store.sql.engine import begin_write

log = logging.getLogger(__name__)

__all__ = ["SETTING_HINT", "AssetRoots", "remember_root"]

SETTING_HINT = "the data dir, QC_PORTAL_ASSET_ROOTS or a folder given to `qc-portal ingest`"
_TTL = 30.0
_MISS_REFRESH = 1.0


def _resolved(path: Path | str) -> Path:
    return Path(path).expanduser().resolve()


def remember_root(engine: Engine, folder: Path | str, *, by: str) -> Path:
    """Record `folder` (resolved) as an asset root in the portal's database; idempotent."""
    from portal.store.sql.tables import asset_roots

    path = _resolved(folder)
    try:
        with begin_write(engine) as connection:
            known = connection.execute(select(asset_roots.c.path).where(asset_roots.c.path == str(path))).first()
            if known is None:
                connection.execute(insert(asset_roots).values(path=str(path), added_at=datetime.now(UTC),
                                                              added_by=by[:200]))
    except IntegrityError:
        pass  # another ingest remembered it meanwhile
    except DBAPIError as exc:
        raise StoreUnavailable("the portal's database did not answer") from exc
    return path


class AssetRoots:
    """The asset roots of one app or command: fixed ones plus those in the database."""

    def __init__(self, fixed: Iterable[Path | str], engine: Engine | None = None, *, ttl: float = _TTL):
        self.fixed = tuple(dict.fromkeys(_resolved(root) for root in fixed))
        self.engine = engine
        self.ttl = ttl
        self._remembered: tuple[Path, ...] = ()
        self._loaded_at: float | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings, engine: Engine | None) -> AssetRoots:
        """The data dir, QC_PORTAL_ASSET_ROOTS and (with `engine`) the remembered folders."""
        return cls(settings.asset_root_paths, engine)

    def paths(self) -> tuple[Path, ...]:
        """Every root, resolved (the remembered ones at most `ttl` seconds old)."""
        self._refresh(max_age=self.ttl)
        return self.fixed + self._remembered

    def _refresh(self, *, max_age: float) -> None:
        if self.engine is None:
            return
        now = time.monotonic()
        if self._loaded_at is not None and now - self._loaded_at < max_age:
            return
        with self._lock:
            if self._loaded_at is not None and now - self._loaded_at < max_age:
                return
            from portal.store.sql.tables import asset_roots

            try:
                with self.engine.connect() as connection:
                    rows = connection.execute(select(asset_roots.c.path)).scalars().all()
            except DBAPIError as exc:
                raise StoreUnavailable("the portal's database did not answer") from exc
            self._remembered = tuple(dict.fromkeys(_resolved(row) for row in rows if row) )
            self._loaded_at = now

    def contains(self, folder: Path | str) -> bool:
        """True when `folder` (symlinks resolved) is a root or lies under one."""
        path = _resolved(folder)
        if any(path.is_relative_to(root) for root in self.paths()):
            return True
        # Not under a known root: perhaps one remembered since (another process ingested it).
        self._refresh(max_age=_MISS_REFRESH)
        return any(path.is_relative_to(root) for root in self.fixed + self._remembered)

    def refusal(self, location: object) -> str | None:
        """Why a record's `location` may not be used (None when it may, or is not local).

        Names the location and where roots are configured; meant for ingest, whose
        operator chose both.
        """
        folder = local_folder(location) if isinstance(location, str) else None
        if folder is None or self.contains(folder):
            return None
        return f"location {location} lies outside the asset roots ({SETTING_HINT}); add it to QC_PORTAL_ASSET_ROOTS"

    def remember(self, folder: Path | str, *, by: str) -> Path:
        """Record `folder` as a root (in the database, when there is one) and use it at once."""
        path = remember_root(self.engine, folder, by=by) if self.engine is not None else _resolved(folder)
        with self._lock:
            if path not in self.fixed + self._remembered:
                self._remembered = (*self._remembered, path)
        return path
