"""Cross-site request forgery: the one rule for state-changing requests.

The header-based model (what browsers send, no tokens in forms). For every request
whose method is not GET, HEAD, OPTIONS or TRACE:

1. **With the portal's session cookie** it must come from the portal's own origin:
   `Sec-Fetch-Site: same-origin` (or `none`: the user typed it), or, from a browser that
   sends no `Sec-Fetch-Site`, an `Origin` equal to the portal's origin. Anything else is
   refused (403). A bearer token next to the cookie changes nothing: the browser adds
   the cookie on its own, so the cookie may be what authenticates.
2. **Without the session cookie, with `Authorization: Bearer ...`** (the REST API's
   tokens): exempt. A cross-site page cannot make a browser add a token.
3. **Neither**: the request is anonymous and anonymous users write nothing; a browser
   that says it comes from elsewhere (`Sec-Fetch-Site` other than `same-origin`/`none`, or
   a foreign `Origin`) is refused all the same, so no other site can sign a visitor in
   to an account of its choosing. Clients that send neither header (scripts) pass.

Dash's `/_dash-update-component` is a POST like any other: callbacks that write are
covered by rule 1 and by their own permission check (portal.security.writes).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Request, jsonify, request

from portal.settings import Settings

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SAME_ORIGIN_SITES = frozenset({"same-origin", "none"})


def has_session_cookie(req: Request, cookie_name: str) -> bool:
    """Whether the request carries the portal's session cookie."""
    return cookie_name in req.cookies


def has_bearer_token(req: Request) -> bool:
    """Whether the request authenticates with `Authorization: Bearer <token>`."""
    return req.headers.get("Authorization", "").lower().startswith("bearer ")


def same_origin(req: Request, https: bool) -> bool:
    """Whether the browser says the request comes from the portal's own pages."""
    site = req.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in SAME_ORIGIN_SITES
    origin = req.headers.get("Origin")
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    schemes = {req.scheme, "https"} if https else {req.scheme}
    return parts.scheme in schemes and parts.netloc == req.host and not parts.path.strip("/")


def refusal(req: Request, cookie_name: str, https: bool) -> str | None:
    """Why the request must be refused under the rule above, or None to let it through."""
    if req.method in SAFE_METHODS:
        return None
    if has_session_cookie(req, cookie_name):
        if same_origin(req, https):
            return None
        return "a request with the portal's session cookie must come from the portal's own pages"
    if has_bearer_token(req):
        return None
    site, origin = req.headers.get("Sec-Fetch-Site"), req.headers.get("Origin")
    if (site is not None or origin is not None) and not same_origin(req, https):
        return "cross-site requests are refused"
    return None


def init_csrf(server: Flask, settings: Settings) -> None:
    """Refuse cross-site state-changing requests on `server` (see the module docstring)."""

    @server.before_request
    def _refuse_cross_site():
        reason = refusal(request, server.config["SESSION_COOKIE_NAME"], settings.https)
        if reason is None:
            return None
        log.warning("refused %s %s from origin %r (Sec-Fetch-Site %r): %s", request.method, request.path,
                    request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site"), reason)
        response = jsonify(error="Forbidden", message=f"Cross-site request refused: {reason}.")
        response.status_code = 403
        return response
