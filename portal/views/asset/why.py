"""The "Why?" panel's view-model: which status is explained, at which date, and why.

A scope names the badge the reviewer clicked: the asset's overall status, a modality,
a stage, a modality x stage cell, a tag (`key:value`) or a navigator node (its metric
positions, found by the caller from the tree it shows). The explanation is
portal.qc.explain's (the schema's evaluate_status semantics); with a date, the panel
also lists what changed since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal.errors import NotFound
from portal.qc import QCReadError, load_qc
from portal.qc.explain import Change, Explanation, changes_since, explain, parse_when
from portal.qc.identity import MetricIndex
from portal.store.protocol import AssetStore

SCOPES = ("asset", "modality", "stage", "cell", "tag", "node")
CELL_SEPARATOR = "|"  # a cell's value is "<modality>|<stage>" (stages hold no "|")


@dataclass(frozen=True)
class WhyView:
    """What the panel shows: a title, the explanation, what changed since its date."""

    title: str
    explanation: Explanation | None
    changes: tuple[Change, ...] | None  # None: no date asked for
    message: str | None = None  # why there is nothing to explain (or the date is refused)


def scope_title(scope: str, value: str) -> str:
    """A human name of what is explained ("modality ecephys", "node probe A › Raw data")."""
    if scope == "asset":
        return "the asset"
    if scope == "cell":
        modality, _, stage = value.partition(CELL_SEPARATOR)
        return f"{modality} · {stage}"
    if scope == "node":
        return "node " + (value.replace("/", " › ") or "All metrics")
    return f"{scope} {value}"


def _filters(scope: str, value: str) -> dict:
    if scope == "modality":
        return {"modality": value}
    if scope == "stage":
        return {"stage": value}
    if scope == "tag":
        return {"tag": value}
    if scope == "cell":
        modality, _, stage = value.partition(CELL_SEPARATOR)
        return {"modality": modality, "stage": stage}
    return {}


def why_view(store: AssetStore, asset: str, scope: str, value: str = "", date_text: str | None = None, *,
             positions: Sequence[int] | None = None) -> WhyView:
    """The explanation of one badge of asset `asset` (name or id) at `date_text`
    (YYYY-MM-DD, the end of that day UTC; empty: now). NotFound for an unknown asset."""
    title = scope_title(scope, value)
    if scope not in SCOPES:
        return WhyView(title, None, None, f"unknown scope {scope!r}")
    stored = store.get(asset)
    if stored is None:
        raise NotFound(f"Asset not found: {asset}")
    raw = stored.record.get("quality_control")
    if not raw:
        return WhyView(title, None, None, "This asset has no quality control metadata.")
    try:
        qc = load_qc(raw)
    except QCReadError as exc:
        return WhyView(title, None, None, f"The quality control cannot be read: {exc}")
    date = None
    if date_text:
        try:
            date = parse_when(date_text)
        except ValueError:
            return WhyView(title, None, None, "The date must be YYYY-MM-DD.")
    index = MetricIndex(qc.metrics)
    filters = _filters(scope, value)
    chosen = positions if scope == "node" else None
    found = explain(qc, date, positions=chosen, index=index, **filters)
    changes = None if date is None else changes_since(qc, date, positions=chosen, index=index, **filters)
    return WhyView(title, found, changes)
