"""Login (flask-login), the current user, and the one permission check.

Anonymous users may browse (unless QC_PORTAL_REQUIRE_LOGIN); writing needs an
authenticated annotator, pipeline (a service account) or admin; the audit log needs an
admin. Every write path checks `require(...)` on the server (portal.security.writes
marks them): hiding a button is not protection. Password sign-ins are throttled
(portal.accounts.throttle); single sign-on lives in portal.accounts.oidc.

Signing out ends the session on the server: the account's session epoch
(portal.accounts.users) goes up, and the user loader refuses a session made under an older one,
so a cookie copied before `POST /logout` signs nobody in afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import (
    Flask,
    current_app,
    has_app_context,
    jsonify,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from flask_login import AnonymousUserMixin, LoginManager, current_user, login_user, logout_user

from portal.accounts.throttle import LoginThrottle
from portal.accounts.users import Account, UserStore
from portal.errors import Forbidden
from portal.settings import Settings

log = logging.getLogger(__name__)

# action -> roles allowed to do it
_RULES = {
    "view": None,  # everyone, signed in or not (signed in only with QC_PORTAL_REQUIRE_LOGIN)
    "annotate": {"annotator", "pipeline", "admin"},
    # Write status entries under evaluator names other than the account's display name
    # (a pipeline's "Automated"): service accounts and admins only.
    "name_evaluators": {"pipeline", "admin"},
    "admin": {"admin"},  # the audit log, the status page
}
# The session key holding the account's session epoch at sign-in.
EPOCH = "qc_portal_epoch"
# Routes a visitor reaches without signing in even when login is required.
_PUBLIC_ENDPOINTS = frozenset({"login", "logout", "sso_login", "sso_callback", "healthz", "readyz"})
_PUBLIC_PREFIXES = ("/assets/", "/_favicon.ico", "/favicon.ico")


@dataclass(frozen=True)
class User:
    """The flask-login user: an Account from the portal's database."""

    account: Account
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        """The id flask-login keeps in the session."""
        return str(self.account.id)

    @property
    def id(self) -> int:
        """The account's row id."""
        return self.account.id

    @property
    def name(self) -> str:
        """The account (login) name: stable and unique; what the audit log records."""
        return self.account.name

    @property
    def display_name(self) -> str:
        """The name written as evaluator into status histories."""
        return self.account.display_name

    @property
    def role(self) -> str:
        """viewer, annotator, pipeline or admin (portal.settings_rules.ROLES, lowest first)."""
        return self.account.role


class Anonymous(AnonymousUserMixin):
    """A visitor who has not signed in."""

    name = display_name = ""
    role = None


def can(user, action: str, resource: object | None = None) -> bool:
    """Whether `user` may do `action` (on `resource`; reserved for per-asset rules).

    The one permission check: pages, callbacks, routes and the API all ask it.
    """
    if action not in _RULES:
        raise ValueError(f"unknown action {action!r}")
    signed_in = bool(getattr(user, "is_authenticated", False))
    allowed = _RULES[action]
    if allowed is None:
        return signed_in or not _login_required()
    return signed_in and getattr(user, "role", None) in allowed


def _login_required() -> bool:
    if not has_app_context():
        return False
    portal = current_app.extensions.get("qc_portal")
    return bool(portal and portal.settings.require_login)


def require(action: str, resource: object | None = None, user=None) -> User:
    """The current user if they may do `action`; otherwise Forbidden (logged)."""
    user = user if user is not None else current_user
    if not can(user, action, resource):
        who = getattr(user, "name", "") or "anonymous"
        log.warning("refused %s on %s for %s", action, resource or "-", who)
        if not getattr(user, "is_authenticated", False):
            raise Forbidden(_SIGN_IN.get(action, "Sign in to see this."))
        raise Forbidden(f"Your role ({user.role}) may not {action}.")
    return user


_SIGN_IN = {"annotate": "Sign in as an annotator to make changes.", "admin": "Sign in as an admin to see this."}


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} · QC Portal</title>
<link rel="stylesheet" href="{{ css }}"></head>
<body class="bg-light"><main class="container" style="max-width: 420px; margin-top: 10vh">
<h1 class="h3 mb-3">{{ title }}</h1>
{% if error %}<div class="alert alert-danger" role="alert">{{ error }}</div>{% endif %}
{% if logout %}
<form method="post" action="{{ action }}"><button class="btn btn-primary w-100" type="submit">Sign out</button></form>
{% else %}
{% if sso %}<a class="btn btn-outline-primary w-100 mb-3" href="{{ sso }}">Sign in with single sign-on</a>
<p class="text-muted small text-center">or with a portal account</p>{% endif %}
<form method="post" action="{{ action }}">
  <div class="mb-3"><label class="form-label" for="username">User name</label>
    <input class="form-control" id="username" name="username" autocomplete="username" required autofocus
           value="{{ username }}"></div>
  <div class="mb-3"><label class="form-label" for="password">Password</label>
    <input class="form-control" id="password" name="password" type="password"
           autocomplete="current-password" required></div>
  <input type="hidden" name="next" value="{{ next }}">
  <button class="btn btn-primary w-100" type="submit">Sign in</button>
