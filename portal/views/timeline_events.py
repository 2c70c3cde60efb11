"""A metric's timeline as value types (Event, Origin, Timeline: what components render, no I/O),
and what the audit log says about one metric: value, reference and comment events, and which
write put each status entry into the portal (portal.views.timeline reads the rows and assembles
the timeline).

The rows are one asset's (`store.audit_log(asset=...)`), newest first. Per action:

- `annotate`: `changes` (metric key, field value / status / comment, old, new) under the
  reviewer's display name (`evaluator`);
- `add_metrics` (a push): `entries` (the status entries new to the asset), `changes` (field
  `metric`: added when `old` is null) and, since metric timelines exist, `metrics`
  (portal.qc.diff: each value and reference before and after);
- `update` / `reissue` with a `source` (a re-ingest): `metrics` likewise; older rows have no
  `metrics`, so what they changed is not known (a *gap*);
- `create`: the asset as first ingested; `update` with `fields` (a data description replaced),
  `delete`, `restore`, `rename`: nothing about metrics.

Account names are never shown (readers are not all admins): a write is attributed to the
display name it recorded (`evaluator`), or for ingests to the actor it names (`ingest`, or the
CLI's `--actor`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from portal.store.protocol import AuditEntry

# Event kinds (newest first on the page and in the API).
STATUS = "status"  # a status entry of the document's status_history
VALUE = "value"  # the value changed (from, to)
REFERENCE = "reference"  # the reference changed (as it was, as it became)
COMMENT = "comment"  # a reviewer's comment without a status
ADDED = "added"  # the metric appeared (a push or a re-ingest added it)
REPLACED = "replaced"  # an older push replaced it without recording its value or reference
KINDS = (STATUS, VALUE, REFERENCE, COMMENT, ADDED, REPLACED)

ANNOTATION, PUSH, INGEST, DOCUMENT = "annotation", "push", "ingest", "document"
VIAS = (ANNOTATION, PUSH, INGEST, DOCUMENT)


@dataclass(frozen=True)
class Event:
    """One thing that happened to a metric: who, when (UTC), through what (`via`), and what.

    `by` names who wrote it into the portal when that is not `who` (a pipeline's "Automated"
    entry pushed by an account); `old_chars` / `new_chars` say how large a value was that was
    too large to keep in the audit log (portal.qc.diff.MAX_KEPT)."""

    kind: str
    at: datetime
    who: str
    via: str = DOCUMENT
    by: str | None = None
    status: str | None = None
    reason: str | None = None
    comment: str | None = None
    old: Any = None
    new: Any = None
    old_chars: int | None = None
    new_chars: int | None = None


# How the audited history starts (Origin.how).
CREATED, ADDED_HERE, FIRST_AUDITED, NO_AUDIT = "created", "added", "audited", "none"


@dataclass(frozen=True)
class Origin:
    """Where the audited history starts: `at` (None: the log has nothing on this asset), `how`
    (one of CREATED, ADDED_HERE, FIRST_AUDITED, NO_AUDIT), by `who`, and the value and reference
    from then on. `known`: every value and reference change since `at` is in the log, so these are
    what was ingested (or pushed) then; otherwise what came before `at` is not known."""

    at: datetime | None
    how: str
    known: bool
    who: str | None
    value: Any
    reference: str | None
    value_chars: int | None = None  # the value was too large for the audit log


@dataclass(frozen=True)
class ReferenceLink:
    """One reference of a reference text, resolved as the asset page resolves it: a URL (app-
    relative ones prefixed) or the reason there is none."""

    kind: str
    name: str
    url: str | None
    error: str | None = None


@dataclass(frozen=True)
class Timeline:
    """One metric of one asset, and what happened to it, newest first."""

    asset_id: str
    asset: str
    key: str
    metric: str
    modality: str
    modality_name: str
    stage: str
    tags: dict[str, str]
    status: str
    value: Any
    reference: str | None
    node: str | None  # the asset page's navigator node showing the metric (its default grouping)
    events: tuple[Event, ...]
    origin: Origin
    missing: tuple[str, ...]  # what this store cannot tell, in sentences
    links: dict[str, tuple[ReferenceLink, ...]]  # reference text -> its links (when resolved)


def second(moment: datetime) -> datetime:
    """A moment in UTC to the second: how a status entry and the write that made it are matched
    (documents round-trip times through JSON)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def entry_match(evaluator: str | None, status: str, at: datetime) -> tuple[str, str, datetime]:
    """The key a status entry and an audit row's record of it share."""
    return ((evaluator or "").strip(), status, second(at))


@dataclass
class AuditFacts:
    """What the rows say about one metric (see the module's docstring)."""

    events: list[Event] = field(default_factory=list)
    entries: dict[tuple, tuple[str, str | None]] = field(default_factory=dict)  # entry_match -> (via, by)
    comments: dict[tuple, str] = field(default_factory=dict)  # entry_match -> comment of its annotation
    created: AuditEntry | None = None  # the asset's create row, when it was read
    gap: datetime | None = None  # the newest write whose value / reference changes are not recorded
    oldest: datetime | None = None  # the oldest row read
    rows: int = 0


