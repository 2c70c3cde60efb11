"""The asset detail page's view-model: one asset, its metrics, as the page shows them.

`load_detail(store, key)` reads the asset (by name or id) and its QC document
through the QC domain (any layout; statuses by the schema's own rules) and returns
plain frozen dataclasses the components render without further I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from portal.errors import NotFound
from portal.qc import (
    QCReadError,
    effective_status,
    fail_tolerated,
    load_qc,
    metric_status,
    status_from_choice,
    summarise,
    value_kind,
)
from portal.qc.identity import MetricIndex
from portal.qc.types import FAIL, PASS, AssetSummary
from portal.references import Reference, parse
from portal.references.placeholders import ReferenceContext, reference_context
from portal.store.protocol import AssetQuery, AssetStore, StoredAsset
from portal.views.asset.navigator import Grouping, NavMetric, normalise_grouping
from portal.views.asset.shown import Shown, shown_value
from portal.views.remembered import remembered

# Value kinds a reviewer can edit in place (the rest are shown read-only).
EDITABLE_KINDS = frozenset({"number", "string", "bool", "dropdown", "checkbox"})
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class HistoryEntry:
    """One status entry: who set what, when (UTC)."""

    evaluator: str
    status: str
    at: datetime


@dataclass(frozen=True)
class Curation:
    """A curation metric's curation type, latest curation and its history (newest first)."""

    type: str
    latest: Any
    versions: int
    history: tuple[tuple[str, datetime], ...]  # (curator, UTC timestamp)


@dataclass(frozen=True)
class MetricView:
    """One metric as the page shows it.

    `key` names it uniquely in its document (portal.qc.identity): metrics may share a
    name, so edits go by key.
    """

    index: int
    name: str
    key: str
    description: str | None
    modality: str
    modality_name: str
    stage: str
    tags: dict[str, str]
    value: Any
    kind: str  # value kind: none/bool/number/string/dropdown/checkbox/table/list/json/curation
    status: str  # own latest status
    effective: str  # counting towards groups (allow_tag_failures applied)
    history: tuple[HistoryEntry, ...]
    reference: str | None
    references: tuple[Reference, ...]
    choice_sets_status: bool  # dropdown/checkbox whose options carry statuses
    evaluated_assets: tuple[str, ...]
    curation: Curation | None
    fail_allowed: bool = False  # a Fail of this metric counts as Pass (allow_tag_failures)

    @cached_property
    def shown(self) -> Shown:
        """What the value widget starts from, and how the stored value differs (portal.views.asset.shown)."""
        return shown_value(self.kind, self.value)

    @property
    def editable_value(self) -> bool:
        """Whether the value widget can be edited (given the right and, if set, "allow edits")."""
        return self.kind in EDITABLE_KINDS and self.shown.editable

    @property
    def value_is_set(self) -> bool:
        """A value already set is read-only unless the reviewer turns on "allow edits"."""
        if self.kind in ("dropdown", "checkbox"):
            return self.value.get("value") not in (None, "", [])
        return self.value not in (None, "")

    def nav(self, unsaved: str | None = None, edited: bool = False) -> NavMetric:
        """The navigator's view of this metric; `unsaved` is the status an unsaved edit
        gives it (counted as the schema would count it once saved), `edited` whether it
        has an unsaved edit at all."""
        if unsaved is None or unsaved == self.status:
            return NavMetric(self.index, self.name, self.modality, self.stage, self.tags, self.status, self.effective,
                             unsaved=edited)
        effective = PASS if unsaved == FAIL and self.fail_allowed else unsaved
        return NavMetric(self.index, self.name, self.modality, self.stage, self.tags, unsaved, effective,
                         saved=self.status, unsaved=True)


@dataclass(frozen=True)
class AssetDetail:
    """Everything the asset page shows about one asset."""

    id: str
    name: str
    version: int
    summary: AssetSummary
    notes: str | None
    key_experimenters: tuple[str, ...]
    default_grouping: Grouping
    allow_tag_failures: tuple[str, ...]
    metrics: tuple[MetricView, ...]
    qc_error: str | None  # the QC domain's reason when the document cannot be read
    derived: tuple[str, ...]  # names of assets derived from this one
    # The earliest status entry later than when this was read: statuses are read at the time
    # asked (the schema's rule), so a post-dated entry changes them then. None: none is later.
    changes_at: datetime | None = None

    @property
    def has_qc(self) -> bool:
        """True when there is a readable quality_control document."""
        return self.summary.qc_state == "ok" and self.qc_error is None


