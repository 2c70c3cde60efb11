"""Bytes the overview's first (cold) and second (warm) load move, measured in Chromium.

    .venv/bin/python bench/cold_load.py [--assets 300] [--out FILE]

Generates the demo data (`qc-portal demo --no-serve`) into a scratch data dir, serves it
with the Docker image's command (bench/server.py), opens `/` in Debian's Chromium with an
empty cache, waits until the grid shows rows and the network is idle, and sums what
Chromium's DevTools protocol reports per response: `encodedDataLength` (bytes on the wire,
headers included) and the decoded body size, and when the first grid row and the first chart
appeared (`first_rows_ms`, `first_chart_ms`, from the navigation's start). Then it loads `/` again in the same browser
context (the HTTP cache kept) and counts what was fetched again versus served from cache.
"""

from __future__ import annotations

import argparse
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
    page.wait_for_selector("div[role=gridcell][col-id=name]", timeout=60_000)
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
_SEEN = """
window.__qcSeen = {};
new MutationObserver(function () {
  var seen = window.__qcSeen;
  if (!seen.rows && document.querySelector("div[role=gridcell][col-id=name]")) { seen.rows = performance.now(); }
  if (!seen.chart && document.querySelector(".js-plotly-plot .main-svg")) { seen.chart = performance.now(); }
}).observe(document, {childList: true, subtree: true});
"""


def main() -> None:
    """Measure and print (or write) the cold and warm loads."""
    global _VERBOSE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=300)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--responses", action="store_true", help="List every response (size, status, headers).")
    args = parser.parse_args()
    _VERBOSE = args.responses
    from playwright.sync_api import sync_playwright

    with demo_server(args.assets, "qcp-coldload-") as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        result = {"assets": args.assets, "cold": _load(context, server.base + "/"),
                  "warm": _load(context, server.base + "/")}
        browser.close()
    emit(result, args.out)

if __name__ == "__main__":
    main()
