"""DocDB store benchmark: the overview and grid pages against the local DocDB gateway.

    python bench/run.py --docdb --assets 10000 --repeat 1 --out bench/results/docdb_10000.json

The gateway (tests/docdb_gateway.py: the real client over HTTP, mongomock evaluating
the pipelines) is seeded with N demo records. For each page the portal renders, it
reports how many requests the portal sent, how many bytes came back, how long the
gateway spent answering (`server_ms`: mongomock's cost, far slower than DocumentDB's,
and the only part allowed to grow with N) and the portal's own time (`portal_ms` =
wall time - server time: HTTP, JSON and building the page's rows and counts).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.demo import build_records  # noqa: E402
from portal.store.docdb.client import make_client, parse_store_url  # noqa: E402
from portal.store.docdb.store import DocDbAssetStore  # noqa: E402
from portal.store.protocol import AssetQuery, Sort  # noqa: E402
from portal.store.sql.engine import make_engine  # noqa: E402
from portal.views.filters_url import parse_query  # noqa: E402
from portal.views.overview import filter_options, overview_view  # noqa: E402
from tests.docdb_gateway import DocDbGateway  # noqa: E402


def _seed(gateway: DocDbGateway, n: int) -> None:
    batch = []
    for index, record in enumerate(islice(build_records(n), n)):
        batch.append({**record, "_id": f"bench-{index:07d}"})
        if len(batch) == 1000:
            gateway.seed(batch)
            batch = []
    gateway.seed(batch)


def _pages(store: DocDbAssetStore, total: int) -> dict:
    """The portal's pages and page-parts, as the callbacks call the store."""
    newest = Sort("acquired", True)
    return {
        # The overview: totals, per-project and per-modality counts (views.overview_view)...
        "overview": lambda: overview_view(store, parse_query("")),
        # ...and its filter bar.
        "filter_bar": lambda: filter_options(store),
        # The grid: a 100-row block at the top, deep down, sorted by a computed column, filtered.
        "grid_first_page": lambda: store.list_assets(AssetQuery(), newest, 0, 100),
        "grid_deep_page": lambda: store.list_assets(AssetQuery(), newest, max(0, total - 150), 100),
        "grid_by_status": lambda: store.list_assets(AssetQuery(), Sort("status", False), 0, 100),
        "grid_failing": lambda: store.list_assets(AssetQuery(status=("Fail",)), newest, 0, 100),
        "asset": lambda: store.get("bench-0000007"),
    }


def measure(n_records: int, repeat: int = 1) -> dict:
    """Seed a local gateway with `n_records` demo records and measure each page `repeat` times.

    Returns {page: {requests, routes, bytes, server_ms, portal_ms, wall_ms}} (medians) plus
    the number of assets.
    """
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    gateway = DocDbGateway().start()
    try:
        started = time.perf_counter()
        _seed(gateway, n_records)
        seed_s = time.perf_counter() - started
        target = parse_store_url(gateway.store_url())
        # Generous timeout: mongomock needs minutes for a full scan of 10k records.
        client = make_client(target, timeout=3600, region="us-west-2", retries=0)
        with tempfile.TemporaryDirectory(prefix="qcportal-docdb-bench-") as scratch:
            store = DocDbAssetStore(client, target, make_engine(f"sqlite:///{Path(scratch) / 'portal.db'}"))
            result: dict = {"assets": n_records, "seed_s": round(seed_s, 1)}
            for name, page in _pages(store, n_records).items():
                samples = []
                for _ in range(max(1, repeat)):
                    gateway.reset()
                    began = time.perf_counter()
                    page()
                    wall = (time.perf_counter() - began) * 1000
                    served = list(gateway.served)
                    server = sum(ms for _route, ms, _size in served)
                    samples.append({
                        "requests": len(served),
                        "routes": [route for route, _ms, _size in served],
                        "bytes": sum(size for _route, _ms, size in served),
                        "server_ms": round(server, 1),
                        "portal_ms": round(wall - server, 1),
                        "wall_ms": round(wall, 1),
                    })
                result[name] = {
                    **samples[0],
                    **{key: round(statistics.median(s[key] for s in samples), 1)
                       for key in ("server_ms", "portal_ms", "wall_ms")},
                }
                print(f"  {name}: {result[name]}", file=sys.stderr, flush=True)
            store.engine.dispose()
    finally:
        gateway.stop()
    return result
