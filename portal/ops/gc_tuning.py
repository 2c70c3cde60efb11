"""The garbage collector's settings for a serving worker.

A worker's startup leaves ~10^6 long-lived objects (Dash's layouts and callback map, the
schema's pydantic validators, SQLAlchemy's tables). Each full collection walks them all,
and a request that reads a large document allocates enough to trigger several: on the asset
page of 500 metrics that was a fifth of the median CPU and twice the p99 (bench/README.md,
"Where the CPU goes"). `gc.freeze()` moves the startup objects out of the collector's view
(they stay alive anyway), and a larger first threshold collects the young generation less
often; cycles are still collected, memory stays bounded.

`qc-portal ingest` is the same shape of work in a process of its own: with CPython's default
threshold (700) the collector ran ~130 young and one full collection per 2,000 small records,
~60 us of each asset's ~650 us (bench/README.md, "Ingest"). It takes the worker's threshold
for the command's duration (`fewer_collections`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython's default: 700)


def tune_for_serving() -> None:
    """Collect once, freeze what startup built, and raise the young generation's threshold."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The serving threshold for the young generation while the block runs, then the previous
    settings back (a command run in-process, as the tests run them, leaves no trace)."""
    before = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
