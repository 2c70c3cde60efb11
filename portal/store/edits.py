"""What a reviewer's write holds and what the store answers (portal.store.protocol re-exports
these): one metric's edit with what the reviewer saw, who makes it, the annotation of one
asset, a conflict with another reviewer's change, and the results of annotate / add_metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.qc.identity import MetricSelector

UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()


@dataclass(frozen=True)
class MetricEdit:
    """One reviewer's change to one metric, with what the reviewer saw when making it.

    The metric is named by `key` (portal.qc.identity), or by `metric` (its name) with
    the qualifiers that tell same-named metrics apart (`modality`, `stage`, `tags`,
    `occurrence`); the store resolves it against the document it holds.
    `seen_history` is the length of the status history the reviewer saw and
    `seen_value` the value; they let the store tell a real conflict (someone changed
    the same metric meanwhile) from a harmless concurrent edit of another metric.
    """

    metric: str | None = None
    status: str | None = None
    value: Any = UNSET
    seen_history: int | None = None
    seen_value: Any = UNSET
    comment: str | None = None
    key: str | None = None
    modality: str | None = None
    stage: str | None = None
    tags: dict | None = None
    occurrence: int | None = None
    # Why a Fail (one of the project's fail reasons; portal.review.reasons): kept with the
    # status entry in the portal's database, never in the document. `comment` is kept with it too.
    reason: str | None = None

    def selector(self) -> MetricSelector:
        """Which metric this edit names, for portal.qc.identity.MetricIndex.resolve."""
        return MetricSelector(name=self.metric, key=self.key, modality=self.modality, stage=self.stage,
                              tags=self.tags, occurrence=self.occurrence)


@dataclass(frozen=True)
class Actor:
    """Who writes: the account (recorded in the audit log) and the evaluator name written
    into status histories (the account's display name). `service` accounts (the pipeline
    role, admins) may push status entries under evaluator names other than their own."""

    account: str
    display_name: str
    service: bool = False

    @classmethod
    def of(cls, user: Actor | str) -> Actor:
        """An Actor from an Actor or a bare name (scripts and tests: account = display name)."""
        return user if isinstance(user, Actor) else cls(account=user, display_name=user)


@dataclass(frozen=True)
class Annotation:
    """A reviewer's submission for one asset, made on the version they loaded."""

    asset: str
    base_version: int
    edits: tuple[MetricEdit, ...] = ()
    notes: Any = UNSET
    seen_notes: Any = UNSET
    force: bool = False  # re-apply over reported conflicts (the reviewer saw them)


@dataclass(frozen=True)
class Conflict:
    """Someone else changed what this edit changes since the reviewer loaded the page."""

    metric: str  # metric name, or "" for the asset notes
    field: str  # "status" | "value" | "notes"
    theirs: Any  # their status entries / their value / their notes
    yours: Any
    key: str = ""  # the metric's key (portal.qc.identity), "" for the notes
    # What a client needs to resubmit in one step: the metric's status history length,
    # status and value now (send them as seen_history / seen_value with `version`).
    current: dict | None = None


@dataclass(frozen=True)
class AnnotateResult:
    """The outcome of an annotation: applied (with the new version) or conflicts."""

    applied: bool
    version: int
    conflicts: tuple[Conflict, ...] = ()
    changes: tuple[dict, ...] = ()


@dataclass(frozen=True)
class MetricsResult:
    """What `add_metrics` did: the asset's version afterwards and the metrics it added or
    replaced (both empty, version unchanged, when the metrics were already there as sent)."""

    version: int
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
