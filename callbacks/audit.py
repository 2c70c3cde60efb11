"""The audit log page `/audit` (admins): `?user=<name>&asset=<name or id>&limit=<n>`."""

from __future__ import annotations

import logging

import dash
from flask_login import current_user

from callbacks.shell import for_user
from components.audit import LIMITS, AuditView, audit_page
from components.shell import error_panel
from portal.accounts.auth import can
from portal.context import current_portal
from portal.errors import PortalError

log = logging.getLogger(__name__)


def _one(value) -> str:
    """A query value as one stripped string (a repeated key keeps its first value)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return value.strip()[:500] if isinstance(value, str) else ""


def layout(user=None, asset=None, limit=None, **_query):
    """The audit log for admins; everyone else is told they may not read it (and so is
    Dash's validation layout, which every visitor receives: see callbacks.shell)."""
    if not for_user() or not can(current_user, "admin"):
        signed_in = getattr(current_user, "is_authenticated", False)
        message = ("Only admins can read the audit log." if signed_in
                   else "Only admins can read the audit log: sign in with an admin account.")
        return error_panel("Forbidden", message)
    user, asset = _one(user), _one(asset)
    size = int(_one(limit)) if _one(limit).isdigit() and int(_one(limit)) in LIMITS else LIMITS[0]
    try:
        entries = current_portal().store.audit_log(user=user or None, asset=asset or None, limit=size)
    except PortalError as exc:
        log.warning("audit page: %s", exc)
        return error_panel(exc.title, exc.message)
    return audit_page(AuditView(entries, user, asset, size))


def register(app: dash.Dash) -> None:
    """Register the page on `app`."""
    dash.register_page("audit", path="/audit", title="Audit log · QC Portal", name="Audit log", layout=layout)
