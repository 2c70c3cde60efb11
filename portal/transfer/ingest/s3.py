"""Ingest from S3: asset folders under `s3://bucket/prefix/`, read like local ones.

An asset folder is a "folder" (key prefix) holding `quality_control.json`,
`data_description.json` or `metadata.nd.json` directly. Discovery lists one level at
a time (`Delimiter="/"`), so the figures inside an asset folder are never listed: an
asset folder's sub-folders are its figures, not assets. Each record gets the folder's
`s3://` URL as its location, so its relative references resolve to S3 objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from portal.qc.bounds import DEFAULT_LIMITS, Limits
from portal.settings import Settings
from portal.transfer.ingest.sources import ASSET_MARKERS, CORE_FILES, SourceItem, parse_json, too_large

_MAX_DEPTH = 12


@dataclass(frozen=True)
class S3AssetFolder:
    """One asset folder found in S3: its bucket, prefix (ending in "/") and files there."""

    bucket: str
    prefix: str
    files: frozenset[str]

    @property
    def url(self) -> str:
        """`s3://bucket/prefix` (no trailing slash): the asset's location."""
        return f"s3://{self.bucket}/{self.prefix.rstrip('/')}"


def s3_client(settings: Settings):
    """A boto3 S3 client for ingest (region, endpoint and public access from the settings)."""
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    config = Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 3},
                    signature_version=UNSIGNED if settings.s3_public else None)
    return boto3.client("s3", region_name=settings.aws_region, endpoint_url=settings.s3_endpoint or None,
                        config=config)


class S3Source:
    """Finds and reads asset folders in S3 with one boto3 client, within `limits` (size,
    depth, no NUL characters: as local files are read)."""

    def __init__(self, client, limits: Limits = DEFAULT_LIMITS):
        self.client = client
        self.limits = limits

    def discover(self, url: str) -> Iterator[S3AssetFolder | tuple[str, str]]:
        """Asset folders under `url`, or (url, reason) when it cannot be listed."""
        from botocore.exceptions import BotoCoreError, ClientError

        rest = url[len("s3://"):]
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            yield url, "not an s3://bucket/prefix URL"
            return
        prefix = prefix.strip("/")
        prefix = f"{prefix}/" if prefix else ""
        try:
            found = list(self._walk(bucket, prefix, 0))
        except (BotoCoreError, ClientError) as exc:
            yield url, f"cannot list S3: {str(exc).splitlines()[0]}"
            return
        if not found:
            yield url, "no asset folders (quality_control.json, data_description.json or metadata.nd.json) found"
        yield from found

    def _walk(self, bucket: str, prefix: str, depth: int) -> Iterator[S3AssetFolder]:
        files, folders = self._level(bucket, prefix)
        if any(marker in files for marker in ASSET_MARKERS):
            yield S3AssetFolder(bucket, prefix, frozenset(files))
            return
        if depth >= _MAX_DEPTH:
            return
        for folder in sorted(folders):
            if not folder[len(prefix):].startswith("."):
                yield from self._walk(bucket, folder, depth + 1)

    def _level(self, bucket: str, prefix: str) -> tuple[set[str], list[str]]:
        """(file names directly under `prefix`, sub-folder prefixes)."""
        files: set[str] = set()
        folders: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
        for page in pages:
            files.update(item["Key"][len(prefix):] for item in page.get("Contents") or [])
            folders.extend(item["Prefix"] for item in page.get("CommonPrefixes") or [])
        return files, folders

    def read(self, folder: S3AssetFolder) -> SourceItem:
        """One record from an S3 asset folder; its location is the folder's URL."""
        from botocore.exceptions import BotoCoreError, ClientError

        record: dict = {}
        try:
            if "metadata.nd.json" in folder.files:
                record = self._object(folder, "metadata.nd.json")
            for field in CORE_FILES:
                if f"{field}.json" in folder.files:
                    record[field] = self._object(folder, f"{field}.json")
        except ValueError as exc:
            return SourceItem(folder.url, error=str(exc))
        except (BotoCoreError, ClientError) as exc:
            return SourceItem(folder.url, error=f"{folder.url}: cannot read from S3: {str(exc).splitlines()[0]}")
        description = record.get("data_description")
        if not record.get("name"):
            named = description.get("name") if isinstance(description, dict) else None
            record["name"] = named or folder.prefix.rstrip("/").rsplit("/", 1)[-1]
        record["location"] = folder.url
        return SourceItem(folder.url, record=record)

    def _object(self, folder: S3AssetFolder, name: str) -> dict:
        where = f"s3://{folder.bucket}/{folder.prefix}{name}"
        response = self.client.get_object(Bucket=folder.bucket, Key=folder.prefix + name)
        refusal = too_large(where, int(response.get("ContentLength") or 0), self.limits)
        if refusal:
            response["Body"].close()
            raise ValueError(refusal)
        # Never more than the limit, whatever the length said.
        body = response["Body"].read(self.limits.max_document_mb * 1024 * 1024 + 1)
        refusal = too_large(where, len(body), self.limits)
        if refusal:
            raise ValueError(refusal)
        value = parse_json(where, body.decode("utf-8", errors="replace"), self.limits)
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a JSON object, got {type(value).__name__}")
        return value
