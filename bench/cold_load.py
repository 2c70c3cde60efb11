"""Bytes the overview's first (cold) and second (warm) load move, and when its rows and charts show, in Chromium.

    .venv/bin/python bench/cold_load.py [--assets 300] [--loads 5] [--responses] [--out FILE]

Generates the demo data (`qc-portal demo --no-serve`) into a scratch data dir, serves it
with the Docker image's command (bench/server.py), opens `/` in Debian's Chromium with an
empty cache, waits until the grid shows rows and the network is idle, and sums what
Chromium's DevTools protocol reports per response: `encodedDataLength` (bytes on the wire,
headers included) and the decoded body size, and when the first grid row and the first chart
appeared (`first_rows_ms`, `first_chart_ms`, from the navigation's start). Then it loads `/` again in the same browser
context (the HTTP cache kept) and counts what was fetched again versus served from cache.

A first row is a row with its data: an asset link in the name column. The infinite row model
paints its empty loading rows first (the same cells, no content), ~0.5 s earlier; until
2026-12-03 this counted those. `--loads N` repeats the pair (cold, warm) in N new browser
contexts on the same server and gives each figure's median; the first pair is also the
server's first load (its workers compress each static file once, then keep it). The load
average is read before and after: browser timings on a shared machine depend on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server import demo_server, emit  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def _load(context, url: str) -> dict:
    """One load of `url` in a new page of `context`: totals from the DevTools protocol."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    responses: dict[str, dict] = {}

    def on_response(event):
        response = event["response"]
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        responses[event["requestId"]] = {
            "url": response["url"], "cached": bool(response.get("fromDiskCache") or response.get("fromMemoryCache")),
            "status": response["status"], "encoding": headers.get("content-encoding", ""),
            "cache_control": headers.get("cache-control", ""),
        }

    def on_finished(event):
        if event["requestId"] in responses:
            responses[event["requestId"]]["wire"] = event["encodedDataLength"]

    def on_data(event):
        if event["requestId"] in responses:
            item = responses[event["requestId"]]
            item["body"] = item.get("body", 0) + event["dataLength"]

    served_from_cache: set[str] = set()

    def on_cached(event):
        served_from_cache.add(event["requestId"])  # the memory cache: no bytes moved

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.requestServedFromCache", on_cached)
    # When the first grid row and the first chart appeared, from the navigation's start (the
    # page's own clock: a MutationObserver installed before any of the page's scripts run).
    page.add_init_script(_SEEN)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector(_ROW, timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_load_state("networkidle")
    seen = page.evaluate("window.__qcSeen")
    page.close()
    for request_id in served_from_cache & responses.keys():
        responses[request_id]["cached"] = True
    items = list(responses.values())
    return {
        "first_rows_ms": round(seen.get("rows", -1)),
        "first_chart_ms": round(seen.get("chart", -1)),
        "requests": len(items),
        "wire_bytes": sum(i.get("wire", 0) for i in items),
        "body_bytes": sum(i.get("body", 0) for i in items),
        "from_cache": sum(1 for i in items if i["cached"]),
        "compressed_responses": sum(1 for i in items if i["encoding"]),
        "largest": sorted(((i.get("wire", 0), i["url"].split("?")[0].rsplit("/", 1)[-1]) for i in items),
                          reverse=True)[:5],
        "responses": sorted(([i.get("wire", 0), i["status"], i["encoding"], i["cache_control"],
                              "/" + i["url"].split("/", 3)[-1]] for i in items), reverse=True) if _VERBOSE else [],
    }


_VERBOSE = False
_ROW = "div[role=gridcell][col-id=name] a"  # a row with its data (not the grid's empty loading rows)
_SEEN = """
window.__qcSeen = {};
(function (row) {
  new MutationObserver(function () {
    var seen = window.__qcSeen;
    if (!seen.rows && document.querySelector(row)) { seen.rows = performance.now(); }
    if (!seen.chart && document.querySelector(".js-plotly-plot .main-svg")) { seen.chart = performance.now(); }
  }).observe(document, {childList: true, subtree: true});
})("ROW_SELECTOR");
""".replace("ROW_SELECTOR", _ROW)


def _medians(pairs: list[dict]) -> dict:
    """Each load's first_rows_ms / first_chart_ms, cold and warm, and their medians."""
    out = {}
    for key in ("first_rows_ms", "first_chart_ms"):
        for kind in ("cold", "warm"):
            values = [pair[kind][key] for pair in pairs]
            out[f"{kind}_{key}"] = {"median": statistics.median(values), "each": values}
    return out


def main() -> None:
    """Measure and print (or write) the cold and warm loads."""
    global _VERBOSE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=300)
    parser.add_argument("--loads", type=int, default=1, help="Cold and warm loads, each pair in a new context.")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--responses", action="store_true", help="List every response (size, status, headers).")
    args = parser.parse_args()
    _VERBOSE = args.responses
    from playwright.sync_api import sync_playwright

    with demo_server(args.assets, "qcp-coldload-") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        load_before = os.getloadavg()
        pairs = []
        for _ in range(max(1, args.loads)):
            context = browser.new_context()
            pairs.append({"cold": _load(context, server.base + "/"), "warm": _load(context, server.base + "/")})
            context.close()
        load_after = os.getloadavg()
        browser.close()
    # Bytes and requests of the first pair (the same in every pair); timings of all of them.
    result = {"assets": args.assets, "loads": len(pairs), **pairs[0], **_medians(pairs),
              "load_average_before": [round(x, 2) for x in load_before],
              "load_average_after": [round(x, 2) for x in load_after]}
    emit(result, args.out)

if __name__ == "__main__":
    main()
