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
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


def read(path: Path) -> Iterator[SourceItem]:
    """The records at `path` (an asset folder or a dump file)."""
    if path.is_dir():
        yield read_asset_folder(path)
    elif path.suffix.lower() in (".ndjson", ".jsonl"):
        yield from _read_ndjson(path)
    else:
        yield from _read_json_dump(path)


def read_asset_folder(folder: Path) -> SourceItem:
    """One record from an asset folder; its location is the folder itself."""
    folder = folder.resolve()
    record: dict = {}
    combined = folder / "metadata.nd.json"
    try:
        if combined.is_file():
            record = _load_object(combined)
        for field in CORE_FILES:
            file = folder / f"{field}.json"
            if file.is_file():
                record[field] = _load_object(file)
    except ValueError as exc:
        return SourceItem(str(folder), error=str(exc))
    description = record.get("data_description")
    if not record.get("name"):
        named = description.get("name") if isinstance(description, dict) else None
        record["name"] = named or folder.name
    # References resolve against the folder the files are in, whatever the record says.
    record["location"] = str(folder)
    return SourceItem(str(folder), record=record)


def _load_object(file: Path) -> dict:
    value = _load_json(file, file.read_text(encoding="utf-8", errors="replace"))
    if not isinstance(value, dict):
        raise ValueError(f"{file}: expected a JSON object, got {type(value).__name__}")
    return value


def _load_json(file: Path, text: str, line: int | None = None):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if line is not None:
            raise ValueError(f"{file}:{line}: invalid JSON: {exc.msg}") from None
        raise ValueError(f"{file}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def _read_json_dump(path: Path) -> Iterator[SourceItem]:
    try:
        value = _load_json(path, path.read_text(encoding="utf-8", errors="replace"))
    except (ValueError, OSError) as exc:
        yield SourceItem(str(path), error=str(exc))
        return
    records = value if isinstance(value, list) else [value]
    for index, record in enumerate(records):
        origin = f"{path}[{index}]" if isinstance(value, list) else str(path)
        if isinstance(record, dict):
            yield SourceItem(origin, record=record)
        else:
            yield SourceItem(origin, error=f"{origin}: expected a JSON object, got {type(record).__name__}")


def _read_ndjson(path: Path) -> Iterator[SourceItem]:
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        yield SourceItem(str(path), error=f"{path}: {exc.strerror}")
        return
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            origin = f"{path}:{number}"
            try:
                record = _load_json(path, line, line=number)
            except ValueError as exc:
                yield SourceItem(origin, error=str(exc))
                continue
            if isinstance(record, dict):
                yield SourceItem(origin, record=record)
            else:
                yield SourceItem(origin, error=f"{origin}: expected a JSON object, got {type(record).__name__}")
