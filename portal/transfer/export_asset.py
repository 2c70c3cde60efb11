"""`qc-portal export NAME --dest DIR`: an asset as an asset folder, its reference files included.

DIR receives what `qc-portal ingest DIR` needs to recreate the asset exactly:

- `quality_control.json`: the document **as stored** (its own layout and schema_version,
  statuses as stored; only references the export had to move are rewritten, see below);
- one `<field>.json` per other core metadata section the record holds
  (`data_description.json`, `subject.json`, `acquisition.json`, `session.json`,
  `procedures.json`, `processing.json`, `instrument.json`, `rig.json`, `model.json`);
- `metadata.nd.json`: the whole record (AIND's combined file) but its `location`, so
  that its `_id`, `name` and every other top-level field come back too;
- every reference file the metrics name, fetched from where the portal reads them:
  relative paths from the asset's location (local folder or S3), written at the same
  relative path, so the references in the JSON keep working; `s3://bucket/key` files
  under `references/s3/<bucket>/<key>` and kachery `sha1://` files under
  `references/kachery/<hash>/<label>`, their references in the exported JSON rewritten to
  those relative paths; http(s) URLs stay URLs; `.zarr` folders and anything that cannot
  be fetched are listed as skipped or failed, with the reason.

Ingesting DIR into an empty portal gives the same stored document but for `location`
(now DIR) and the references rewritten above; the portal's own bookkeeping (version,
the audit log, which edits were made in the portal) is not part of the folder.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from portal.errors import InvalidInput, NotFound, PortalError
from portal.qc import QCReadError, load_qc
from portal.references.kachery import KacheryResolver, parse_sha1
from portal.references.parse import ZARR, Reference, parse
from portal.references.resolve import LocalFolderResolver, checked_relative
from portal.references.s3 import S3Object, split_s3
from portal.store.protocol import AssetStore
from portal.transfer.ingest.sources import CORE_FILES

COMBINED_FILE = "metadata.nd.json"


@dataclass
class ExportReport:
    """What an export wrote and what it could not."""

    folder: Path
    written: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (reference, why): not exported by design
    failed: list[tuple[str, str]] = field(default_factory=list)  # (reference, why): could not be fetched
    metadata: list[str] = field(default_factory=list)  # metadata files written (quality_control.json too)

    @property
    def ok(self) -> bool:
        """True when every reference file that could be exported was."""
        return not self.failed


class _Fetcher:
    """Copies one reference into the export folder and says where it put it."""

    def __init__(self, location: str | None, dest: Path, s3_client: Callable, kachery: KacheryResolver):
        self.location = location
        self.dest = dest
        self._s3_client = s3_client
        self._s3 = None
        self.kachery = kachery

    @property
    def s3(self):
        if self._s3 is None:
            self._s3 = self._s3_client()
        return self._s3

    def fetch(self, ref: Reference) -> str:
        """Copy `ref` into the folder; returns its relative path there (InvalidInput / NotFound if not)."""
        if ref.kind == ZARR:
            raise InvalidInput("a .zarr folder is not exported")
        if ref.relative:
            relative = str(checked_relative(ref.target))
            if self.location and self.location.lower().startswith("s3://"):
                where = split_s3(self.location)
                prefix = where.key.strip("/")
                self._from_s3(S3Object(where.bucket, f"{prefix}/{relative}" if prefix else relative), relative)
            else:
                source = LocalFolderResolver().local_file(self.location, ref.target)
                self._copy(source, relative)
            return relative
        if ref.scheme == "s3":
            target = split_s3(ref.target)
            relative = str(PurePosixPath("references", "s3", target.bucket, checked_relative(target.key)))
            self._from_s3(target, relative)
            return relative
        if ref.scheme == "sha1":
            digest, label = parse_sha1(ref.target)
            relative = f"references/kachery/{digest}/{str(checked_relative(label))}"
            self._copy(self.kachery.file(digest), relative)
            return relative
        raise InvalidInput(f"{ref.scheme}:// references are not exported")

    def _out(self, relative: str) -> Path:
        out = self.dest.joinpath(*PurePosixPath(relative).parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        return out

    def _copy(self, source: Path, relative: str) -> None:
        shutil.copyfile(source, self._out(relative))

    def _from_s3(self, target: S3Object, relative: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.s3.download_file(target.bucket, target.key, str(self._out(relative)))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            raise NotFound(f"s3://{target.bucket}/{target.key}: {code or exc}") from None
        except BotoCoreError as exc:
            raise NotFound(f"s3://{target.bucket}/{target.key}: {exc}") from None


def export_asset(store: AssetStore, name: str, dest: Path, *, s3_client: Callable,
                 kachery: KacheryResolver | None = None) -> ExportReport:
    """Write the asset's metadata files, quality_control.json and reference files into `dest`
    (see the module docstring)."""
    stored = store.get(name)
    if stored is None:
        raise NotFound(f"Asset not found: {name}")
    raw = stored.record.get("quality_control")
    if not raw:
        raise InvalidInput(f"{stored.name} has no quality_control to export")
    try:
        load_qc(raw)
    except QCReadError as exc:
        raise InvalidInput(f"the quality_control of {stored.name} cannot be read: {exc}") from None
    dest.mkdir(parents=True, exist_ok=True)
    report = ExportReport(dest)
    fetcher = _Fetcher(stored.summary.location, dest, s3_client, kachery or KacheryResolver())
    qc = copy.deepcopy(raw)
    done: dict[str, str] = {}
    for holder, key in _reference_fields(qc):
        holder[key] = _export_reference(holder[key], fetcher, done, report)
    record = {key: value for key, value in stored.record.items() if key != "location"}
    record["quality_control"] = qc
    for section in CORE_FILES:
        if isinstance(record.get(section), dict):
            _write_json(dest / f"{section}.json", record[section])
            report.metadata.append(f"{section}.json")
    _write_json(dest / COMBINED_FILE, record)
    report.metadata.append(COMBINED_FILE)
    return report


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n")


def _reference_fields(qc: dict) -> Iterator[tuple[dict | list, int | str]]:
    """(container, key) of every reference string of a raw quality_control, any layout:
    metrics' `reference`, and the items of a 1.0 `references` list."""
    metrics = qc.get("metrics") if isinstance(qc.get("metrics"), list) else []
    for evaluation in qc.get("evaluations") or ():
        if isinstance(evaluation, dict):
            inner = evaluation.get("metrics", evaluation.get("qc_metrics"))
            metrics = [*metrics, *(inner if isinstance(inner, list) else ())]
    for metric in metrics:
        if not isinstance(metric, dict):
            continue
        if isinstance(metric.get("reference"), str):
            yield metric, "reference"
        refs = metric.get("references")
        if isinstance(refs, list):
            yield from ((refs, index) for index, ref in enumerate(refs) if isinstance(ref, str))


def _export_reference(reference: str, fetcher: _Fetcher, done: dict[str, str], report: ExportReport) -> str:
    """Fetch the files `reference` names; returns it as written unless a file had to move."""
    parts = []
    moved = False
    for ref in parse(reference):
        if ref.web:
            parts.append(ref.written)
            continue
        if ref.target not in done:
            try:
                done[ref.target] = fetcher.fetch(ref)
                report.written.append(done[ref.target])
            except InvalidInput as exc:
                done[ref.target] = ref.target
                report.skipped.append((ref.target, exc.message))
            except (PortalError, OSError) as exc:
                done[ref.target] = ref.target
                report.failed.append((ref.target, getattr(exc, "message", None) or str(exc)))
        moved = moved or done[ref.target] != ref.target
        parts.append(done[ref.target])
    return ";".join(parts) if moved else reference
