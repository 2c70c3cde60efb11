"""The benchmark: N synthetic assets, measured through the running app.

    python bench/run.py --assets 10000 --out bench/results/10k.json

One command builds a scratch store (SQLite, or `--database URL`) of N demo assets plus a
500-metric asset, starts the Docker image's command (gunicorn with gunicorn.conf.py and
its default workers and threads) on 127.0.0.1 over it, and writes one JSON object:

- over HTTP (bench/http_bench.py): `overview_ms`, `grid_page_ms`, `grid_deep_page_ms`,
  `detail_ms` (500 metrics), `submit_ms`, `summary_ms` (REST), each with `*_p99_ms`;
- the store's floor for the overview (`counts_floor_ms`, `overview_floor_ms`) and the
  naive load-every-document baseline (`naive_overview_ms`) at the same N (bench/naive.py);
- the other floors, measured right after the HTTP figures (bench/floors.py): the request
  overhead (`static_floor_ms`), the cheapest Dash callback (`dash_floor_ms`), the raw SQL of
  the grid block, the asset page, a submit and the project page (`grid_floor_ms`,
  `detail_floor_ms`, `submit_floor_ms`, `project_floor_ms`) and a CPU yardstick
  (`cpu_floor_ms`); `ratios`: each figure over its floors (reads the same on a faster or a
  busier machine);
- `store`: the store's own operations called directly (`*_ms`, `*_p99_ms`, `*_peak_kb`);
- the gunicorn workers' resident memory after the HTTP run and after the load test;
- the load test (bench/load.py): wrk, a realistic mix for `--load-seconds`, bounded by
  `--max-requests`: req/s, p50, p99, errors, and the workers' CPU time per request
  (`*_cpu_ms_per_request`; cores x 1000 / it = `*_cpu_bound_req_per_s`, the rate with
  the machine to themselves); then the same mix while an annotation commits every 0.1 s
  from this process (`load_with_writes_*`: what the workers keep while nothing changes is
  then mostly a miss), and, as a diagnosis, the mix without its project page
  (`load_without_project_page_*`);
- the review queue (bench/review_bench.py): `review_queue_ms` (the store's first page),
  `review_page_ms`, `review_next_ms`, `review_decide_ms` (a decision saved and the next
  item served, over HTTP);
- `targets`: each target of the issue, met or not; the machine and its load average.

`--small` fills the store with bench/small.py's ~5-metric documents (`small_records(n)`)
instead of the demo's ~21-metric ones: the 1M-asset run, whose demo documents would not fit
the time or the disk; `documents` in the JSON says which. `--database
postgresql+psycopg://...` runs everything on PostgreSQL (an empty database).

`--docdb` measures the DocDB store on the local gateway instead (bench/docdb_bench.py);
`--overview` / `--detail` add the older in-process and browser figures under `in_process`.
"""

from __future__ import annotations

import argparse
import json
import os
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

from bench.data import big_asset  # noqa: E402
from bench.http_bench import largest_project  # noqa: E402
from portal.demo import build_records  # noqa: E402
from portal.store.protocol import Annotation, AssetQuery, MetricEdit, Sort  # noqa: E402
from portal.store.sql.engine import make_engine  # noqa: E402
from portal.store.sql.store import SqlAssetStore  # noqa: E402
from portal.views.project import project_view  # noqa: E402

DETAIL_METRICS = 500
# The run's sizes: the full benchmark, and --quick (the smoke run in the test suite: every
# figure is produced, from few samples; a minute at most on 2 shared cores at 200 assets).
FULL = {"repeat": 30, "load_seconds": 30, "connections": 16, "max_requests": 30_000}
QUICK = {"repeat": 3, "load_seconds": 2, "connections": 4, "max_requests": 2_000, "naive_runs": 1}
WRITE_EVERY_S = 0.1  # the load test with writes: 10 annotations a second
BENCH_USER = ("bench", "bench password 1")  # a scratch account in a scratch database


def timed(fn, repeat: int) -> tuple[float, float]:
    """(median ms, p99 ms) of `repeat` calls after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return round(statistics.median(samples), 3), round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 3)


def peak_kb(fn) -> float:
    """Peak Python allocation of one call, in KiB."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return round(peak / 1024, 1)


