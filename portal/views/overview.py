"""View-models of the overview page: what it shows, computed from the store.

Components only render these; every number comes from a GROUP BY in the store
(status_totals, status_counts, counts), never from loading documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.qc.types import FAIL, NO_QC, PASS, PENDING, UNREADABLE
from portal.store.protocol import AssetQuery, AssetStore
from portal.views.filters_url import ParsedQuery
from portal.views.remembered import remembered

STATUS_ORDER = (PASS, FAIL, PENDING, NO_QC, UNREADABLE)
NO_PROJECT = "(no project)"


def _ordered(counts: dict[str, int]) -> dict[str, int]:
    """Every status of STATUS_ORDER (0 when absent), in that order."""
    return {status: counts.get(status, 0) for status in STATUS_ORDER}


def attention_share(counts: dict[str, int]) -> float | None:
    """Share of the assets with QC that fail or are pending (None when none has QC)."""
    evaluated = counts.get(PASS, 0) + counts.get(FAIL, 0) + counts.get(PENDING, 0)
    if not evaluated:
        return None
    return (counts.get(FAIL, 0) + counts.get(PENDING, 0)) / evaluated


@dataclass(frozen=True)
class OverviewView:
    """Headline counts and chart data for one filtered view of the overview."""

    query: AssetQuery
    notes: tuple[str, ...]
    total: int  # assets matching the filters
    by_status: dict[str, int]  # overall status -> assets, STATUS_ORDER
    store_empty: bool  # the store holds no asset at all
    # (project, {overall status: assets}), projects in name order
    projects: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    # (modality, {status of that modality: assets}), modalities in name order
    modalities: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    # (project, modality, {status of that modality: assets})
    cells: list[tuple[str, str, dict[str, int]]] = field(default_factory=list)

    @property
    def state(self) -> str:
        """"empty" (no assets at all), "no_match" (filters match nothing) or "ok"."""
        if self.total:
            return "ok"
        return "empty" if self.store_empty else "no_match"

    @property
    def without_qc(self) -> bool:
        """True when every matching asset lacks a readable QC (nothing to chart but counts)."""
        return self.total > 0 and self.by_status[NO_QC] + self.by_status[UNREADABLE] == self.total


def overview_view(store: AssetStore, parsed: ParsedQuery) -> OverviewView:
    """Counts and chart data for the filters in `parsed` (three GROUP BYs in the store; kept
    while the store is unchanged: portal.views.remembered)."""
    return remembered(store, "overview", (parsed.query, parsed.notes), lambda: _overview_view(store, parsed))


def _overview_view(store: AssetStore, parsed: ParsedQuery) -> OverviewView:
    query = parsed.query
    totals = _ordered(store.status_totals(query))
    total = sum(totals.values())
    if total == 0:
        store_empty = query == AssetQuery() or sum(store.status_totals(AssetQuery()).values()) == 0
        return OverviewView(query, parsed.notes, 0, totals, store_empty)
    projects: dict[str, dict[str, int]] = {}
    for group in store.status_counts(query, "project"):
        per_project = projects.setdefault(group.key or NO_PROJECT, {})
        per_project[group.status] = per_project.get(group.status, 0) + group.n
    modalities: dict[str, dict[str, int]] = {}
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for row in store.counts(query):
        per_modality = modalities.setdefault(row.modality, {})
        per_modality[row.status] = per_modality.get(row.status, 0) + row.n
        cells.setdefault((row.project, row.modality), {})[row.status] = row.n
    return OverviewView(
        query=query,
        notes=parsed.notes,
        total=total,
        by_status=totals,
        store_empty=False,
        projects=[(name, _ordered(projects[name])) for name in sorted(projects)],
        modalities=[(name, _ordered(modalities[name])) for name in sorted(modalities)],
        cells=[(p, m, _ordered(cells[(p, m)])) for p, m in sorted(cells)],
    )


@dataclass(frozen=True)
class FilterOptions:
    """The choices of the filter bar's dropdowns (subjects are searched, not listed)."""

    project: list[str]
    modality: list[str]
    level: list[str]
    subject_count: int


def filter_options(store: AssetStore) -> FilterOptions:
    """Distinct projects, modalities and levels for the filter bar (kept while the store is unchanged)."""
    return remembered(store, "filters", "options", lambda: _filter_options(store))


def _filter_options(store: AssetStore) -> FilterOptions:
    facets = store.facets()
    return FilterOptions(
        project=list(facets["project"]),
        modality=list(facets["modality"]),
        level=list(facets["level"]),
        subject_count=len(facets["subject"]),
    )


def matching_subjects(store: AssetStore, text: str, selected: tuple[str, ...] = (), limit: int = 50) -> list[str]:
    """Subjects containing `text` (case-insensitive), the selected ones first."""
    needle = text.strip().lower()
    found = [s for s in store.facets()["subject"] if needle in s.lower()] if needle else []
    return list(dict.fromkeys([*selected, *found[:limit]]))
