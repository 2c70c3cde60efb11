"""kachery-cloud references: `sha1://<hash>?label=<file name>`, served by the portal.

The file is found with kachery-cloud's `load_file`: the local cache (`$KACHERY_CLOUD_DIR`)
first, then, when this machine has kachery-cloud client credentials, its gateway (with
`QC_PORTAL_KACHERY_TIMEOUT`: kachery-cloud itself waits forever). The browser loads it
from `/references/-/kachery/<hash>/<label>`, so its type comes from the label and it is
served like any local reference file. Without credentials a file that is not cached is
"reference not available" at once, with no network call.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, quote, urlsplit

from portal.errors import InvalidInput, NotFound
from portal.references.resolve import ROUTE, AssetLocation, ResolvedReference

log = logging.getLogger(__name__)

KACHERY_ROUTE = f"{ROUTE}/-/kachery"
_SHA1 = re.compile(r"^[0-9a-f]{40}$")


def parse_sha1(uri: str) -> tuple[str, str]:
    """`sha1://<hash>?label=<name>` -> (hash, label); InvalidInput for anything else."""
    parts = urlsplit(uri)
    digest = parts.netloc.lower()
    if parts.scheme.lower() != "sha1" or not _SHA1.match(digest):
        raise InvalidInput(f"not a sha1://<40 hex digits> reference: {uri}")
    label = (parse_qs(parts.query).get("label") or [""])[0]
    return digest, PurePosixPath(label).name if label else digest


def has_credentials() -> bool:
    """True when kachery-cloud could reach its gateway: client keys in the environment or
    in the kachery-cloud folder (where `kachery-cloud-init` writes them)."""
    if os.environ.get("KACHERY_CLOUD_CLIENT_ID") and os.environ.get("KACHERY_CLOUD_PRIVATE_KEY"):
        return True
    from kachery_cloud.get_kachery_cloud_dir import get_kachery_cloud_dir

    return Path(get_kachery_cloud_dir(respect_sandbox=False), "private.pem").is_file()


class KacheryResolver:
    """Resolver (and file source for the reference route) of `sha1://` references."""

    def __init__(self, *, timeout: float = 20.0):
        self.timeout = timeout
        # Fetches that time out keep running (kachery-cloud cannot be interrupted): a small
        # pool bounds how many can pile up.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kachery")
        self._lock = threading.Lock()

    def resolve(self, asset: AssetLocation, uri: str) -> ResolvedReference:
        """A `/references/-/kachery/<hash>/<label>` URL, or why the file is not available."""
        try:
            digest, label = parse_sha1(uri)
        except InvalidInput as exc:
            return ResolvedReference(None, exc.message)
        if self._local(digest) is None and not has_credentials():
            return ResolvedReference(None, f"reference not available: {uri} is not in the local kachery cache "
                                           "and no kachery-cloud credentials are configured")
        return ResolvedReference(f"{KACHERY_ROUTE}/{digest}/{quote(label, safe='')}")

    def _local(self, digest: str) -> str | None:
        import kachery_cloud

        return kachery_cloud.load_file(f"sha1://{digest}", local_only=True)

    def file(self, digest: str) -> Path:
        """The cached file of `digest`, fetched first if needed (NotFound when unavailable)."""
        if not _SHA1.match(digest):
            raise NotFound("reference not found")
        local = self._local(digest)
        if local is not None:
            return Path(local)
        if not has_credentials():
            raise NotFound(f"reference not available: sha1://{digest} is not in the local kachery cache")
        import kachery_cloud

        future = self._pool.submit(kachery_cloud.load_file, f"sha1://{digest}")
        try:
            fetched = future.result(timeout=self.timeout)
        except FutureTimeout:
            raise NotFound(f"reference not available: kachery-cloud did not answer within {self.timeout:g} s") from None
        except Exception as exc:  # noqa: BLE001 - kachery-cloud raises bare Exceptions
            log.warning("kachery-cloud could not load sha1://%s: %s", digest, exc)
            raise NotFound(f"reference not available: sha1://{digest}: {str(exc).splitlines()[0][:200]}") from None
        if fetched is None:
            raise NotFound(f"reference not found: sha1://{digest}")
        return Path(fetched)