def load_detail(store: AssetStore, key: str, *, with_derived: bool = True) -> AssetDetail:
    """The detail view-model of the asset named (or with id) `key`; NotFound if none.

    Kept while the store is unchanged and no post-dated status entry has come due
    (portal.views.remembered): the page and each of its callbacks (a node click, "Show more",
    a save) read the same asset again, and reading a document is about half of their CPU.
    """
    return remembered(store, "detail", (key, with_derived), lambda: _load_detail(store, key, with_derived),
                      still=_still_current)


def _still_current(detail: AssetDetail) -> bool:
    return detail.changes_at is None or datetime.now(UTC) < detail.changes_at


def _load_detail(store: AssetStore, key: str, with_derived: bool) -> AssetDetail:
    stored = store.get(key) if key else None
    if stored is None:
        raise NotFound(f"Asset not found: {key}")
    raw = stored.record.get("quality_control")
    metrics: tuple[MetricView, ...] = ()
    notes, experimenters, grouping, allow = None, (), (), ()
    qc, load_error, changes_at = None, None, None
    if raw not in (None, {}):
        try:
            qc = load_qc(raw)
        except QCReadError as exc:  # summarise may still read it: a newer schema might not
            load_error = str(exc)
    # The summary from the model just validated: validating a 500-metric document twice was a
    # fifth of the page's CPU.
    if qc is not None:
        stored = StoredAsset.with_summary(stored.id, stored.name, stored.version, stored.record,
                                          summarise(stored.record, loaded=qc))
    summary = stored.summary
    error = summary.qc_error
    if summary.qc_state == "ok":
        if qc is None:
            error = load_error
        else:
            allow = tuple(qc.allow_tag_failures or ())
            now = datetime.now(UTC)
            context = reference_context(store, stored)  # fills {derived,raw}_asset_location
            keys = MetricIndex(qc.metrics).keys
            metrics = tuple(_metric_view(index, metric, keys[index], allow, now, context=context)
                            for index, metric in enumerate(qc.metrics))
            changes_at = min((entry.at for m in metrics for entry in m.history if entry.at > now), default=None)
            notes, experimenters = qc.notes, tuple(qc.key_experimenters or ())
            grouping = normalise_grouping(qc.default_grouping)
    derived = _derived(store, stored.name) if with_derived else ()
    return AssetDetail(
        id=stored.id, name=stored.name, version=stored.version, summary=summary, notes=notes,
        key_experimenters=experimenters, default_grouping=grouping, allow_tag_failures=allow, metrics=metrics,
        qc_error=error, derived=derived, changes_at=changes_at,
    )


def _metric_view(index: int, metric, key: str, allow: tuple[str, ...], now: datetime, *,
                 context: ReferenceContext | None = None) -> MetricView:
    stage = getattr(metric.stage, "value", metric.stage)
    curation = None
    if getattr(metric, "object_type", "") == "Curation metric":
        kind = "curation"
        curation = _curation(metric)
    else:
        kind = value_kind(metric.value)
        if kind == "list" and not all(isinstance(item, _SCALARS) for item in metric.value):
            kind = "json"
    history = tuple(
        HistoryEntry((entry.evaluator or "").strip(), getattr(entry.status, "value", entry.status),
                     _utc(entry.timestamp))
        for entry in metric.status_history
    )
    return MetricView(
        index=index,
        name=metric.name,
        key=key,
        description=metric.description,
        modality=metric.modality.abbreviation,
        modality_name=metric.modality.name,
        stage=stage,
        tags=dict(metric.tags or {}),
        value=metric.value,
        kind=kind,
        status=metric_status(metric, now),
        effective=effective_status(metric, allow, now),
        history=history,
        reference=metric.reference,
        references=tuple(parse(metric.reference, context)),
        choice_sets_status=kind in ("dropdown", "checkbox") and status_from_choice(metric.value) is not None,
        evaluated_assets=tuple(metric.evaluated_assets or ()),
        curation=curation,
        fail_allowed=fail_tolerated(metric.tags, allow),
    )


def _curation(metric) -> Curation:
    history = sorted(((h.curator, _utc(h.timestamp)) for h in metric.curation_history or ()),
                     key=lambda item: item[1], reverse=True)
    values = metric.value or []
    return Curation(metric.type, values[-1] if values else None, len(values), tuple(history))


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _derived(store: AssetStore, name: str) -> tuple[str, ...]:
    """Assets whose source data is this asset: the `source` filter, an index lookup (a
    name search would read every asset's name: ~100 ms of each asset page at 100k assets)."""
    page = store.list_assets(AssetQuery(source=(name,)), limit=100)
    return tuple(row.name for row in page.rows if row.name != name)
