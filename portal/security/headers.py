"""Security headers on every response, Content-Security-Policy first.

The policy is built for what the portal serves and nothing more:

- scripts: the portal's own files plus the SHA-256 of each inline script Dash itself
  writes into its index page (`Dash.csp_hashes()`: the renderer bootstrap and the
  pages' title callback); no 'unsafe-inline', no 'unsafe-eval' (vega draws with its
  expression interpreter, the grid's cell renderers are plain functions);
- styles: 'unsafe-inline' besides the portal's own files (React, plotly and AG Grid set
  inline styles; styles cannot run script);
- images, video and PDFs of references: the portal, https and plain http (reference
  figures live anywhere: S3, lab web servers), `data:`/`blob:` for plotly and vega;
- fetches (`connect-src`): the portal and https (presigned S3 URLs of vega/plotly
  specs), plus the configured S3 endpoint;
- frames: the hosts of QC_PORTAL_IFRAME_HOSTS over https, and the portal and S3 for the
  PDFs of references (Chromium shows a PDF `<object>` in a frame); the portal itself may
  be framed only by itself (`frame-ancestors 'self'`);
- forms post only to the portal; `<base>` cannot be changed; no plugins besides PDFs.

A response that already carries its own policy (the sandboxed /references files) keeps it.

The policy and the other document headers (framing, opener, permissions) go on every response
that a browser could show as a page: HTML, SVG, PDF, text, anything unknown. Scripts, style
sheets, JSON, raster images and fonts are never a page (with `nosniff` a browser shows a script
or JSON navigated to as text and runs nothing), so they carry `nosniff` and the referrer policy
only: the ~900 bytes of document headers were 35 KB of the overview's 1.5 MB first load
(41 responses).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request

from portal.settings import Settings

S3_ORIGINS = "https://*.amazonaws.com"  # presigned S3 URLs, virtual-host and path style
# Responses that can be cached: static files and reference files set their own caching.
_STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/references/", "/_favicon")
# Content types a browser never renders as a document (see the module docstring).
_NOT_DOCUMENTS = frozenset({
    "application/javascript", "text/javascript", "application/x-javascript", "text/css", "application/json",
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/x-icon",
    "image/vnd.microsoft.icon", "font/woff", "font/woff2", "font/ttf", "font/otf", "application/font-woff",
})


def is_document_type(mimetype: str | None) -> bool:
    """True unless responses of this content type can never be shown as a page."""
    return (mimetype or "").lower() not in _NOT_DOCUMENTS


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL, else None."""
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def content_security_policy(settings: Settings, script_hashes: list[str]) -> str:
    """The policy for the portal's pages (see the module docstring)."""
    extra = [o for o in (origin_of(settings.s3_endpoint),) if o]
    viewers = [f"https://{host}" for host in sorted(settings.embeddable_hosts)]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", "https:", "http:"],
        "media-src": ["'self'", "blob:", "https:", "http:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", "https:", *extra],
        "object-src": ["'self'", "https:", *extra],
        "worker-src": ["'self'", "blob:"],
        # Chromium shows a PDF <object> in a frame: the portal's and S3's PDFs are framed too.
        "frame-src": ["'self'", *viewers, S3_ORIGINS, *extra],
        "frame-ancestors": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_headers(server: Flask, settings: Settings, dash_app=None) -> None:
    """Add the security headers to every response of `server`.

    `dash_app`'s inline scripts are hashed on the first response (Dash registers some of
    them during its own first-request setup), then the policy is kept.
    """
    policy: dict[str, str] = {}

    def current_policy() -> str:
        if "csp" not in policy:
            hashes = list(dash_app.csp_hashes()) if dash_app is not None else []
            if dash_app is not None and not getattr(dash_app, "_got_first_request", {}).get("setup_server"):
                return content_security_policy(settings, hashes)  # not final yet: do not keep it
            policy["csp"] = content_security_policy(settings, hashes)
        return policy["csp"]

    @server.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if is_document_type(response.mimetype):
            headers.setdefault("Content-Security-Policy", current_policy())
            headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if settings.https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if "Cache-Control" not in headers and not request.path.startswith(_STATIC_PREFIXES):
            # Pages, layouts and callback answers depend on who is signed in.
            headers["Cache-Control"] = "no-store"
        return response
