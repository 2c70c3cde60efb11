"""Storing reference files sent with pushed metrics next to the asset (`qc/uploads/`).

A file goes where the asset's relative references are resolved: its local folder
(`<folder>/qc/uploads/<name>`) or its S3 location (`s3://bucket/prefix/qc/uploads/<name>`,
boto3 `put_object`). Metrics then reference it relatively (`qc/uploads/<name>`), so the
same resolvers that show pipeline-written figures show these.

Names are sanitised to one plain file name (no folders, no `..`, no hidden files, only
letters, digits and `._-+ `); a local folder must already exist (it is the asset's, made
by ingest) and `qc/uploads` inside it may not lead outside it through a symlink.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from portal.errors import InvalidInput, StoreUnavailable
from portal.references.resolve import local_folder
from portal.references.s3 import split_s3

if TYPE_CHECKING:
    from portal.references.roots import AssetRoots

log = logging.getLogger(__name__)

UPLOAD_FOLDER = "qc/uploads"
MAX_FILES = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-+ ]")
_CONTENT_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".svg": "image/svg+xml", ".pdf": "application/pdf", ".mp4": "video/mp4", ".webm": "video/webm",
    ".json": "application/json", ".csv": "text/csv", ".txt": "text/plain",
}


@dataclass(frozen=True)
class IncomingFile:
    """A file of the request: its name as sent, its content and size."""

    filename: str
    stream: BinaryIO
    size: int


@dataclass(frozen=True)
class StoredFile:
    """A file stored with the asset and the relative reference that names it."""

    name: str
    reference: str
    size: int


def safe_name(filename: str) -> str:
    """One plain file name from what a client sent (InvalidInput when nothing usable is left)."""
    base = PurePosixPath((filename or "").replace("\\", "/")).name  # drop any folders, Windows ones too
    cleaned = _UNSAFE.sub("_", base).strip(" ")[:200]
    if not cleaned or cleaned.startswith(".") or set(cleaned) <= {"_", "."}:
        raise InvalidInput(f"unusable file name {filename!r}: give files a plain name like drift.png")
    return cleaned


def check_files(files: list[IncomingFile], max_bytes: int) -> dict[str, IncomingFile]:
    """The files by sanitised name; InvalidInput for too many, too big, or two with one name."""
    if len(files) > MAX_FILES:
        raise InvalidInput(f"at most {MAX_FILES} files per request")
    by_name: dict[str, IncomingFile] = {}
    for file in files:
        name = safe_name(file.filename)
        if file.size > max_bytes:
            raise InvalidInput(f"file {name!r} is larger than the limit of {max_bytes // (1024 * 1024)} MB "
                               "(QC_PORTAL_UPLOAD_MAX_MB)")
        if name in by_name:
            raise InvalidInput(f"two files are named {name!r}")
        by_name[name] = file
    return by_name


def rewrite_references(metrics: list[dict], files: Mapping[str, IncomingFile] | Iterable[str]) -> list[dict]:
    """Metrics whose reference (or a part of an `a;b` reference) names an uploaded file now
    reference it where it is stored (`qc/uploads/<stored name>`).

    `files` is `check_files`' result (stored name -> file): a reference may name a file as
    it was sent (`pushed fig #1.png`, with or without the folders the client gave) or by
    its stored, sanitised name (`pushed fig _1.png`). A plain set of stored names is
    accepted too (then only those match).
    """
    names = _reference_names(files)
    out = []
    for metric in metrics:
        reference = metric.get("reference")
        if isinstance(reference, str) and reference:
            if reference.strip() in names:  # a sent name may itself hold a ';'
                parts = [f"{UPLOAD_FOLDER}/{names[reference.strip()]}"]
            else:
                parts = [f"{UPLOAD_FOLDER}/{names[p.strip()]}" if p.strip() in names else p
                         for p in reference.split(";")]
            metric = {**metric, "reference": ";".join(parts)}
        out.append(metric)
    return out


def _reference_names(files: Mapping[str, IncomingFile] | Iterable[str]) -> dict[str, str]:
    """Every name a reference may use for an uploaded file -> the name it is stored under."""
    if not isinstance(files, Mapping):
        return {name: name for name in files}
    names: dict[str, str] = {}
    # Most exact first: the name as sent, then the stored one, then the sent name's last segment.
    for stored, file in files.items():
        names.setdefault(file.filename, stored)
    for stored in files:
        names.setdefault(stored, stored)
    for stored, file in files.items():
        names.setdefault(PurePosixPath((file.filename or "").replace("\\", "/")).name, stored)
    names.pop("", None)
    return names


def store_files(location: str | None, files: dict[str, IncomingFile], *, s3_client=None,
                roots: AssetRoots | None = None) -> list[StoredFile]:
    """Write the files into the asset's location (local folder, or S3 with `s3_client()`).

    A local folder must lie under the asset `roots` (default: the current app's, as the
    `/references` route serves them); InvalidInput otherwise, and nothing is written.
    """
    if not files:
        return []
    if location and location.lower().startswith("s3://"):
        return _to_s3(location, files, s3_client)
    folder = local_folder(location)
    if folder is None:
        raise InvalidInput("the asset has no folder or S3 location to store files in; send metrics whose references "
                           "are URLs instead")
    if roots is None:
        from portal.references.route import current_roots

        roots = current_roots()
    if not roots.contains(folder):
        raise InvalidInput("the asset's folder is not under an asset root (QC_PORTAL_ASSET_ROOTS): files are not "
                           "stored there")
    return _to_folder(folder, files)


def _to_folder(folder: Path, files: dict[str, IncomingFile]) -> list[StoredFile]:
    if not folder.is_dir():
        raise InvalidInput("the asset's folder does not exist on the server")
    root = folder.resolve()
    target = root.joinpath(*UPLOAD_FOLDER.split("/"))
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create {UPLOAD_FOLDER} in the asset's folder: {exc.strerror}") from None
    if not target.resolve().is_relative_to(root):
        raise InvalidInput(f"{UPLOAD_FOLDER} leads outside the asset's folder")
    stored = []
    for name, file in files.items():
        # Written beside the final name, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=target, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                file.stream.seek(0)
                while chunk := file.stream.read(1024 * 1024):
                    out.write(chunk)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target / name)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise StoreUnavailable(f"cannot write {name} into the asset's folder: {exc.strerror}") from None
        stored.append(StoredFile(name, f"{UPLOAD_FOLDER}/{name}", file.size))
    return stored


def _to_s3(location: str, files: dict[str, IncomingFile], s3_client) -> list[StoredFile]:
    from botocore.exceptions import BotoCoreError, ClientError

    where = split_s3(location)
    prefix = where.key.strip("/")
    client = s3_client()
    stored = []
    for name, file in files.items():
        key = f"{prefix}/{UPLOAD_FOLDER}/{name}" if prefix else f"{UPLOAD_FOLDER}/{name}"
        content_type = _CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")
        file.stream.seek(0)
        try:
            client.put_object(Bucket=where.bucket, Key=key, Body=file.stream.read(), ContentType=content_type)
        except (ClientError, BotoCoreError) as exc:
            log.warning("S3 put of s3://%s/%s failed: %s", where.bucket, key, exc)
            raise StoreUnavailable(f"S3 did not take s3://{where.bucket}/{key}: {exc}") from None
        stored.append(StoredFile(name, f"{UPLOAD_FOLDER}/{name}", file.size))
    return stored