def _parse_time(text: Any) -> datetime | None:
    if isinstance(text, datetime):
        return text
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


class _Reader:
    def __init__(self, key: str, name: str, by_name: bool):
        self.key, self.name, self.by_name = key, name, by_name
        self.facts = AuditFacts()

    def ours(self, change: Any) -> bool:
        """Whether a change is about this metric: by key; rows older than keys by a unique name."""
        if not isinstance(change, dict):
            return False
        if change.get("key"):
            return change["key"] == self.key
        return self.by_name and change.get("metric") == self.name

    def add(self, kind: str, row: AuditEntry, who: str, via: str, **fields) -> None:
        """Record an event of this row."""
        self.facts.events.append(Event(kind, row.at, who, via, **fields))

    def diff(self, row: AuditEntry, who: str, via: str, *, added: bool) -> None:
        """The row's `metrics` (portal.qc.diff) about this metric as events (`added`: "added" ones too)."""
        for change in row.detail.get("metrics") or ():
            if not self.ours(change):
                continue
            if change.get("field") == "added":
                if added:
                    self.add(ADDED, row, who, via)
            elif change.get("field") in (VALUE, REFERENCE):
                self.add(change["field"], row, who, via, old=change.get("old"), new=change.get("new"),
                         old_chars=change.get("old_chars"), new_chars=change.get("new_chars"))

    def annotate(self, row: AuditEntry) -> None:
        """An annotation: value changes, the status entries it wrote, comments."""
        who = str(row.detail.get("evaluator") or row.user)
        ours = [c for c in row.detail.get("changes") or () if self.ours(c)]
        statuses = [c for c in ours if c.get("field") == "status"]
        for change in ours:
            what = change.get("field")
            if what == "value":
                self.add(VALUE, row, who, ANNOTATION, old=change.get("old"), new=change.get("new"))
            elif what == "status":
                self.facts.entries[entry_match(who, str(change.get("new")), row.at)] = (ANNOTATION, None)
            elif what == "comment" and change.get("new"):
                if statuses:  # the comment of the status entry written with it
                    self.facts.comments[entry_match(who, str(statuses[-1].get("new")), row.at)] = change["new"]
                else:
                    self.add(COMMENT, row, who, ANNOTATION, comment=str(change["new"]))

    def push(self, row: AuditEntry) -> None:
        """A push: the entries it added (and who pushed them), the metric added or replaced, its changes."""
        who = str(row.detail.get("evaluator") or row.user)
        for entry in row.detail.get("entries") or ():
            at = _parse_time(entry.get("timestamp")) if isinstance(entry, dict) else None
            if at is not None and entry.get("key") == self.key:
                evaluator = (entry.get("evaluator") or "").strip()
                self.facts.entries[entry_match(evaluator, str(entry.get("status")), at)] = (
                    PUSH, who if evaluator != who else None)
        diffed = isinstance(row.detail.get("metrics"), list)
        for change in row.detail.get("changes") or ():
            if not self.ours(change) or change.get("field") != "metric":
                continue
            if change.get("old") is None:
                self.add(ADDED, row, who, PUSH, status=change.get("new"))
            elif not diffed:
                self.add(REPLACED, row, who, PUSH, status=change.get("new"))
                self.gap_at(row.at)
        if diffed:
            self.diff(row, who, PUSH, added=False)  # `changes` said it was added

    def ingest(self, row: AuditEntry) -> None:
        """A re-ingest: its changes, or a gap when it did not record them."""
        if isinstance(row.detail.get("metrics"), list):
            self.diff(row, row.user, INGEST, added=True)
        elif "source" in row.detail or row.action == "reissue":
            self.gap_at(row.at)  # a re-ingest from before metric timelines: what it changed is not known

    def gap_at(self, at: datetime) -> None:
        """What changed at `at` is not known (the newest such moment counts)."""
        if self.facts.gap is None or at > self.facts.gap:
            self.facts.gap = at

    def read(self, rows: list[AuditEntry]) -> AuditFacts:
        """Every row, by action."""
        for row in rows:
            if not isinstance(row.detail, dict):
                continue
            self.facts.rows += 1
            if self.facts.oldest is None or row.at < self.facts.oldest:
                self.facts.oldest = row.at
            if row.action == "annotate":
                self.annotate(row)
            elif row.action == "add_metrics":
                self.push(row)
            elif row.action in ("update", "reissue"):
                self.ingest(row)
            elif row.action == "create":
                self.facts.created = row
        return self.facts


def read_audit(rows: list[AuditEntry], key: str, name: str, *, by_name: bool) -> AuditFacts:
    """What `rows` (one asset's audit rows) say about the metric `key` (named `name`; with
    `by_name`, rows older than metric keys are matched by that name: it is unique)."""
    return _Reader(key, name, by_name).read(rows)