def ingest(store, n: int, batch: int = 500, *, small: bool = False) -> tuple[float, float]:
    """Generate and upsert n records (`small`: bench.small's ~5-metric documents); returns
    (ingest assets/s, generation records/s)."""
    if small:
        # Imported here only: the smoke run (and a checkout without bench/small.py) never needs it.
        from bench.small import small_records

        records = small_records(n)
    else:
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


def build(store, n: int, scratch: Path, *, small: bool = False) -> dict:
    """Fill `store`: n demo assets (`small`: ~5-metric ones), a 200-metric asset (store ops) and
    the 500-metric asset whose reference files exist (the detail page and the load test's images)."""
    from bench.detail_bench import _reference_files
    from portal.references.roots import remember_root

    ingest_rate, gen_rate = ingest(store, n, small=small)
    detail = big_asset(DETAIL_METRICS)
    folder = scratch / "assets" / detail["name"]
    _reference_files(folder, detail)
    detail["location"] = str(folder)
    # The scratch folder is not under the data dir: remember it as an asset root, as ingest does.
    remember_root(store.engine, scratch / "assets", by="bench")
    store.upsert_many([big_asset(200), detail], actor="bench")
    with store.engine.begin() as connection:
        # The planner's statistics a long-running database has (SQLite keeps none until
        # ANALYZE; PostgreSQL's autovacuum would gather them at some point during the run).
        connection.exec_driver_sql("ANALYZE")
    return {"ingest_assets_per_s": round(ingest_rate, 1), "generate_records_per_s": round(gen_rate, 1)}


