"""Store benchmark: build a store of N synthetic assets and time its operations.

    python bench/run.py --assets 10000 --out bench/results/10k.json [--database URL]

Writes one JSON object: median milliseconds per operation (`*_ms`), the ingest rate,
and the peak Python memory each query path allocated (`*_peak_kb`, tracemalloc), which
must not grow with N. The data comes from the demo generator (portal.demo), so the
documents have realistic shapes; generation time is excluded from the ingest rate.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from bench.data import big_asset  # noqa: E402
from portal.demo import build_records  # noqa: E402
from portal.store.protocol import Annotation, AssetQuery, MetricEdit, Sort  # noqa: E402
from portal.store.sql.engine import make_engine  # noqa: E402
from portal.store.sql.store import SqlAssetStore  # noqa: E402

FLOOR_SQL = (
    "SELECT a.project, m.modality, m.status, count(*) FROM assets a "
    "JOIN asset_modalities m ON m.asset_id = a.id GROUP BY a.project, m.modality, m.status"
)


def timed(fn, repeat: int) -> tuple[float, float]:
    """(median ms, p99 ms) of `repeat` calls after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def peak_kb(fn) -> float:
    """Peak Python allocation of one call, in KiB."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 1024, 1)


def ingest(store, n: int, batch: int = 500) -> tuple[float, float]:
    """Generate and upsert n records; returns (ingest assets/s, generation records/s)."""
    records = build_records(n)
    spent_store = spent_gen = 0.0
    while True:
        start = time.perf_counter()
        chunk = list(islice(records, batch))
        spent_gen += time.perf_counter() - start
        if not chunk:
            break
        start = time.perf_counter()
        results = store.upsert_many(chunk, actor="bench")
        spent_store += time.perf_counter() - start
        failed = [r for r in results if r.action == "error"]
        if failed:
            raise SystemExit(f"ingest failed: {failed[0].name}: {failed[0].error}")
    return n / spent_store, n / max(spent_gen, 1e-9)


def run(n: int, database: str | None, repeat: int, extra=None) -> dict:
    """Build the store and measure every operation; `extra(url, repeat)` adds its figures."""
    with tempfile.TemporaryDirectory(prefix="qcportal-bench-") as scratch:
        url = database or f"sqlite:///{Path(scratch) / 'bench.db'}"
        store = SqlAssetStore(make_engine(url))
        ingest_rate, gen_rate = ingest(store, n)
        store.upsert_many([big_asset(200)], actor="bench")
        if store.engine.dialect.name == "sqlite":
            with store.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")  # what a long-running database has

        everything = AssetQuery()
        projects = list(store.facets()["project"])
        filtered = AssetQuery(project=tuple(projects[:2]), status=("Pending", "Fail"))
        total = store.list_assets(everything, limit=1).total
        deep = max(0, total - 100)
        deep_filtered = max(0, store.list_assets(filtered, limit=1).total - 100)
        by_acquired = Sort("acquired", True)
        by_pending = Sort("pending", True)

        def floor():
            with store.engine.connect() as connection:
                return connection.execute(text(FLOOR_SQL)).all()

        state = {"version": store.get("bench_200_metrics").version, "flip": 0}

        def annotate():
            state["flip"] ^= 1
            status = "Fail" if state["flip"] else "Pass"
            edit = MetricEdit("metric 007", status=status)
            result = store.annotate(Annotation("bench_200_metrics", state["version"], (edit,)), user="bench")
            state["version"] = result.version

        ops = {
            "counts": lambda: store.counts(everything),
            "counts_floor": floor,
            "status_totals": lambda: store.status_totals(everything),
            "counts_filtered": lambda: store.counts(filtered),
            "page_first": lambda: store.list_assets(everything, by_acquired, 0, 100),
            "page_deep": lambda: store.list_assets(everything, by_acquired, deep, 100),
            "page_filtered_first": lambda: store.list_assets(filtered, by_pending, 0, 100),
            "page_filtered_deep": lambda: store.list_assets(filtered, by_pending, deep_filtered, 100),
            "facets": store.facets,
            "get": lambda: store.get("bench_200_metrics"),
            "annotate": annotate,
        }
        result: dict = {
            "assets": total,
            "database": store.engine.dialect.name,
            "ingest_assets_per_s": round(ingest_rate, 1),
            "generate_records_per_s": round(gen_rate, 1),
        }
        for name, fn in ops.items():
            median, p99 = timed(fn, repeat)
            result[f"{name}_ms"] = round(median, 3)
            result[f"{name}_p99_ms"] = round(p99, 3)
        for name in ("counts", "page_first", "page_deep", "get", "facets"):
            result[f"{name}_peak_kb"] = peak_kb(ops[name])
        result["counts_vs_floor"] = round(result["counts_ms"] / result["counts_floor_ms"], 2)
        store.engine.dispose()
        if extra:
            result.update(extra(url, repeat))
    result["machine"] = f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}"
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return result


def main() -> None:
    """Parse arguments, run, write the JSON file and print it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=1000, help="number of synthetic assets")
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--database", help="SQLAlchemy URL (default: a scratch SQLite file)")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per operation")
    parser.add_argument("--detail", action="store_true",
                        help="also time the asset page on a 500-metric asset (bench/detail_bench.py)")
    parser.add_argument("--docdb", action="store_true",
                        help="time the DocDB store's pages on the local DocDB gateway instead (bench/docdb_bench.py)")
    parser.add_argument("--overview", action="store_true",
                        help="also time the overview and grid callbacks on this store and the first paint of / "
                             "(bench/overview_bench.py)")
    args = parser.parse_args()
    extra = None
    if args.overview:
        from bench.overview_bench import measure_url as extra
    if args.docdb:
        from bench.docdb_bench import measure as measure_docdb

        result = {"docdb": measure_docdb(args.assets, args.repeat)}
    else:
        result = run(args.assets, args.database, args.repeat, extra)
    if args.overview:
        from bench.overview_bench import first_paint

        result.update(first_paint())
        if "counts_floor_ms" in result:
            result["overview_vs_floor"] = round(result["overview_ms"] / result["counts_floor_ms"], 2)
    if args.detail:
        from bench.detail_bench import measure

        result["detail"] = measure(500, args.repeat)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
