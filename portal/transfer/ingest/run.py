"""Ingest: read records from folders and dumps and upsert them into the store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from portal.qc.bounds import DEFAULT_LIMITS, Limits
from portal.store.protocol import AssetStore
from portal.transfer.ingest.checks import IngestPolicy, Verdict, check_record
from portal.transfer.ingest.s3 import S3AssetFolder
from portal.transfer.ingest.sources import SourceItem, discover, read

_BATCH = 500


@dataclass(frozen=True)
class ItemOutcome:
    """What became of one item: `action` is created, updated, unchanged or failed (with
    `reason`); `asset` and `id` name the asset when the item named one."""

    origin: str
    action: str
    asset: str = ""
    id: str = ""
    reason: str | None = None
    warnings: tuple[str, ...] = ()

    def as_json(self) -> dict:
        """The object `qc-portal ingest --json` prints for the item."""
        return {"item": self.origin, "action": self.action, "asset": self.asset or None, "id": self.id or None,
                "reason": self.reason, "warnings": list(self.warnings)}


@dataclass
class IngestReport:
    """What an ingest did: counts per outcome, one (origin, reason) per failure and per warning."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing failed (warnings do not count)."""
        return not self.failures

    def line(self) -> str:
        """A one-line summary for the terminal."""
        done = self.created + self.updated + self.unchanged
        warned = f", {len(self.warnings)} warning(s)" if self.warnings else ""
        counts = (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged; "
                  f"{len(self.failures)} failed{warned}")
        if self.dry_run:
            return f"dry run: would ingest {done} asset(s): {counts} (nothing was written)"
        return f"ingested {done} asset(s): {counts}"


def find_sources(paths: list[str], *, s3=None) -> list:
    """The asset folders and dump files under `paths` (cheap: nothing is read yet).

    `s3://bucket/prefix/` paths are searched with `s3` (a portal.transfer.ingest.s3.S3Source).
    """
    found: list = []
    for path in paths:
        if path.lower().startswith("s3://"):
            found.extend(s3.discover(path) if s3 is not None else [(path, "S3 is not configured")])
        else:
            found.extend(discover([path]))
    return found


def source_items(sources: list, on_source: Callable[[], None] | None = None, *, s3=None,
                 limits: Limits = DEFAULT_LIMITS) -> Iterator[SourceItem]:
    """Every record (or read failure) of `sources`, read lazily one source at a time.

    `on_source()` is called after each source is read, for a progress bar; `s3` reads the
    S3 asset folders find_sources found; local files are read within `limits` (S3 ones
    within the S3Source's).
    """

    def s3_source(_folder):
        if s3 is None:
            raise ValueError("S3 asset folders need an S3Source")
        return s3

    for found in sources:
        if isinstance(found, tuple):
            path, reason = found
            yield SourceItem(str(path), error=f"{path}: {reason}")
        elif isinstance(found, S3AssetFolder):
            yield s3_source(found).read(found)
        else:
            yield from read(found, limits)
        if on_source:
            on_source()


def _line(item: SourceItem, reason: str) -> str:
    # Every line names its file (or file:line) first.
    return reason if reason.startswith(item.origin.split("[")[0]) else f"{item.origin}: {reason}"


def ingest_items(
    store: AssetStore,
    items: Iterable[SourceItem],
    *,
    actor: str = "ingest",
    on_item: Callable[[SourceItem, ItemOutcome], None] | None = None,
    on_warning: Callable[[SourceItem, str], None] | None = None,
    policy: IngestPolicy | None = None,
    dry_run: bool = False,
) -> IngestReport:
    """Check, then upsert the readable items in batches; collect every failure and warning.

    `on_item(item, outcome)` is called once per item (for progress, failure lines and
    --json); `outcome.reason` is None on success, else the failure line naming the file.
    `on_warning(item, line)` is called for each warning of an item that was stored.
    With `dry_run` the store checks and merges everything as it would, and writes nothing
    (each batch is rolled back): the report says what would change. `policy` (default: the
    default bounds, no asset roots) decides what is refused (portal.transfer.ingest.checks); with
    `policy.strict` a warning refuses the item like a failure. Records whose
    quality_control cannot be read are always refused (the store's `strict`), so a broken
    file never replaces a readable document.
    """
    policy = policy or IngestPolicy()
    report = IngestReport(dry_run=dry_run)
    # A dry run writes nothing, so a later batch does not see an asset an earlier one "created".
    would_create: set[str] = set()
    iterator = iter(items)
    while batch := list(islice(iterator, _BATCH)):
        refused: dict[int, str] = {}
        warned: dict[int, tuple[str, ...]] = {}
        readable = []
        for item in batch:
            if item.record is None:
                continue
            verdict = check_record(item.record, policy)
            if verdict.error is None and policy.strict and verdict.warnings:
                verdict = Verdict("; ".join(verdict.warnings) + " (--strict)")
            if verdict.error is not None:
                refused[id(item)] = verdict.error
            else:
                warned[id(item)] = verdict.warnings
                readable.append(item)
        results = store.upsert_many(
            [{**item.record, "__origin__": item.origin} for item in readable], actor=actor, strict=True,
            dry_run=dry_run,
        )
        outcome = {id(item): result for item, result in zip(readable, results, strict=True)}
        for item in batch:
            result = outcome.get(id(item))
            if result is None:
                error = refused.get(id(item), item.error)
            else:
                error = None if result.action != "error" else result.error
            if error is not None:
                reason = _line(item, error)
                report.failures.append((item.origin, reason))
                done = ItemOutcome(item.origin, "failed", result.name if result else "", result.id if result else "",
                                   reason)
            else:
                action = result.action
                if dry_run and action == "created" and result.id in would_create:
                    action = "updated"
                elif dry_run and action == "created":
                    would_create.add(result.id)
                setattr(report, action, getattr(report, action) + 1)
                lines = tuple(_line(item, warning) for warning in warned.get(id(item), ()))
                for line in lines:
                    report.warnings.append((item.origin, line))
                    if on_warning:
                        on_warning(item, line)
                done = ItemOutcome(item.origin, action, result.name, result.id, None, lines)
            if on_item:
                on_item(item, done)
    return report
