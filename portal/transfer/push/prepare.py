"""What `qc-portal push` sends, read and checked on the pipeline's side before anything is sent.

`prepare(source, figures)` reads a `quality_control.json` (or the one in a folder) of any
layout (1.x evaluations, 2.x metrics), validates every metric with aind-data-schema
(portal.qc's rules, the server's own: each error names the metric and the field), finds
the local figures the metrics reference and gives each an upload name, then cuts the
metrics into requests small enough for the server's limits. Errors are collected, not
raised one at a time: a pipeline author sees every bad metric in one run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from portal.errors import PortalError
from portal.qc import QCReadError, normalise
from portal.qc.identity import identity
from portal.references.upload import MAX_FILES, rewrite_references, safe_name
from portal.review.metrics_merge import normalised_metrics

FILE_NAME = "quality_control.json"
MAX_METRICS_PER_REQUEST = 1000
# Well under the server's default request limit (QC_PORTAL_MAX_REQUEST_MB, 64): the multipart
# encoding adds a little, and one request must never be the one that is too big.
MAX_BYTES_PER_REQUEST = 32 * 1024 * 1024


@dataclass(frozen=True)
class Figure:
    """A local file a metric references, and the name it is uploaded (and stored) under."""

    path: Path
    upload_name: str
    size: int


@dataclass(frozen=True)
class Batch:
    """One request: metrics (references naming upload names), their positions in the
    document, and the figures they need."""

    positions: list[int]
    metrics: list[dict]
    figures: dict[str, Figure]


@dataclass
class Prepared:
    """The checked push: its metrics (2.x dicts, references rewritten to where the server
    will store the figures), the requests to send, and every problem found."""

    source: Path
    metrics: list[dict] = field(default_factory=list)
    allow_tag_failures: list[str] = field(default_factory=list)
    figures: dict[str, Figure] = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def qc_file(source: Path) -> Path:
    """The quality_control.json `source` names (the file, or the one in the folder)."""
    return source / FILE_NAME if source.is_dir() else source


def prepare(source: Path, figures: Path | None = None) -> Prepared:
    """Read and check the document at `source`; `figures` is where relative references are
    looked up (default: the document's folder)."""
    path = qc_file(source)
    prepared = Prepared(source=path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        prepared.errors.append(f"{path}: no such file (give a quality_control.json or the folder holding it)")
        return prepared
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        prepared.errors.append(f"{path}: not readable JSON: {exc}")
        return prepared
    if isinstance(document, dict) and isinstance(document.get("quality_control"), dict):
        document = document["quality_control"]  # a metadata.nd.json-style record
    if not isinstance(document, dict):
        prepared.errors.append(f"{path}: expected a quality_control object")
        return prepared
    prepared.errors.extend(metric_errors(document))
    if prepared.errors:
        return prepared
    data = normalise(document)
    if not data["metrics"]:
        prepared.errors.append(f"{path}: the document has no metrics: nothing to push")
        return prepared
    prepared.allow_tag_failures = list(data.get("allow_tag_failures") or [])
    folder = (figures or path.parent).resolve()
    prepared.figures, references = _figures(data["metrics"], folder, prepared.errors)
    uploads = [_with_uploads(m, references) for m in data["metrics"]]
    # As the server will store them: references to uploaded figures become qc/uploads/<name>.
    prepared.metrics = rewrite_references(uploads, set(prepared.figures))
    prepared.batches = _batches(uploads, prepared.figures)
    return prepared


def _pieces(document: dict) -> list[tuple[str, dict]]:
    """(label, one-metric document) for each metric, for validating metrics one at a time."""
    pieces = []
    evaluations = document.get("evaluations")
    if isinstance(evaluations, list):
        for number, evaluation in enumerate(evaluations, start=1):
            key = "qc_metrics" if isinstance(evaluation, dict) and "qc_metrics" in evaluation else "metrics"
            metrics = evaluation.get(key) if isinstance(evaluation, dict) else None
            if not isinstance(metrics, list) or not metrics:
                pieces.append((f"evaluation #{number}", {**document, "evaluations": [evaluation]}))
                continue
            for metric in metrics:
                pieces.append(("", {**document, "evaluations": [{**evaluation, key: [metric]}]}))
    elif isinstance(document.get("metrics"), list):
        pieces = [("", {**document, "metrics": [metric]}) for metric in document["metrics"]]
    return pieces


def metric_errors(document: dict) -> list[str]:
    """Every metric's validation error ("metric 'Drift': stage: unknown stage ..."), or the
    document's own when it is not a quality_control at all; [] when everything validates."""
    try:
        normalised_metrics(normalise(document)["metrics"])
        return []
    except (QCReadError, PortalError) as exc:
        whole = exc.message if isinstance(exc, PortalError) else str(exc)
    errors = []
    for number, (label, piece) in enumerate(_pieces(document), start=1):
        try:
            normalised_metrics(normalise(piece)["metrics"])
        except (QCReadError, PortalError) as exc:
            message = exc.message if isinstance(exc, PortalError) else str(exc)
            errors.append(f"{label or f'metric #{number}'}: {message}" if "metric '" not in message else message)
    return errors or [whole]


def _local_part(part: str) -> str | None:
    """The relative path a reference part names, or None when it is not a local file
    (a URL, s3://, sha1://, an absolute path, a placeholder, `__empty__`)."""
    part = part.strip()
    if not part or part.startswith("__empty__") or "{" in part or urlsplit(part).scheme or part.startswith("/"):
        return None
    return PurePosixPath(part.replace("\\", "/")).as_posix()


def _figures(metrics: list[dict], folder: Path, errors: list[str]) -> tuple[dict[str, Figure], dict[str, str]]:
    """The files metrics reference under `folder` (upload name -> Figure) and, per reference
    part, its upload name. A reference to a missing file, or leading outside `folder`, is an error."""
    figures: dict[str, Figure] = {}
    references: dict[str, str] = {}
    for metric in metrics:
        reference = metric.get("reference")
        for part in (reference.split(";") if isinstance(reference, str) else []):
            relative = _local_part(part)
            if relative is None or relative in references:
                continue
            path = (folder / relative).resolve()
            if not path.is_relative_to(folder):
                errors.append(f"metric {metric.get('name')!r}: reference {part.strip()!r} leads outside {folder}")
            elif path.is_dir():
                continue  # a .zarr folder or the like: left as it is (the server may hold it)
            elif not path.is_file():
                errors.append(f"metric {metric.get('name')!r}: reference {part.strip()!r} is not a file in {folder} "
                              "(--figures says where the figures are)")
            else:
                name = _upload_name(relative, figures)
                figures[name] = Figure(path, name, path.stat().st_size)
                references[relative] = name
    return figures, references


def _upload_name(relative: str, taken: dict[str, Figure]) -> str:
    """One plain file name for a relative path, stable across runs (so a re-push uploads the
    same names): folders joined with `_`, and a short hash when two paths clash."""
    name = safe_name(relative.replace("/", "_"))
    if name in taken:
        stem, dot, suffix = name.rpartition(".")
        digest = hashlib.sha1(relative.encode(), usedforsecurity=False).hexdigest()[:8]
        name = f"{stem}-{digest}.{suffix}" if dot else f"{name}-{digest}"
    return name


def _with_uploads(metric: dict, references: dict[str, str]) -> dict:
    """The metric with each local reference part replaced by its figure's upload name (the
    server then points it at where it stored the file)."""
    reference = metric.get("reference")
    if not isinstance(reference, str) or not references:
        return metric
    parts = [references.get(_local_part(part) or "", part) for part in reference.split(";")]
    return {**metric, "reference": ";".join(parts)}


def _batches(metrics: list[dict], figures: dict[str, Figure]) -> list[Batch]:
    """Requests of at most MAX_METRICS_PER_REQUEST metrics, MAX_FILES files and about
    MAX_BYTES_PER_REQUEST. Metrics of one identity (twins) stay in one request: the server
    pairs twins in order within a request."""
    groups: dict[tuple, list[int]] = {}
    for position, metric in enumerate(metrics):
        groups.setdefault(identity(metric), []).append(position)
    batches: list[Batch] = []
    current: list[int] = []
    files: dict[str, Figure] = {}
    for group in groups.values():
        needed = {name: figures[name] for p in group for name in _uploads_of(metrics[p], figures)}
        new = {name: figure for name, figure in needed.items() if name not in files}
        too_many = len(current) + len(group) > MAX_METRICS_PER_REQUEST or len(files) + len(new) > MAX_FILES
        too_big = sum(f.size for f in files.values()) + sum(f.size for f in new.values()) > MAX_BYTES_PER_REQUEST
        if current and (too_many or too_big):
            batches.append(Batch(current, [metrics[p] for p in current], files))
            current, files = [], {}
        current.extend(group)
        files.update(needed)
    if current:
        batches.append(Batch(current, [metrics[p] for p in current], files))
    return batches


def _uploads_of(metric: dict, figures: dict[str, Figure]) -> list[str]:
    reference = metric.get("reference")
    return [part.strip() for part in reference.split(";") if part.strip() in figures] \
        if isinstance(reference, str) else []
