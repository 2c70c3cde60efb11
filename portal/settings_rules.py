"""What makes one setting's value valid: a check per kind of value, used by portal.settings.

Each takes the value as read and returns it (normalised where the setting says so), or
raises ValueError with the reason; portal.settings.load_settings turns that into one
`invalid setting QC_PORTAL_...` line.
"""

from __future__ import annotations

import re

# Lowest to highest (single sign-on gives the highest a user's groups map to). `pipeline`
# is a service account: it may do what an annotator may, and also name evaluators other
# than its own display name in pushed status histories.
ROLES = ("viewer", "annotator", "pipeline", "admin")


def split_list(value: str, *, lower: bool = True) -> list[str]:
    """The items of a comma-separated setting, stripped (lower-cased unless told not to)."""
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    return [item.lower() for item in items] if lower else items


def store(value: str) -> str:
    """`sql` or a DocDB URL."""
    if value != "sql" and not value.startswith(("docdb://", "docdb+http://")):
        raise ValueError(f"unknown store {value!r}: expected 'sql' or a docdb:// URL")
    return value


def status_page(value: str) -> str:
    """Who may read the status page."""
    if value not in ("admin", "anonymous"):
        raise ValueError(f"{value!r} is not one of admin, anonymous")
    return value


def host_list(value: str) -> str:
    """Comma-separated host names (with an optional port), no scheme or path."""
    for host in split_list(value):
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?", host):
            raise ValueError(f"{host!r} is not a host name (no scheme, no path)")
    return value


def role_map(value: str) -> str:
    """Comma-separated group=role pairs."""
    for pair in split_list(value, lower=False):
        group, _, role = pair.partition("=")
        if not group.strip() or role.strip() not in ROLES:
            raise ValueError(f"{pair!r} is not group=role with a role of {', '.join(ROLES)}")
    return value


def default_role(value: str) -> str:
    """A role, or `none`."""
    if value not in (*ROLES, "none"):
        raise ValueError(f"{value!r} is not one of {', '.join(ROLES)}, none")
    return value


def database_url(value: str) -> str:
    """Empty (the data dir's SQLite file), a sqlite:// or a postgresql URL."""
    if value and not value.startswith(("sqlite://", "postgresql")):
        raise ValueError(f"{value!r} is not a sqlite:// or postgresql+psycopg:// URL")
    return value


def log_format(value: str) -> str:
    """`text` or `json` (any case; lower-cased)."""
    if value.lower() not in ("text", "json"):
        raise ValueError(f"{value!r} is not one of text, json")
    return value.lower()


def bind(value: str) -> str:
    """Empty, HOST:PORT or unix:/path."""
    if value and not re.fullmatch(r"(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}|unix:/.+", value):
        raise ValueError(f"{value!r} is not HOST:PORT (or unix:/path)")
    return value


def log_level(value: str) -> str:
    """DEBUG, INFO, WARNING or ERROR (any case; upper-cased)."""
    level = value.upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError(f"{value!r} is not one of DEBUG, INFO, WARNING, ERROR")
    return level
