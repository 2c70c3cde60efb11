"""Finding and reading the records an ingest was pointed at.

A path is either
- an asset folder: it holds `data_description.json` and/or `quality_control.json`
  (with `subject.json`, `acquisition.json`, ... beside them) or a combined
  `metadata.nd.json`; references in its QC are relative to the folder;
- a folder of asset folders (searched recursively; dumps inside are not read);
- a JSON file of DocDB records (one record, or a list of records) or an NDJSON /
  JSONL file (one record per line).
Every record comes back as a `SourceItem`: the record, or the reason it cannot be read,
with the file it came from, so one bad file never stops an ingest.

Reading is bounded (`Limits`, from the settings): a file (or NDJSON line) larger than
QC_PORTAL_MAX_DOCUMENT_MB is not read, JSON nested deeper than QC_PORTAL_MAX_JSON_DEPTH
is refused without recursing (`portal.qc.bounds.loads`), and a record holding a NUL
character (`\\u0000`; PostgreSQL cannot store it) is refused on every database alike.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from portal.qc.bounds import DEFAULT_LIMITS, Limits, TooDeep
from portal.qc.bounds import loads as bounded_loads
from portal.transfer.ingest.checks import nul_path

ASSET_MARKERS = ("quality_control.json", "data_description.json", "metadata.nd.json")
# The core metadata files of an asset folder, by record field.
CORE_FILES = (
    "data_description",
    "subject",
    "acquisition",
    "session",
    "procedures",
    "processing",
    "instrument",
    "rig",
    "model",
    "quality_control",
)
DUMP_SUFFIXES = (".json", ".ndjson", ".jsonl")


@dataclass(frozen=True)
class SourceItem:
    """One record to ingest, or the reason the file could not give one."""

    origin: str
    record: dict | None = None
    error: str | None = None


def is_asset_folder(path: Path) -> bool:
    """True when the folder holds an asset's metadata files."""
    return any((path / marker).is_file() for marker in ASSET_MARKERS)


def discover(paths: list[str]) -> Iterator[Path | tuple[Path, str]]:
    """Asset folders and dump files under `paths`, in a stable order.

    Yields a Path per asset folder or dump file, or (path, reason) for a path that
    cannot be ingested at all.
    """
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            yield path, "no such file or folder"
        elif path.is_file():
            if path.suffix.lower() in DUMP_SUFFIXES:
                yield path
            else:
                yield path, "not a folder or a .json/.ndjson/.jsonl file"
        elif is_asset_folder(path):
            yield path
        else:
            yield from _walk(path)


def _walk(root: Path) -> Iterator[Path]:
    for folder, subfolders, _files in os.walk(root):
        subfolders.sort()
        here = Path(folder)
        if is_asset_folder(here):
            subfolders.clear()  # an asset's own sub-folders hold its figures, not assets
            yield here
        else:
            subfolders[:] = [s for s in subfolders if not s.startswith(".")]


