"""The key that signs session cookies."""

from __future__ import annotations

import logging
import os
import secrets

from portal.settings import Settings

log = logging.getLogger(__name__)


def secret_key(settings: Settings) -> str:
    """QC_PORTAL_SECRET_KEY, or a random key kept (mode 0600) in the data dir.

    Keeping the generated key in the data dir keeps sessions valid across restarts
    of a local portal; deployments set QC_PORTAL_SECRET_KEY.
    """
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    log.warning("QC_PORTAL_SECRET_KEY is not set: using a generated key kept in %s", path)
    return key
