"""DocDB-shaped demo records with realistic `quality_control` documents.

`build_records(n, seed)` yields the records lazily: first a fixed *showcase*
(`portal.demo.showcase`) that exercises every value and reference kind the portal
handles, then a seeded *bulk* stream (`portal.demo.bulk`) shaped like AIND's
database: projects and platforms, raw assets and their derived (sorted/processed)
assets, subjects reused over weeks, acquisitions spread over 18 months, QC documents
with 5-200 metrics and a realistic status mix.
"""

from __future__ import annotations

from collections.abc import Iterator

from portal.demo.bulk import bulk_records
from portal.demo.showcase import SHOWCASE_SIZE, showcase_records

__all__ = ["SHOWCASE_SIZE", "build_records"]


def build_records(n_assets: int, seed: int = 7) -> Iterator[dict]:
    """Yield `n_assets` DocDB-shaped demo records, deterministically for `seed`.

    The first `SHOWCASE_SIZE` records are the fixed showcase (every value and
    reference kind; the same for every seed); the rest are a seeded bulk stream.
    Records are generated lazily, so memory does not grow with `n_assets`.
    """
    if n_assets <= 0:
        return
    count = 0
    for rec in showcase_records():
        if count >= n_assets:
            return
        yield rec
        count += 1
    yield from bulk_records(n_assets - count, seed)