def read(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[SourceItem]:
    """The records at `path` (an asset folder or a dump file)."""
    if path.is_dir():
        yield read_asset_folder(path, limits)
    elif path.suffix.lower() in (".ndjson", ".jsonl"):
        yield from _read_ndjson(path, limits)
    else:
        yield from _read_json_dump(path, limits)


def read_asset_folder(folder: Path, limits: Limits = DEFAULT_LIMITS) -> SourceItem:
    """One record from an asset folder; its location is the folder itself."""
    folder = folder.resolve()
    record: dict = {}
    combined = folder / "metadata.nd.json"
    try:
        if combined.is_file():
            record = _load_object(combined, limits)
        for field in CORE_FILES:
            file = folder / f"{field}.json"
            if file.is_file():
                record[field] = _load_object(file, limits)
    except ValueError as exc:
        return SourceItem(str(folder), error=str(exc))
    except OSError as exc:
        return SourceItem(str(folder), error=f"{folder}: cannot read: {exc.strerror}")
    description = record.get("data_description")
    if not record.get("name"):
        named = description.get("name") if isinstance(description, dict) else None
        record["name"] = named or folder.name
    # References resolve against the folder the files are in, whatever the record says.
    record["location"] = str(folder)
    return SourceItem(str(folder), record=record)


def too_large(where: str, size: int, limits: Limits) -> str | None:
    """The refusal of a file (or record) of `size` bytes over QC_PORTAL_MAX_DOCUMENT_MB, else None."""
    if size <= limits.max_document_mb * 1024 * 1024:
        return None
    return (f"{where}: {size / (1024 * 1024):.1f} MB is more than QC_PORTAL_MAX_DOCUMENT_MB "
            f"({limits.max_document_mb} MB)")


def parse_json(where: str, text: str, limits: Limits, line: int | None = None, *, nul: bool = True) -> Any:
    """Parsed JSON of `text` (from `where`), bounded in depth and (`nul`) free of NUL characters.

    Raises ValueError with the one-line reason, starting with `where` (or `where:line`).
    """
    at = f"{where}:{line}" if line is not None else where
    try:
        value = bounded_loads(text, max_depth=limits.max_json_depth, what=at)
    except TooDeep as exc:
        raise ValueError(f"{exc} (QC_PORTAL_MAX_JSON_DEPTH)") from None
    except json.JSONDecodeError as exc:
        if line is not None:
            raise ValueError(f"{at}: invalid JSON: {exc.msg}") from None
        raise ValueError(f"{at}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if nul and may_hold_nul(text):
        refuse_nul(at, value)
    return value


def may_hold_nul(text: str) -> bool:
    """False when `text` (JSON) surely holds no NUL character: one can only come from a
    `\\u0000` escape (a raw one is invalid JSON), so most files are cleared by one search."""
    return "\\u0000" in text


def refuse_nul(at: str, value: Any) -> None:
    """ValueError naming where the first NUL character of `value` is, if it holds one."""
    where_nul = nul_path(value)
    if where_nul is not None:
        raise ValueError(f"{at}: holds a NUL character (\\u0000) at {where_nul}, which cannot be stored")


def _load_object(file: Path, limits: Limits) -> dict:
    refusal = too_large(str(file), file.stat().st_size, limits)
    if refusal:
        raise ValueError(refusal)
    value = parse_json(str(file), file.read_text(encoding="utf-8", errors="replace"), limits)
    if not isinstance(value, dict):
        raise ValueError(f"{file}: expected a JSON object, got {type(value).__name__}")
    return value


def _read_json_dump(path: Path, limits: Limits) -> Iterator[SourceItem]:
    try:
        refusal = too_large(str(path), path.stat().st_size, limits)
        if refusal:
            # One record per line (NDJSON) has no size limit but each record's.
            raise ValueError(f"{refusal}; write large dumps as .ndjson, one record per line")
        text = path.read_text(encoding="utf-8", errors="replace")
        value = parse_json(str(path), text, limits, nul=False)  # checked per record below
    except ValueError as exc:
        yield SourceItem(str(path), error=str(exc))
        return
    except OSError as exc:
        yield SourceItem(str(path), error=f"{path}: cannot read: {exc.strerror}")
        return
    records = value if isinstance(value, list) else [value]
    suspect = may_hold_nul(text)
    for index, record in enumerate(records):
        origin = f"{path}[{index}]" if isinstance(value, list) else str(path)
        if isinstance(record, dict):
            try:
                if suspect:
                    refuse_nul(origin, record)
            except ValueError as exc:
                yield SourceItem(origin, error=str(exc))
                continue
            yield SourceItem(origin, record=record)
        else:
            yield SourceItem(origin, error=f"{origin}: expected a JSON object, got {type(record).__name__}")


def _lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(number, line) of a binary file; (number, None) for a line longer than `limit` bytes,
    which is skipped without being held in memory."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):  # the rest of the long line, in chunks
                line = handle.readline(1024 * 1024)
            yield number, None
            continue
        yield number, line


def _read_ndjson(path: Path, limits: Limits) -> Iterator[SourceItem]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield SourceItem(str(path), error=f"{path}: {exc.strerror}")
        return
    limit = limits.max_document_mb * 1024 * 1024
    with handle:
        for number, raw in _lines(handle, limit):
            origin = f"{path}:{number}"
            if raw is None:
                yield SourceItem(origin, error=f"{origin}: the record is more than QC_PORTAL_MAX_DOCUMENT_MB "
                                               f"({limits.max_document_mb} MB)")
                continue
            line = raw.decode("utf-8", errors="replace")
            if not line.strip():
                continue
            try:
                record = parse_json(str(path), line, limits, line=number)
            except ValueError as exc:
                yield SourceItem(origin, error=str(exc))
                continue
            if isinstance(record, dict):
                yield SourceItem(origin, record=record)
            else:
                yield SourceItem(origin, error=f"{origin}: expected a JSON object, got {type(record).__name__}")
