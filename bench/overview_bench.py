"""Overview benchmark: the server cost of the overview and the grid, and the first paint of `/`.

    python bench/overview_bench.py --assets 10000 [--repeat 30] [--database URL] [--no-browser]

Measured through the Dash endpoint (POST /_dash-update-component with the Flask test
client), i.e. callback + store + figures + JSON, not just the store:

- `overview_ms`: the overview callback recomputing the unfiltered page (as the back
  button triggers it); `overview_filtered_ms` with two filters (2 projects x Fail/Pending);
  `overview_store_ms`: the store calls alone that the overview makes, for comparison;
- `grid_page_ms` / `grid_deep_page_ms`: one 100-row grid block sorted by pending
  metrics, under those two filters, at offset 0 and at the last block;
  `grid_unfiltered_deep_ms`: the last block of everything, newest first;
- `project_page_ms`: the project page of the largest project (the pages callback);
- `first_paint_ms`: in headless Chromium on the demo data (300 assets), from navigation
  start (the browser's navigation timing origin) until the counts, the charts and the
  grid's first rows are on screen, cold cache (median of a few loads); `first_paint_warm_ms`
  the same with a warm cache; `fcp_ms` the browser's first-contentful-paint.

Each `*_ms` is a median with its p99 (`*_p99_ms`).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _stats(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return round(statistics.median(samples), 2), round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2)


def _timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return _stats(samples)


def measure_url(url: str, repeat: int = 30) -> dict:
    """Time the overview and grid callbacks over the database at `url` (already filled)."""
    from components import ids
    from portal import create_app
    from portal.settings import load_settings
    from portal.store.protocol import AssetQuery
    from portal.views.filters_url import to_search
    from portal.views.grid import filter_model
    from tests.dash_client import DashClient

    with tempfile.TemporaryDirectory(prefix="qcportal-overview-bench-") as scratch:
        app = create_app(load_settings(data_dir=Path(scratch), database=url, secret_key="bench"))
        store = app.server.extensions["qc_portal"].store
        dash_client = DashClient(app.server.test_client())
        projects = list(store.facets()["project"])
        filtered = AssetQuery(project=tuple(projects[:2]), status=("Fail", "Pending"))
        total = store.list_assets(AssetQuery(), limit=1).total
        filtered_total = store.list_assets(filtered, limit=1).total
        search = f"{ids.OVERVIEW_URL}.search"

        def overview_body(query: AssetQuery) -> bytes:
            return dash_client.body(search, {search: to_search(query)}, [search])

        def rows_body(query: AssetQuery, start: int, sort: list) -> bytes:
            request = {"startRow": start, "endRow": start + 100, "sortModel": sort, "filterModel": filter_model(query)}
            values = {f"{ids.OVERVIEW_GRID}.getRowsRequest": request, search: to_search(query)}
            return dash_client.body(f"{ids.OVERVIEW_GRID}.getRowsResponse", values,
                                    [f"{ids.OVERVIEW_GRID}.getRowsRequest"])

        by_pending = [{"colId": "pending", "sort": "desc"}]
        bodies = {
            "overview": overview_body(AssetQuery()),
            "overview_filtered": overview_body(filtered),
            "grid_page": rows_body(filtered, 0, by_pending),
            "grid_deep_page": rows_body(filtered, max(0, filtered_total - 100), by_pending),
            "grid_unfiltered_deep": rows_body(AssetQuery(), max(0, total - 100), []),
        }
        result: dict = {"assets": total, "grid_filtered_rows": filtered_total}
        for name, body in bodies.items():
            status, data = dash_client.post(body)
            if status != 200 or not data:
                raise RuntimeError(f"{name}: the callback answered {status}")
            if name.startswith("grid"):
                answer = data["response"][ids.OVERVIEW_GRID]["getRowsResponse"]
                if len(answer["rowData"]) != min(100, answer["rowCount"]):
                    raise RuntimeError(f"{name}: {len(answer['rowData'])} rows of {answer['rowCount']}")
            result[f"{name}_ms"], result[f"{name}_p99_ms"] = _timed(lambda b=body: dash_client.post(b), repeat)

        def store_calls():
            store.status_totals(AssetQuery())
            store.status_counts(AssetQuery(), "project")
            store.counts(AssetQuery())

        result["overview_store_ms"], result["overview_store_p99_ms"] = _timed(store_calls, repeat)
        # The project page of the largest project (the Dash pages callback builds it).
        largest = max(store.status_counts(AssetQuery(), "project"), key=lambda g: g.n).key
        page = dash_client.body("_pages_content.children", {"_pages_location.pathname": f"/project/{largest}",
                                                            "_pages_location.search": ""},
                                ["_pages_location.pathname"])
        result["project_page_ms"], result["project_page_p99_ms"] = _timed(lambda: dash_client.post(page),
                                                                          max(3, repeat // 5))
        result["overview_vs_store"] = round(result["overview_ms"] / max(result["overview_store_ms"], 1e-6), 2)
        store.engine.dispose()
    return result


def first_paint(n_assets: int = 300, loads: int = 5) -> dict:
    """Cold and warm first paint of `/` in headless Chromium over the demo data set."""
    import logging

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.demo import write_demo
    from portal.settings import load_settings
    from portal.transfer.ingest import find_sources, ingest_items, source_items

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="qcportal-paint-bench-") as scratch:
        data = Path(scratch)
        app = create_app(load_settings(data_dir=data, secret_key="bench"))
        store = app.server.extensions["qc_portal"].store
        ingest_items(store, source_items(find_sources([str(write_demo(data, n_assets))])), actor="bench")
        server = make_server("127.0.0.1", 0, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/"
        cold, warm, fcp = [], [], []
        try:
            with sync_playwright() as playwright:
                chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                      args=CHROMIUM_ARGS)
                for _ in range(loads):
                    context = chromium.new_context(viewport={"width": 1400, "height": 900})
                    page = context.new_page()
                    for samples in (cold, warm):  # a new context has an empty cache; the reload a warm one
                        page.goto(url) if samples is cold else page.reload()
                        page.locator("[data-count=total]").wait_for()
                        page.locator("#overview-chart-heatmap .heatmaplayer, #overview-chart-heatmap g.hm").first \
                            .wait_for(state="attached")
                        page.locator("div[role=gridcell][col-id=name] a").first.wait_for()
                        samples.append(page.evaluate("() => performance.now()"))
                        if samples is cold:
                            fcp.append(page.evaluate(
                                "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
                                " || 0"))
                    context.close()
                chromium.close()
        finally:
            server.shutdown()
            store.engine.dispose()
    result = {"first_paint_assets": n_assets}
    result["first_paint_ms"], result["first_paint_p99_ms"] = _stats(cold)
    result["first_paint_warm_ms"], result["first_paint_warm_p99_ms"] = _stats(warm)
    result["fcp_ms"] = _stats(fcp)[0]
    return result


def measure(n_assets: int, repeat: int = 30, *, browser: bool = True, database: str | None = None) -> dict:
    """Build a store of `n_assets` demo assets and measure everything above."""
    from bench.run import ingest
    from portal.store.sql.engine import make_engine
    from portal.store.sql.store import SqlAssetStore

    with tempfile.TemporaryDirectory(prefix="qcportal-overview-bench-") as scratch:
        url = database or f"sqlite:///{Path(scratch) / 'bench.db'}"
        store = SqlAssetStore(make_engine(url))
        ingest(store, n_assets)
        if store.engine.dialect.name == "sqlite":
            with store.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        store.engine.dispose()
        result = measure_url(url, repeat)
    if browser:
        result.update(first_paint())
    return result


def main() -> None:
    """Run and print the figures as JSON."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database (default: scratch SQLite)")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure(args.assets, args.repeat, browser=not args.no_browser, database=args.database),
                     indent=2))


if __name__ == "__main__":
    main()
