"""The one route serving reference files from a local asset folder.

`GET /references/<asset>/<path>` (asset by name or id) serves `path` from the
asset's own folder, to users who may see the asset (`can(user, "view", asset)`), and
nothing else: `..`, encoded `%2e%2e`, absolute paths and
symlinks that leave the folder are refused (400/404, never the contents), and so is a
folder outside the asset roots (portal.references.roots), whatever location is stored. Responses
carry an exact Content-Type with `nosniff`, answer Range requests (206, for video
seeking) and conditional requests, and are cacheable for an hour. Rerun recordings
(`.rrd`) may be fetched by the hosted Rerun viewer's origin (CORS), the one page outside
the portal that reads them.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
import time
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, request, send_file
from flask_login import current_user

from portal.accounts.auth import can
from portal.context import EXTENSION as PORTAL_EXTENSION
from portal.context import current_portal
from portal.errors import InvalidInput, NotFound
from portal.references.kachery import KACHERY_ROUTE, KacheryResolver
from portal.references.parse import RERUN_ORIGIN
from portal.references.resolve import ROUTE, ReferenceResolvers
from portal.references.roots import AssetRoots

log = logging.getLogger(__name__)
EXTENSION = "qc_portal_references"

# Exact types for the kinds the viewers show (the system's mime.types may lack some).
_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".json": "application/json",
    ".rrd": "application/octet-stream",
    ".html": "text/plain",  # never rendered as a page of the portal's origin
    ".htm": "text/plain",
}
# A reference file opened on its own (an SVG with a script, say) runs in a sandbox with
# no access to the portal's origin. PDFs are left out: Chromium's viewer refuses sandboxes.
_SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; media-src 'self'"
_MAX_AGE = 3600
_LOCATION_TTL = 60.0
# The hosted Rerun web viewer (portal.views.asset.viewers.RERUN_APP) fetches a recording
# itself, from its own origin (parse.RERUN_ORIGIN): `.rrd` files say it may (CORS), and
# answer its preflight, Chromium's for a portal on a private network included.
_CORS_SUFFIXES = frozenset({".rrd"})

blueprint = Blueprint("references", __name__)


class _LocationCache:
    """Asset key -> location for a minute: a page of figures costs one store lookup.

    Per process, and safe to lose. Several instances each keep their own, so an asset
    moved through one (re-ingested from another folder) may be looked for at its old
    location by another: a file missing there is looked up again (`serve`), so a move
    never shows as a missing figure; the old folder, while it still exists, may be
    served for up to a minute.
    """

    def __init__(self, ttl: float = _LOCATION_TTL, size: int = 2048):
        self.ttl, self.size = ttl, size
        self._items: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load, *, fresh: bool = False) -> tuple[str | None, bool]:
        """(location of `key`, whether it came from the cache); `load(key)` (raising
        NotFound) on a miss, an expired entry or when `fresh` is asked for."""
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl and not fresh:
            return hit[1], True
        location = load(key)
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = (now, location)
        return location, False


class ReferenceState:
    """What the route needs per app: the resolvers and the location cache."""

    def __init__(self, resolvers: ReferenceResolvers):
        self.resolvers = resolvers
        self.locations = _LocationCache()


def init_references(server: Flask, resolvers: ReferenceResolvers | None = None) -> None:
    """Attach the resolvers to `server` and register the `/references` route.

    The local resolver gets the app's asset roots (settings and the folders remembered in
    the portal's database): nothing outside them is served. Without a portal on `server`
    there are no roots, and no local file is served at all.
    """
    resolvers = resolvers or ReferenceResolvers()
    if resolvers.local.roots is None:
        portal = server.extensions.get(PORTAL_EXTENSION)
        resolvers.local.roots = (AssetRoots.from_settings(portal.settings, portal.users.engine)
                                 if portal is not None else AssetRoots(()))
    server.extensions[EXTENSION] = ReferenceState(resolvers)
    server.register_blueprint(blueprint)


def current_roots() -> AssetRoots:
    """The asset roots of the current app (what `/references` serves from, uploads write to)."""
    return current_app.extensions[EXTENSION].resolvers.local.roots


def resolvers(server: Flask | None = None) -> ReferenceResolvers:
    """The reference resolvers of `server` (default: the current app)."""
    app = server or current_app
    return app.extensions[EXTENSION].resolvers


def _asset_location(key: str) -> str | None:
    stored = current_portal().store.get(key)
    if stored is None:
        raise NotFound(f"Asset not found: {key}")
    return stored.summary.location


@blueprint.route(f"{ROUTE}/<asset>/<path:path>", methods=["OPTIONS"], provide_automatic_options=False)
def preflight(asset: str, path: str):
    """Answer a CORS preflight for a recording the Rerun viewer will fetch (nothing is read)."""
    response = current_app.response_class(status=204)
    if _cors_suffix(path):
        _cors(response)
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD"
        response.headers["Access-Control-Allow-Headers"] = "Range"
        response.headers["Access-Control-Max-Age"] = str(_MAX_AGE)
        if request.headers.get("Access-Control-Request-Private-Network") == "true":
            response.headers["Access-Control-Allow-Private-Network"] = "true"
    return response


def _cors_suffix(name: str) -> bool:
    return Path(name).suffix.lower() in _CORS_SUFFIXES


def _cors(response) -> None:
    response.headers["Access-Control-Allow-Origin"] = RERUN_ORIGIN
    response.headers["Access-Control-Expose-Headers"] = "Content-Length, Content-Range, Accept-Ranges"
    response.vary.add("Origin")


@blueprint.get(f"{ROUTE}/<asset>/<path:path>")
def serve(asset: str, path: str):
    """Serve one file of an asset's local folder (see the module docstring)."""
    if not can(current_user, "view", asset):
        # Files of assets the user may not see are not found, not forbidden: no hint they exist.
        abort(404)
    state: ReferenceState = current_app.extensions[EXTENSION]
    try:
        location, cached = state.locations.get(asset, _asset_location)
        if cached and current_portal().store.is_deleted(asset):  # deleted since it was cached
            raise NotFound(f"Asset not found: {asset}")
        try:
            full = state.resolvers.local.local_file(location, path)
        except NotFound:
            if not cached:
                raise
            # A stale location (the asset moved since it was cached): look it up again, once.
            location, _ = state.locations.get(asset, _asset_location, fresh=True)
            full = state.resolvers.local.local_file(location, path)
    except InvalidInput as exc:
        log.warning("refused reference %r of %r: %s", path, asset, exc)
        abort(400, description=exc.message)
    except NotFound as exc:
        abort(404, description=exc.message)
    return _send(full)


