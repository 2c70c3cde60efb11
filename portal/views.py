"""View-models: what pages show, computed from the store (components only render them)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.qc.types import FAIL, NO_QC, PASS, PENDING, UNREADABLE
from portal.store.protocol import AssetQuery, AssetStore

STATUS_ORDER = (PASS, FAIL, PENDING, NO_QC, UNREADABLE)


@dataclass(frozen=True)
class HomeView:
    """Headline counts and the project x modality table of the landing page."""

    total: int
    by_status: dict[str, int]
    # [(project, modality, {status: n})], sorted by project then modality
    cells: list[tuple[str, str, dict[str, int]]]


def home_view(store: AssetStore, query: AssetQuery = AssetQuery()) -> HomeView:
    """Counts for the landing page, computed by the store (never by loading documents)."""
    totals = store.status_totals(query)
    grouped: dict[tuple[str, str], dict[str, int]] = {}
    for row in store.counts(query):
        grouped.setdefault((row.project, row.modality), {})[row.status] = row.n
    cells = [(p, m, grouped[(p, m)]) for p, m in sorted(grouped)]
    by_status = {status: totals.get(status, 0) for status in STATUS_ORDER}
    return HomeView(total=sum(totals.values()), by_status=by_status, cells=cells)
