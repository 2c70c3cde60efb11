"""The overview's counts from one DocDB aggregate: a small cube, shared for a few seconds.

The overview asks the store three questions for the same filters (assets per status,
per project x status, per project x modality x modality-status). One `$group` by
(project, overall status, modality statuses) answers all three; its rows number the
combinations present, not the assets. The cube is kept CUBE_TTL seconds per query, so
one page render costs one aggregate; a write through the store drops it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from portal.store.docdb import queries
from portal.store.protocol import AssetQuery, CountRow, GroupCount, wants_modality

CUBE_TTL = 10.0


def pipeline(query: AssetQuery, now: str) -> list[dict]:
    """Matching records per (project, overall status, [{modality, status}])."""
    return queries.filtered(query, now) + [
        {"$group": {"_id": {"p": "$_project", "s": "$_status", "m": "$_mods"}, "n": {"$sum": 1}}}]


class Cubes:
    """Cubes per query, each kept CUBE_TTL seconds."""

    def __init__(self, fetch: Callable[[AssetQuery], list[dict]], clock=time.monotonic):
        self._fetch = fetch
        self._clock = clock
        self._items: dict[AssetQuery, tuple[float, list[dict]]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every cube (after a write)."""
        with self._lock:
            self._items.clear()

    def rows(self, query: AssetQuery) -> list[dict]:
        """The cube's rows for `query`: [{"_id": {p, s, m}, "n"}]."""
        now = self._clock()
        with self._lock:
            hit = self._items.get(query)
        if hit is not None and now - hit[0] < CUBE_TTL:
            return hit[1]
        rows = self._fetch(query)
        with self._lock:
            if len(self._items) > 256:
                self._items.clear()
            # Kept from when the answer came: a slow aggregate still serves the whole page.
            self._items[query] = (self._clock(), rows)
        return rows

    def status_totals(self, query: AssetQuery) -> dict[str, int]:
        """Assets per overall status."""
        totals: Counter = Counter()
        for row in self.rows(query):
            totals[row["_id"]["s"]] += row["n"]
        return dict(totals)

    def by_project(self, query: AssetQuery) -> list[GroupCount]:
        """Assets per project x overall status."""
        groups: Counter = Counter()
        for row in self.rows(query):
            groups[(row["_id"].get("p"), row["_id"]["s"])] += row["n"]
        return [GroupCount(project, status, n) for (project, status), n in groups.items()]

    def counts(self, query: AssetQuery) -> list[CountRow]:
        """Assets per project x modality x modality status (only the query's modalities, if any)."""
        cells: Counter = Counter()
        for row in self.rows(query):
            for item in row["_id"].get("m") or []:
                if not wants_modality(query, item["m"]):
                    continue
                cells[(row["_id"].get("p") or "(no project)", item["m"], item["s"])] += row["n"]
        return [CountRow(p, m, s, n) for (p, m, s), n in cells.items()]