</form>
{% endif %}
<p class="mt-3"><a href="{{ home }}">Back to the portal</a></p>
</main></body></html>"""
FAILED = "Wrong user name or password."


def login_page(error: str | None = None, *, username: str = "", status: int = 200):
    """The sign-in page (Jinja autoescapes everything echoed), with `error` if any."""
    sso = url_for("sso_login", next=request.values.get("next", "")) if "sso_login" in current_app.view_functions \
        else None
    page = render_template_string(
        _PAGE, title="Sign in to the QC Portal", error=error, username=username, next=request.values.get("next", ""),
        action=url_for("login"), home=safe_next(None), css=_css_url(), sso=sso, logout=False,
    )
    return page, status


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    home = request.script_root + "/"
    if not target:
        return home
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)):  # browsers drop tabs: "/\t/x"
        return home
    return target


# Characters a path keeps as they are in `next`: everything else (spaces, `#`, `%`, `?`, non-ASCII)
# is percent-encoded, so the path survives the redirect and the login form as one path.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def login_target() -> str:
    """The current request's URL (path and query) as `next` for the login page: the path
    re-encoded from its decoded form (an asset named `Record Node 101#Probe 100%` stays
    that asset, not a path cut at `#` with a stray `%`), the query as the client sent it."""
    path = request.script_root + quote(request.path, safe=_PATH_SAFE)
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def sign_in(account: Account) -> None:
    """Start a fresh session for `account` (nothing from the anonymous session is kept),
    made under the account's current session epoch."""
    session.clear()
    login_user(User(account), fresh=True)
    session[EPOCH] = account.session_epoch


def init_auth(server: Flask, users: UserStore, settings: Settings) -> None:
    """Set up flask-login, the login gate and the /login and /logout routes on `server`."""
    manager = LoginManager()
    manager.anonymous_user = Anonymous
    manager.init_app(server)
    throttle = LoginThrottle(users.engine)
    server.extensions["qc_portal_throttle"] = throttle

    @manager.user_loader
    def load_user(user_id: str):
        """The session's account, unless it signed out (or was removed) since the session began."""
        try:
            account = users.get_by_id(int(user_id))
        except (TypeError, ValueError):
            return None
        if account is None:
            return None
        if session.get(EPOCH, 0) != account.session_epoch:
            log.info("refused a session of %s that was signed out", account.name)
            return None
        return User(account)

    @server.before_request
    def _login_gate():
        """With QC_PORTAL_REQUIRE_LOGIN, everything but signing in needs a signed-in user
        (or, on the API and reference files, a valid token)."""
        if not settings.require_login or current_user.is_authenticated:
            return None
        if request.endpoint in _PUBLIC_ENDPOINTS or request.path.startswith(_PUBLIC_PREFIXES):
            return None
        if "Authorization" in request.headers:
            # A script, not a browser: it learns that its token does not work, never gets a login page.
            from portal.api.http import token_accepted

            if token_accepted(request):
                message = ("The API token is not valid (unknown, revoked, or its account was removed). Send "
                           "`Authorization: Bearer <token>`.")
            else:
                message = ("API tokens work on /api/v1, /v1 and reference files (GET /references/...); pages need "
                           "a signed-in session.")
            return _unauthorized(message)
        if request.method in ("GET", "HEAD") and request.accept_mimetypes.accept_html \
                and not request.path.startswith("/_dash"):
            return redirect(url_for("login", next=login_target()))
        return _unauthorized("Sign in to use the QC Portal.")

    @server.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return login_page()
        username = request.form.get("username", "")
        address = request.remote_addr or "-"
        wait = throttle.attempt(username, address)  # counted before the password is checked: atomic
        if wait:
            log.warning("sign-in refused (too many failures) from %s", address)
            page, _ = login_page(f"Too many failed sign-ins. Try again in {wait} s.", username=username)
            return page, 429, {"Retry-After": str(wait)}
        account = users.verify(username, request.form.get("password", ""))
        if account is None:
            # The name only if it is an account's: a password typed into the name field is never logged.
            known = users.get(username) is not None
            log.info("failed sign-in for %s from %s", repr(username) if known else "an unknown name", address)
            return login_page(FAILED, username=username, status=401)  # one message, whatever was wrong
        throttle.succeeded(username, address)
        sign_in(account)
        log.info("login: %s", account.name)
        return redirect(safe_next(request.form.get("next")))

    @server.route("/logout", methods=["POST", "GET"])
    def logout():
        if request.method == "GET":  # a link or a cross-site image must not sign anyone out: ask
            page = render_template_string(_PAGE, title="Sign out of the QC Portal", logout=True,
                                          action=url_for("logout"), home=safe_next(None), css=_css_url())
            return page
        user = current_user
        if getattr(user, "is_authenticated", False) and isinstance(user, User):
            users.end_sessions(user.account.id)  # every copy of this session's cookie stops working
            log.info("logout: %s", user.name)
        logout_user()
        session.clear()
        return redirect(safe_next(None))


def _unauthorized(message: str):
    response = jsonify(error="Unauthorized", message=message)
    response.status_code = 401
    return response


def _css_url() -> str:
    return f"{request.script_root}/assets/00-bootstrap.min.css"
