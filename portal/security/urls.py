"""Which URLs from documents, forms or query strings may become links, images or iframes.

Links and images: `https:`/`http:` URLs and relative URLs only, never `javascript:`,
`data:`, `vbscript:`, `file:` or any other scheme. Browsers ignore tabs and newlines
inside a URL and leading spaces or control characters before it
(`java\\tscript:`, `\\x01javascript:`), so the scheme is read after removing them,
as the browser would.

Iframes: `https:` URLs whose host is on the allow-list (QC_PORTAL_IFRAME_HOSTS) only.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

WEB_SCHEMES = frozenset({"http", "https"})
_IGNORED = re.compile(r"[\x00-\x20\x7f]")  # what browsers strip or skip when reading a scheme
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def _browser_view(url: str) -> str:
    """The URL as a browser parses it: without tabs, newlines and control characters."""
    return _IGNORED.sub("", url)


def safe_url(url: object) -> str | None:
    """`url` if it may be a link or image source (http(s) or relative), else None."""
    if not isinstance(url, str) or not url.strip():
        return None
    seen = _browser_view(url)
    match = _SCHEME.match(seen)
    if match is None:
        # No scheme: relative ("figures/a.png", "/asset/x", "?q", "#m") or protocol-relative
        # ("//host/x", http(s) by construction). A colon before any slash would be a scheme.
        return url.strip()
    if match.group(1).lower() not in WEB_SCHEMES:
        return None
    return url.strip() if urlsplit(seen).netloc else None


def embeddable(url: object, hosts: frozenset[str]) -> bool:
    """Whether `url` may be the source of an iframe: https and a host on the allow-list."""
    if not isinstance(url, str):
        return False
    seen = _browser_view(url)
    if seen != url.strip() or safe_url(url) is None:
        return False
    parts = urlsplit(seen)
    if parts.scheme.lower() != "https" or parts.username or parts.password:
        return False
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" in hosts if parts.port else host in hosts
