"""Login (flask-login), the current user, and the one permission check.

Anonymous users may browse; writing needs an authenticated annotator (or admin).
Every write path calls `require(...)` on the server: hiding a button is not protection.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, redirect, render_template_string, request, url_for
from flask_login import AnonymousUserMixin, LoginManager, current_user, login_user, logout_user

from portal.errors import Forbidden
from portal.users import Account, UserStore

log = logging.getLogger(__name__)

# action -> roles allowed to do it
_RULES = {
    "view": None,  # everyone, signed in or not
    "annotate": {"annotator", "admin"},
    "admin": {"admin"},
}


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
    def name(self) -> str:
        """The login name."""
        return self.account.name

    @property
    def display_name(self) -> str:
        """The name written as evaluator into status histories."""
        return self.account.display_name

    @property
    def role(self) -> str:
        """viewer, annotator or admin."""
        return self.account.role


class Anonymous(AnonymousUserMixin):
    """A visitor who has not signed in."""

    name = display_name = ""
    role = None


def can(user, action: str, resource: object | None = None) -> bool:
    """Whether `user` may do `action` (on `resource`; reserved for per-asset rules)."""
    if action not in _RULES:
        raise ValueError(f"unknown action {action!r}")
    allowed = _RULES[action]
    if allowed is None:
        return True
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) in allowed


def require(action: str, resource: object | None = None, user=None) -> User:
    """The current user if they may do `action`; otherwise Forbidden (logged)."""
    user = user if user is not None else current_user
    if not can(user, action, resource):
        who = getattr(user, "name", "") or "anonymous"
        log.warning("refused %s on %s for %s", action, resource or "-", who)
        if not getattr(user, "is_authenticated", False):
            raise Forbidden("Sign in as an annotator to make changes.")
        raise Forbidden(f"Your role ({user.role}) may not {action}.")
    return user


_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · QC Portal</title>
<link rel="stylesheet" href="{{ css }}"></head>
<body class="bg-light"><main class="container" style="max-width: 420px; margin-top: 10vh">
<h1 class="h3 mb-3">Sign in to the QC Portal</h1>
{% if error %}<div class="alert alert-danger" role="alert">{{ error }}</div>{% endif %}
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
<p class="mt-3"><a href="{{ home }}">Back to the portal</a></p>
</main></body></html>"""


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    home = request.script_root + "/"
    if not target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return home
    return target


def init_auth(server: Flask, users: UserStore) -> None:
    """Set up flask-login and the /login and /logout routes on `server`."""
    manager = LoginManager()
    manager.anonymous_user = Anonymous
    manager.init_app(server)

    @manager.user_loader
    def load_user(user_id: str):
        try:
            account = users.get_by_id(int(user_id))
        except ValueError:
            return None
        return User(account) if account else None

    @server.route("/login", methods=["GET", "POST"])
    def login():
        error, username = None, ""
        if request.method == "POST":
            username = request.form.get("username", "")
            account = users.verify(username, request.form.get("password", ""))
            if account is not None:
                login_user(User(account))
                log.info("login: %s", account.name)
                return redirect(_safe_next(request.form.get("next")))
            # One message whatever was wrong: no hint whether the user exists.
            error = "Wrong user name or password."
            log.info("failed login for %r from %s", username, request.remote_addr)
        page = render_template_string(
            _LOGIN_PAGE, error=error, username=username, next=request.values.get("next", ""),
            action=url_for("login"), home=_safe_next(None), css=_css_url(server),
        )
        return page, (401 if error else 200)

    @server.route("/logout", methods=["POST", "GET"])
    def logout():
        logout_user()
        return redirect(_safe_next(None))


def _css_url(_server: Flask) -> str:
    return f"{request.script_root}/assets/00-bootstrap.min.css"
