"""References in S3: presigned GET URLs for objects next to an asset or named `s3://...`.

- a relative reference of an asset located at `s3://bucket/prefix` is the object
  `prefix/<path>`; an `s3://bucket/key` reference names its object directly;
- the object is checked once (HEAD) so a missing one says "reference not found: ..."
  instead of a broken image, then a presigned URL is made (boto3) and cached per object
  until five minutes before it expires; a missing object is remembered for a minute;
- public buckets (`QC_PORTAL_S3_PUBLIC`): unsigned requests, plain object URLs;
- `.zarr` folders are not objects: their URL is made without a check.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from portal.errors import InvalidInput
from portal.references.resolve import AssetLocation, ResolvedReference, checked_relative

log = logging.getLogger(__name__)

REUSE_MARGIN = 300.0  # seconds before expiry a cached URL stops being handed out
MISSING_TTL = 60.0


@dataclass(frozen=True)
class S3Object:
    """A bucket and a key."""

    bucket: str
    key: str


def split_s3(url: str) -> S3Object:
    """`s3://bucket/key` -> S3Object (the key may be empty for a bucket root)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "s3" or not parts.netloc:
        raise InvalidInput(f"not an s3://bucket/... URL: {url}")
    return S3Object(parts.netloc, parts.path.lstrip("/"))


class S3Resolver:
    """Resolver of S3 references (relative to an `s3://` location, or absolute `s3://`)."""

    def __init__(self, *, region: str, expiry: int = 3600, public: bool = False, endpoint: str = "",
                 timeout: float = 5.0, client=None, clock=time.monotonic):
        self.expiry = expiry
        self.public = public
        self._client = client
        self._client_args = (region, endpoint, timeout)
        self._clock = clock
        self._cache: dict[S3Object, tuple[float, ResolvedReference]] = {}
        self._lock = threading.Lock()

    @property
    def client(self):
        """The boto3 S3 client (made on first use: no AWS lookups at start)."""
        if self._client is None:
            import boto3
            from botocore import UNSIGNED
            from botocore.config import Config

            region, endpoint, timeout = self._client_args
            config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 2},
                            signature_version=UNSIGNED if self.public else "s3v4")
            self._client = boto3.client("s3", region_name=region, endpoint_url=endpoint or None, config=config)
        return self._client

    def resolve(self, asset: AssetLocation, path: str) -> ResolvedReference:
        """A presigned URL for `path` (relative to the asset's S3 location, or `s3://...`)."""
        try:
            target = self._object(asset, path)
        except InvalidInput as exc:
            return ResolvedReference(None, exc.message)
        now = self._clock()
        with self._lock:
            hit = self._cache.get(target)
        if hit is not None and now < hit[0]:
            return hit[1]
        resolved, valid_for = self._resolve(target, folder=PurePosixPath(target.key).suffix.lower() == ".zarr")
        with self._lock:
            if len(self._cache) > 20_000:
                self._cache.clear()
            self._cache[target] = (now + valid_for, resolved)
        return resolved

    def _object(self, asset: AssetLocation, path: str) -> S3Object:
        if path.lower().startswith("s3://"):
            return split_s3(path)
        location = split_s3(asset.location or "")
        relative = checked_relative(path)
        prefix = location.key.rstrip("/")
        return S3Object(location.bucket, f"{prefix}/{relative}" if prefix else str(relative))

    def _resolve(self, target: S3Object, *, folder: bool) -> tuple[ResolvedReference, float]:
        """(the resolution, how long it may be reused)."""
        from botocore.exceptions import BotoCoreError, ClientError

        shown = f"s3://{target.bucket}/{target.key}"
        try:
            if not folder:
                self.client.head_object(Bucket=target.bucket, Key=target.key)
            url = self.client.generate_presigned_url(
                "get_object", Params={"Bucket": target.bucket, "Key": target.key}, ExpiresIn=self.expiry)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound", "NoSuchBucket"):
                return ResolvedReference(None, f"reference not found: {shown}"), MISSING_TTL
            if code in ("403", "AccessDenied", "Forbidden"):
                return ResolvedReference(None, f"reference not readable (access denied): {shown}"), MISSING_TTL
            log.warning("S3 error for %s: %s", shown, exc)
            return ResolvedReference(None, f"S3 did not give {shown}: {code or exc}"), 0.0
        except BotoCoreError as exc:  # no credentials, endpoint unreachable, timeout
            log.warning("S3 unavailable for %s: %s", shown, exc)
            return ResolvedReference(None, f"S3 is not reachable for {shown}: {exc}"), 0.0
        return ResolvedReference(url), max(0.0, self.expiry - REUSE_MARGIN)
