"""Time the project page on the store, without HTTP: the view-model (portal.views.project) and
the view-model plus its component tree, for the largest project of a store.

    python bench/project_view.py --database /tmp/store100k.db          # an existing SQLite store
    python bench/project_view.py --assets 10000 --database /tmp/s.db   # build it first (demo records)

Prints the median and max wall time of `--repeat` calls and the median CPU time (the process's:
SQLite runs in it, so CPU time is what the page costs whatever else the machine runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.store.protocol import AssetQuery  # noqa: E402
from portal.store.sql.engine import make_engine  # noqa: E402
from portal.store.sql.store import SqlAssetStore  # noqa: E402
from portal.views.project import project_view  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float, float]:
    """(median wall ms, max wall ms, median CPU ms) of `repeat` calls after one warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        start, clock = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - clock) * 1000)
    return round(statistics.median(wall), 1), round(max(wall), 1), round(statistics.median(cpu), 1)


def main() -> None:
    """Build (optionally) and time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="SQLite file of the store")
    parser.add_argument("--assets", type=int, default=0, help="build the store with this many demo assets first")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    store = SqlAssetStore(make_engine(f"sqlite:///{args.database}"))
    if args.assets:
        from portal.demo import build_records

        store.upsert_many(build_records(args.assets), actor="bench")
    sizes: dict = {}
    for group in store.status_counts(AssetQuery(), "project"):
        if group.key:
            sizes[group.key] = sizes.get(group.key, 0) + group.n
    largest = max(sizes, key=sizes.get)
    import dash
    from flask import Flask

    from components.project import project_page

    app = dash.Dash(__name__, server=Flask("bench"))
    with app.server.test_request_context("/"):
        view = timed(lambda: project_view(store, largest), args.repeat)
        page = timed(lambda: project_page(project_view(store, largest)).to_plotly_json(), args.repeat)
    print(f"{largest} ({sizes[largest]:,} of {store.count_assets():,} assets), load {os.getloadavg()[0]:.2f}")
    print(f"view-model: median {view[0]} ms, max {view[1]} ms, CPU {view[2]} ms")
    print(f"view-model + components: median {page[0]} ms, max {page[1]} ms, CPU {page[2]} ms")


if __name__ == "__main__":
    main()
