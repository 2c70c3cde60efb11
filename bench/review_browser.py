"""The review queue in Chromium: how soon the next item shows after a key press, and how many
key presses clearing N Pending Pass/Fail metrics takes.

    .venv/bin/python bench/review_browser.py [--assets 300] [--items 20] [--out FILE]

Generates the demo data (`qc-portal demo --no-serve`) into a scratch data dir, adds an
annotator, serves it with the Docker image's command (bench/server.py), signs in in Debian's
Chromium and opens `/review` on the project with the most Pending metrics. Then it presses
`p` (every third item `f`; in a project with fail reasons `f` then `1`) for `--items` items
and measures, on the page's own clock, from each key press to the next item being in the
page (a new `data-render` on `[data-review-item]`): `next_ms` median / p90 / max. It also
counts the key presses (`presses`) and whether each item's reference image had been loaded
before it was shown (`prefetched`: served from the browser's cache, thanks to the hidden
prefetch of the previous item).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server import demo_server, emit  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PASSWORD = "bench review password"
_CLOCK = """
window.__qcPress = null; window.__qcShown = [];
document.addEventListener("keydown", function () { window.__qcPress = performance.now(); }, true);
new MutationObserver(function () {
  var node = document.querySelector("[data-review-item]");
  var render = node && node.getAttribute("data-render");
  if (render && render !== window.__qcRender) {
    window.__qcRender = render; window.__qcRenderAt = performance.now();
    if (window.__qcPress !== null) {
      window.__qcShown.push(performance.now() - window.__qcPress);
      window.__qcPress = null;
    }
  }
}).observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ["data-render"]});
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _busiest_project(base: str, session) -> str:
    """The project with the most assets whose status is Pending (`/api/v1/summary?by=project`)."""
    groups = session.get(base + "/api/v1/summary", params={"by": "project"}, timeout=30).json()["groups"]
    pending = [g for g in groups if g["status"] == "Pending" and g["key"]]
    return max(pending, key=lambda g: g["n"])["key"] if pending else ""


def measure(base: str, items: int) -> dict:
    """Clear `items` queue items in Chromium against the portal at `base` (signed in as `bench`)."""
    import requests
    from playwright.sync_api import sync_playwright

    project = _busiest_project(base, requests.Session())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base + "/login")
        page.fill("#username", "bench")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.add_init_script(_CLOCK)
        page.goto(f"{base}/review?project={requests.utils.quote(project)}")
        page.wait_for_selector("[data-review-item]", timeout=60_000)
        presses = 0
        prefetched = with_image = 0
        for number in range(items):
            node = page.locator("[data-review-item]")
            before = node.get_attribute("data-render")
            image = page.locator("[data-review-item] .review-reference img").first
            if image.count():
                with_image += 1
                source = image.get_attribute("src")
                # Prefetched: the image had finished loading before the item was put in the page.
                prefetched += bool(page.evaluate(
                    "src => { const e = performance.getEntriesByName(new URL(src, location.href).href); "
                    "return e.length > 0 && e[0].responseEnd <= window.__qcRenderAt; }", source))
            reasons = int(node.get_attribute("data-reasons") or 0)
            keys = ["f", "1"] if number % 3 == 0 and reasons else (["f"] if number % 3 == 0 else ["p"])
            for key in keys:
                page.keyboard.press(key)
                presses += 1
            page.wait_for_function(
                "b => { const n = document.querySelector('[data-review-item]'); return "
                "document.querySelector('[data-review-empty]') || (n && n.getAttribute('data-render') !== b); }",
                arg=before, timeout=30_000)
            if page.locator("[data-review-empty]").count():
                break
        shown = page.evaluate("window.__qcShown")
        browser.close()
    return {"project": project, "items": len(shown), "presses": presses,
            "next_ms_median": round(statistics.median(shown), 1) if shown else None,
            "next_ms_p90": round(_percentile(shown, 0.9), 1) if shown else None,
            "next_ms_max": round(max(shown), 1) if shown else None, "items_with_image": with_image,
            "prefetched_images": prefetched}


def main() -> None:
    """Generate, serve, measure, print (or write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=300)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with demo_server(args.assets, "qcp-review-", (("bench", "annotator", PASSWORD),)) as server:
        with open("/proc/loadavg") as handle:
            load_before = handle.read().split()[:3]
        result = {"assets": args.assets, **measure(server.base, args.items), "load_average_before": load_before}
    emit(result, args.out)

if __name__ == "__main__":
    main()