@blueprint.get(f"{KACHERY_ROUTE}/<digest>/<name>")
def serve_kachery(digest: str, name: str):
    """Serve a kachery-cloud file (`sha1://<digest>?label=<name>`); its type comes from `name`."""
    if not can(current_user, "view"):
        abort(404)
    state: ReferenceState = current_app.extensions[EXTENSION]
    source = state.resolvers.by_scheme.get("sha1")
    if not isinstance(source, KacheryResolver):
        abort(404)
    try:
        full = source.file(digest)
    except NotFound as exc:
        abort(404, description=exc.message)
    return _send(full, name=name)


@blueprint.get(f"{ROUTE}/")
@blueprint.get(f"{ROUTE}/<path:rest>")
def refuse(rest: str = ""):
    """Anything else under /references (an empty asset, `//etc/passwd`, ...) is not found,
    rather than falling through to the Dash page route."""
    abort(404)


def _send(full: Path, name: str | None = None):
    # `name` gives the type of files stored without their name (kachery's cache).
    suffix = Path(name).suffix.lower() if name else full.suffix.lower()
    mimetype = _TYPES.get(suffix) or mimetypes.guess_type(name or full.name)[0] or "application/octet-stream"
    response = send_file(full, mimetype=mimetype, conditional=True, max_age=_MAX_AGE, etag=True)
    # The browser may keep it; shared caches may not (who may see an asset is checked per request).
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    if suffix != ".pdf":
        response.headers["Content-Security-Policy"] = _SANDBOX
    if suffix in _CORS_SUFFIXES:
        _cors(response)
    return response
