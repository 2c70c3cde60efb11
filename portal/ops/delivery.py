"""How responses travel: gzip for text, long-lived caching for fingerprinted URLs.

The overview's first load moved 8.6 MB uncompressed (plotly.js alone 4.8 MB), and every
later load revalidated a dozen files. So, in one `after_request` hook:

- **Caching.** Dash fingerprints its component bundles (`/_dash-component-suites/...
  .v4_4_1m<mtime>.js`, answered with `max-age` one year); its lazily loaded chunks
  (`async-*.js`, `plotly.min.js`) carry no fingerprint. Files under `/assets/` are linked
  with `?m=<mtime>` (a new file is a new URL), the favicon with `?v=<dash version>`.
  Fingerprinted URLs are `public, max-age=31536000, immutable` (not even revalidated);
  everything else static is `no-cache` (revalidated by ETag: a 304 costs headers only).
- **Revalidation** is answered here, before compression: an `If-None-Match` naming the
  response's ETag (weakly: a gzipped body carries the tag as `W/"..."`) is a 304.
- **Compression.** Text (HTML, CSS, JS, JSON, SVG, ...) of at least 1 KB is gzipped when the
  client accepts it, with `Vary: Accept-Encoding`. Static bodies are compressed once per
  process at level 9 and kept (an LRU of at most 64 MB); dynamic ones (pages, Dash's
  callbacks, the API) at level 5 each time. Not compressed: reference files (served with
  ranges, mostly images and videos, and the user's own bytes), streamed responses (the CSV
  export), partial and conditional answers.
"""

from __future__ import annotations

import gzip
import hashlib
import pkgutil
import threading
from collections import OrderedDict

from dash.fingerprint import check_fingerprint
from flask import Flask, Response, request

YEAR = "public, max-age=31536000, immutable"
MIN_SIZE = 1024
_TEXT = ("text/", "application/javascript", "application/json", "application/xml", "image/svg+xml",
         "application/x-javascript", "image/x-icon", "image/vnd.microsoft.icon")
_CACHE_BYTES = 64 * 1024 * 1024


class _Compressed:
    """Gzipped static bodies by (path, digest of the body): an LRU bounded in bytes."""

    def __init__(self, limit: int = _CACHE_BYTES):
        self.limit, self.size = limit, 0
        self._items: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str, body: bytes) -> bytes:
        key = (path, hashlib.blake2b(body, digest_size=16).digest())
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        with self._lock:
            if key not in self._items and len(packed) <= self.limit:
                self._items[key] = packed
                self.size += len(packed)
                while self.size > self.limit:
                    _, dropped = self._items.popitem(last=False)
                    self.size -= len(dropped)
        return packed


def _is_text(mimetype: str) -> bool:
    return mimetype.startswith(_TEXT)


def init_delivery(server: Flask, routes_prefix: str = "/") -> None:
    """Cache headers, 304s and gzip for every response of `server` (see the module doc)."""
    suites = routes_prefix + "_dash-component-suites/"
    assets = routes_prefix + "assets/"
    favicon = routes_prefix + "_favicon.ico"
    references = "/references/"
    compressed = _Compressed()

    @server.get("/favicon.ico")
    def favicon_ico():
        """Dash's icon at the path browsers ask for on pages Dash did not make (sign-in, /status)."""
        response = Response(pkgutil.get_data("dash", "favicon.ico"), mimetype="image/x-icon")
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response

    def cache_control(response: Response) -> bool:
        """Set Cache-Control for static URLs; True when the response is a static file."""
        path = request.path
        if path.startswith(suites):
            fingerprinted = check_fingerprint(path[len(suites):])[1]
        elif path.startswith(assets):
            fingerprinted = "m" in request.args
        elif path == favicon:
            fingerprinted = "v" in request.args
        else:
            return False
        response.headers["Cache-Control"] = YEAR if fingerprinted else "no-cache"
        return True

    @server.after_request
    def _deliver(response: Response) -> Response:
        if response.status_code != 200:
            return response
        static = False
        if request.method in ("GET", "HEAD"):
            static = cache_control(response)
            etag, _ = response.get_etag()
            if etag and _names(request.headers.get("If-None-Match", ""), etag):
                return Response(status=304, headers={k: v for k, v in response.headers.items()
                                                     if k.lower() in ("cache-control", "etag", "vary")})
        if request.path.startswith(references) or (response.is_streamed and not response.direct_passthrough):
            return response
        if not _is_text(response.mimetype or "") or "Content-Encoding" in response.headers \
                or "Content-Range" in response.headers:
            return response
        response.vary.add("Accept-Encoding")
        if "gzip" not in request.accept_encodings or request.method == "HEAD":
            return response
        response.direct_passthrough = False  # send_file's file wrapper: read it (static files are small)
        body = response.get_data()
        if len(body) < MIN_SIZE:
            return response
        response.set_data(compressed.get(request.full_path, body) if static
                          else gzip.compress(body, compresslevel=5, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        etag, _ = response.get_etag()
        if etag:
            response.set_etag(etag, weak=True)  # another encoding of the same resource: a weak validator
        return response


def _names(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weak comparison, as for GET)."""
    tags = [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")]
    return etag in tags or "*" in tags
