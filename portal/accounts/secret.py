"""The key that signs session cookies."""

from __future__ import annotations

import logging
import os
import secrets

from portal.errors import ConfigError
from portal.settings import Settings

log = logging.getLogger(__name__)

MISSING = ("QC_PORTAL_SECRET_KEY is not set: set it to a long random string (python -c \"import secrets; "
           "print(secrets.token_urlsafe(48))\") or run `qc-portal demo`")


def secret_key(settings: Settings) -> str:
    """QC_PORTAL_SECRET_KEY; in demo mode only, a random key kept (mode 0600) in the data dir.

    Outside demo mode a missing key is a ConfigError: a key generated per machine would
    log everyone out at every deployment and differ between instances, and a key that
    silently appears in a data folder is a key nobody rotates.
    """
    if settings.secret_key:
        return settings.secret_key
    if not settings.demo:
        raise ConfigError(MISSING)
    path = settings.data_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    log.info("demo mode: session cookies are signed with a generated key kept in %s", path)
    return key