def store_ops(store, repeat: int) -> dict:
    """The store's operations called directly (no HTTP, no Dash): median, p99, peak memory."""
    everything = AssetQuery()
    projects = list(store.facets()["project"])
    filtered = AssetQuery(project=tuple(projects[:2]), status=("Pending", "Fail"))
    total = store.list_assets(everything, limit=1).total
    deep = max(0, total - 100)
    deep_filtered = max(0, store.list_assets(filtered, limit=1).total - 100)
    by_acquired, by_pending = Sort("acquired", True), Sort("pending", True)
    state = {"version": store.get("bench_200_metrics").version, "flip": 0}

    def annotate():
        state["flip"] ^= 1
        edit = MetricEdit("metric 007", status="Fail" if state["flip"] else "Pass")
        state["version"] = store.annotate(Annotation("bench_200_metrics", state["version"], (edit,)),
                                          user="bench").version

    largest = largest_project(store)

    ops = {
        "project_view": lambda: project_view(store, largest),  # the project page's view-model (issue 16)
        "counts": lambda: store.counts(everything),
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
    result: dict = {}
    for name, fn in ops.items():
        result[f"{name}_ms"], result[f"{name}_p99_ms"] = timed(fn, repeat)
    for name in ("counts", "page_first", "page_deep", "get", "facets"):
        result[f"{name}_peak_kb"] = peak_kb(ops[name])
    return result


def machine() -> dict:
    """What the figures ran on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"uname": " ".join(platform.uname()), "cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_version(), "load_average": [round(x, 2) for x in os.getloadavg()]}


TARGETS = (  # (key, test, description) at 100k assets on 2 cores
    ("overview", lambda r: r["overview_ms"] <= 50, "overview <= 50 ms"),
    ("overview_vs_floor", lambda r: r["overview_ms"] <= 2 * r["counts_floor_ms"], "overview <= 2x counts floor"),
    ("grid_page", lambda r: max(r["grid_page_ms"], r["grid_deep_page_ms"], r["grid_unfiltered_deep_ms"]) <= 30,
     "grid page <= 30 ms at any offset"),
    ("detail", lambda r: r["detail_ms"] <= 300, "detail (500 metrics) <= 300 ms"),
    ("submit", lambda r: r["submit_ms"] <= 50, "submit <= 50 ms"),
    ("naive", lambda r: r["naive_overview_ms"] >= 100 * r["overview_ms"], ">= 100x faster than naive"),
    ("rss", lambda r: r["memory_after_load"]["worker_rss_max_mb"] <= 300, "worker RSS <= 300 MB"),
    ("load_rate", lambda r: r.get("load_req_per_s", 0) >= 300, "load mix >= 300 req/s"),
    ("load_p99", lambda r: r.get("load_p99_ms", 1e9) <= 250, "load p99 <= 250 ms"),
    ("load_errors", lambda r: r.get("load_errors", 1) == 0, "load 0 errors"),
    ("review_decide", lambda r: r["review_decide_ms"] <= 50, "review: decision saved + next item <= 50 ms"),
    ("review_queue", lambda r: r["review_queue_ms"] <= 50, "review queue's first page <= 50 ms"),
)


def targets(result: dict) -> dict:
    """{target: {"met": bool, "what": description}} (None when it was not measured)."""
    out = {}
    for key, test, what in TARGETS:
        try:
            out[key] = {"met": bool(test(result)), "what": what}
        except (KeyError, TypeError):
            out[key] = {"met": None, "what": what}
    return out


def run_http(n: int, database: str | None, args) -> dict:
    """Build the store, measure the floors and the naive baseline, then everything over HTTP."""
    from bench import floors, http_bench, load, naive, review_bench, server
    from portal.accounts.users import UserStore

    result: dict = {"machine": machine(), "started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="qcportal-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        url = database or f"sqlite:///{scratch / 'bench.db'}"
        store = SqlAssetStore(make_engine(url))
        result.update(build(store, n, scratch, small=args.small))
        result["documents"] = "small" if args.small else "demo"
        result["assets"] = store.list_assets(AssetQuery(), limit=1).total
        result["database"] = store.engine.dialect.name
        result.update(naive.floors(store.engine, timed, args.repeat))
        result.update(naive.naive(store.engine, args.naive_runs or (3 if n <= 10_000 else 1)))
        if not args.no_store_ops:
            result["store"] = store_ops(store, args.repeat)
        UserStore(store.engine).add(BENCH_USER[0], "annotator", BENCH_USER[1], "Bench Reviewer")

        gunicorn = server.start(url, scratch)
        try:
            result["server"] = {"command": " ".join(gunicorn.command), "workers": len(server.worker_pids(gunicorn)),
                                "threads": gunicorn.env.get("QC_PORTAL_THREADS", "default")}
            detail = big_asset(DETAIL_METRICS)["name"]
            result.update(http_bench.measure(gunicorn.base, store, args.repeat, detail, BENCH_USER,
                                             cpu=lambda: server.worker_cpu_seconds(gunicorn)))
            # Right after the figures they divide, with the server idle: the machine as it was then.
            result.update(floors.store_floors(store.engine, timed, args.repeat, grid_call=http_bench.grid_block(store),
                                              detail=detail, project=largest_project(store)))
            result.update(floors.cpu_floor(args.repeat))
            result.update(review_bench.measure(gunicorn.base, store, args.repeat, BENCH_USER, timed,
                                               cpu=lambda: server.worker_cpu_seconds(gunicorn)))
            result["memory_after_http"] = server.worker_memory(gunicorn)
            if not args.no_load:
                images = [f"/references/{detail}/qc/probe{i}/metric_{i:03d}.png" for i in range(8)]
                mix = load.build_mix(gunicorn.base, store, images, summary=result.get("summary_ms") is not None)
                result.update(_load(server, load, gunicorn, mix, scratch, args, "load"))
                result["memory_after_load"] = server.worker_memory(gunicorn)
                result.update(load.cpu_by_kind(gunicorn.base, mix, lambda: server.worker_cpu_seconds(gunicorn),
                                               at_least=10 if args.quick else 100))
                # The same mix while a reviewer's annotation commits every WRITE_EVERY_S: what the
                # workers keep is stale after each (a request's cost when its kept result is a miss).
                with load.writes_every(http_bench.writer(store), WRITE_EVERY_S) as writes:
                    result.update(_load(server, load, gunicorn, mix, scratch, args, "load_with_writes"))
                result["load_with_writes_commits"] = writes["commits"]
                # A diagnosis, not the result: the same mix without its one project page
                # (the one page whose cost grows with the project's size).
                result.update(_load(server, load, gunicorn, [m for m in mix if m[0] != "project"], scratch, args,
                                    "load_without_project_page"))
            else:
                result["memory_after_load"] = server.worker_memory(gunicorn)
        finally:
            status = gunicorn.stop()
            store.engine.dispose()
        errors = [line for line in gunicorn.output().splitlines() if " ERROR " in line or "Traceback" in line]
        result["server"].update(exit_status=status, error_lines=len(errors), first_error=errors[0] if errors else None)
    result["overview_vs_floor"] = round(result["overview_ms"] / result["counts_floor_ms"], 2)
    result["overview_vs_overview_floor"] = round(result["overview_ms"] / result["overview_floor_ms"], 1)
    result["naive_vs_overview"] = round(result["naive_overview_ms"] / result["overview_ms"], 1)
    result["ratios"] = floors.ratios(result)
    result["targets"] = targets(result)
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return result


def _load(server, load, gunicorn, mix: list, scratch: Path, args, prefix: str) -> dict:
    """One wrk run, with the workers' CPU time per request: on a shared machine the rate
    depends on what else runs, the CPU a request costs much less; cores x 1000 / that is
    the rate the workers could serve with the machine to themselves."""
    cpu = server.worker_cpu_seconds(gunicorn)
    figures = load.run_wrk(gunicorn.base, mix, scratch, seconds=args.load_seconds, connections=args.connections,
                           max_requests=args.max_requests, prefix=prefix)
    requests = figures.get(f"{prefix}_requests")
    if requests:
        per_request = (server.worker_cpu_seconds(gunicorn) - cpu) * 1000 / requests
        figures[f"{prefix}_cpu_ms_per_request"] = round(per_request, 2)
        figures[f"{prefix}_cpu_bound_req_per_s"] = round((os.cpu_count() or 1) * 1000 / per_request, 1)
    return figures


def _in_process(args, result: dict) -> None:
    """The older in-process figures (Dash test client; Chromium), under `in_process`."""
    extra: dict = {}
    if args.overview:
        from bench.overview_bench import first_paint, measure

        extra.update(measure(args.assets, args.repeat, browser=False, database=args.database))
        extra.update(first_paint())
    if args.detail:
        from bench.detail_bench import measure as measure_detail

        extra["detail"] = measure_detail(DETAIL_METRICS, args.repeat)
    if extra:
        result["in_process"] = extra


def main() -> None:
    """Parse arguments, run, write the JSON file and print it."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=1000, help="number of synthetic assets")
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database (default: a scratch SQLite file)")
    parser.add_argument("--small", action="store_true",
                        help="documents of ~5 metrics (bench/small.py's small_records) instead of the demo's ~21: "
                             "the 1M-asset run")
    quick = ", ".join(f"--{key.replace('_', '-')} {value}" for key, value in QUICK.items())
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke run (tests/test_bench_smoke.py): every figure from few samples and a short "
                             f"load test ({quick}); its timings mean little")
    parser.add_argument("--repeat", type=int, help=f"timed requests per figure (default {FULL['repeat']})")
    parser.add_argument("--naive-runs", type=int, help="passes of the naive baseline (default 3; 1 above 10k)")
    parser.add_argument("--load-seconds", type=int, help=f"length of the load test (default {FULL['load_seconds']})")
    parser.add_argument("--connections", type=int,
                        help=f"concurrent connections of the load test (default {FULL['connections']})")
    parser.add_argument("--max-requests", type=int,
                        help=f"request budget of the load test (default {FULL['max_requests']})")
    parser.add_argument("--no-load", action="store_true", help="skip the load test")
    parser.add_argument("--no-store-ops", action="store_true", help="skip the direct store operations")
    parser.add_argument("--docdb", action="store_true",
                        help="time the DocDB store's pages on the local DocDB gateway instead (bench/docdb_bench.py)")
    parser.add_argument("--overview", action="store_true",
                        help="also the in-process overview figures and the first paint in Chromium")
    parser.add_argument("--detail", action="store_true",
                        help="also the in-process asset page figures and the time to interactive in Chromium")
    args = parser.parse_args()
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:  # an option given explicitly wins over --quick
            setattr(args, key, value)
    if args.docdb:
        from bench.docdb_bench import measure as measure_docdb

        result = {"docdb": measure_docdb(args.assets, args.repeat)}
    else:
        result = run_http(args.assets, args.database, args)
        _in_process(args, result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
