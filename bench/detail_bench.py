"""Asset page benchmark: a 500-metric asset, measured the way a reviewer meets it.

    python bench/detail_bench.py [--metrics 500] [--repeat 30] [--no-browser] [--profile] [--trace PATH]

- `detail_ms`: server time to build the page (the Dash pages callback for
  `/asset/<name>`, as a signed-in annotator, through the Flask test client), with another
  reviewer's annotation of another asset committed before each (untimed), so the document
  read the app keeps while the store is unchanged is a miss; `detail_kept_ms` the same with
  nothing written between (portal.views.remembered);
- `submit_ms`: one annotation round trip (a status change POSTed to the write
  callback at /_dash-update-component, applied by the store), a reviewer's next submit
  on the asset: the worker starts from the document it wrote last (portal.review.loaded);
- `submit_miss_ms`: the same when the worker holds no document for the asset (its first
  submit there, or another worker wrote last): the stored document is loaded whole;
- `tti_ms`: in headless Chromium, from navigation start until the navigator and the
  first node's cards are on screen (median of a few loads); `context_ms`: until every numeric
  card shows its project distribution (or the note saying why it has none).

Each as a median with its p99 (`*_p99_ms`); `detail_ms` and `submit_ms` are the process's CPU
time (the test client runs in it, so this is the server's work, steady on a shared machine).
`--profile` prints where that CPU goes (cProfile's top functions) to stderr.
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

from bench.data import big_asset, first_metric_key  # noqa: E402

PASSWORD = "bench password 1"  # a scratch account in a scratch database


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return round(statistics.median(samples), 2), round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 2)


def _callback(client, output_prefix: str | None = None, input_id: str | None = None) -> dict:
    deps = client.get("/_dash-dependencies").get_json()
    for dep in deps:
        if output_prefix and dep["output"].lstrip(".").startswith(output_prefix):
            return dep
        if input_id and any(i["id"] == input_id for i in dep["inputs"]):
            return dep
    raise LookupError(output_prefix or input_id)


def _outputs(spec: str) -> list[dict]:
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


def _post(client, dep: dict, inputs: list[dict], state: list[dict]):
    body = {"output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": inputs,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"], "state": state}
    # A browser marks the portal's own requests; the CSRF rule needs that with a session cookie.
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                           headers={"Sec-Fetch-Site": "same-origin"})
    if response.status_code != 200:
        raise RuntimeError(f"callback answered {response.status_code}: {response.get_data(as_text=True)[:200]}")
    return response


def _reference_files(folder: Path, record: dict) -> None:
    """The PNGs the asset's metrics name (tiny, all alike)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    sample = folder / ".sample.png"
    Image.new("RGB", (64, 48), (40, 120, 180)).save(sample)
    for metric in record["quality_control"]["metrics"]:
        target = folder / metric["reference"]
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.hardlink_to(sample)


def _profiled(fn, repeat: int, out: dict, label: str, between=None) -> list[float]:
    """Time `fn` `repeat` times (ms); with `out` not None, under cProfile, and put the 25
    functions with the most cumulative time into `out[label]` (where the CPU goes).
    `between`, if given, is called before each call, untimed."""
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile() if out is not None else None
    samples = []
    for _ in range(repeat):
        if between is not None:
            between()
        start = time.process_time()  # CPU time: steady on a shared machine, unlike wall time
        if profile is not None:
            profile.runcall(fn)
        else:
            fn()
        samples.append((time.process_time() - start) * 1000)
    if profile is not None:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(25)
        out[label] = text.getvalue()
    return samples


def measure(n_metrics: int = 500, repeat: int = 30, browser: bool = True, profile: bool = False,
            trace: str | None = None) -> dict:
    """Build a portal with one `n_metrics`-metric asset and time the page and a submit
    (`profile`: under cProfile, the top functions of each under `profile` in the result;
    `trace`: a Chromium trace of the last browser load written there)."""
    profiles: dict | None = {} if profile else None
    from components import ids
    from portal import create_app
    from portal.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="qcportal-detail-bench-") as scratch:
        data = Path(scratch)
        app = create_app(load_settings(data_dir=data / "data", secret_key="bench"))
        portal = app.server.extensions["qc_portal"]
        record = big_asset(n_metrics)
        folder = data / "assets" / record["name"]
        _reference_files(folder, record)
        record["location"] = str(folder)
        from portal.references.roots import remember_root

        remember_root(portal.users.engine, data / "assets", by="bench")  # outside the data dir: an asset root
        # A second, small asset: another reviewer's annotations of it make what the app keeps
        # stale (portal.views.remembered) without touching the measured asset.
        portal.store.upsert_many([record, big_asset(8, name="bench_other_asset")], actor="bench")
        portal.users.add("bench", "annotator", PASSWORD, "Bench Reviewer")
        name = record["name"]

        from portal.ops.gc_tuning import tune_for_serving

        tune_for_serving()  # as portal.wsgi does in each gunicorn worker
        client = app.server.test_client()
        client.post("/login", data={"username": "bench", "password": PASSWORD})
        pages = _callback(client, output_prefix="_pages_content.children")
        inputs = [{"id": "_pages_location", "property": "pathname", "value": f"/asset/{name}"},
                  {"id": "_pages_location", "property": "search", "value": ""}]

        def build_page():
            _post(client, pages, inputs, [])

        build_page()
        from bench.http_bench import writer

        detail = _profiled(build_page, repeat, profiles, "detail",
                           between=writer(portal.store, "bench_other_asset", "metric 001", "bench-other"))
        kept = _profiled(build_page, repeat, None, "detail_kept")

        submit_dep = _callback(client, input_id=ids.DETAIL_SUBMIT)
        stored = portal.store.get(name)
        asset = {"id": stored.id, "name": name, "version": stored.version, "notes": None}
        history = {"n": 1, "status": "Pass"}

        def submit_once() -> None:
            status = "Fail" if history["status"] != "Fail" else "Pass"
            edit = {"status": status, "seen_history": history["n"], "seen_status": history["status"],
                    "version": asset["version"]}
            key = first_metric_key()
            edit.update(key=key, name="metric 000")
            state_values = {ids.DETAIL_EDITS: {stored.id: {"metrics": {key: edit}}}, ids.DETAIL_ASSET: asset,
                            ids.DETAIL_REFRESH: 0}
            state = [{"id": s["id"], "property": s["property"], "value": state_values[s["id"]]}
                     for s in submit_dep["state"]]
            response = _post(client, submit_dep, [{"id": ids.DETAIL_SUBMIT, "property": "n_clicks", "value": 1}],
                             state)
            answer = response.get_json()["response"]
            asset["version"] = answer[ids.DETAIL_ASSET]["data"]["version"]
            history.update(n=history["n"] + 1, status=status)

        submit_once()
        submits = _profiled(submit_once, repeat, profiles, "submit")

        def submit_missing() -> None:
            portal.store.loaded.put(stored.id, None)  # as if another worker had written last
            submit_once()

        misses = _profiled(submit_missing, repeat, profiles, "submit_miss")

        result = {"metrics": n_metrics, "database": portal.store.engine.dialect.name}
        result["detail_ms"], result["detail_p99_ms"] = _percentiles(detail)
        result["detail_kept_ms"], result["detail_kept_p99_ms"] = _percentiles(kept)
        result["submit_ms"], result["submit_p99_ms"] = _percentiles(submits)
        result["submit_miss_ms"], result["submit_miss_p99_ms"] = _percentiles(misses)
        if profiles is not None:
            result["profile"] = profiles
        if browser:
            result.update(_time_to_interactive(app, name, trace=trace))
        portal.store.engine.dispose()
    return result


# Every numeric card's slot holds its drawn plot or note (components/asset/context.py).
_CONTEXT_DRAWN = ("() => [...document.querySelectorAll('.context-slot')].every("
                  "s => s.querySelector('[data-context-plot], .context-note'))")


def _time_to_interactive(app, name: str, loads: int = 7, trace: str | None = None) -> dict:
    """Median/p99 ms from navigation start to the navigator and first cards being visible, and
    the median until every card's distribution is drawn; with `trace`, the last load traced."""
    import logging

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the figures

    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/asset/{name}"
    samples, drawn = [], []
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"])
            page = chromium.new_page(viewport={"width": 1400, "height": 900})
            for i in range(loads + 1):  # the first load warms the browser cache, as a reviewer's second visit
                if trace and i == loads:
                    chromium.start_tracing(page=page, path=trace)
                page.goto(url)
                page.locator("[data-metric]").first.wait_for()
                page.locator("[data-node]").first.wait_for()
                samples.append(page.evaluate("() => performance.now()"))
                page.wait_for_function(_CONTEXT_DRAWN, timeout=60_000)
                drawn.append(page.evaluate("() => performance.now()"))
                if trace and i == loads:
                    chromium.stop_tracing()
            chromium.close()
    finally:
        server.shutdown()
    median, p99 = _percentiles(samples[1:])
    return {"tti_ms": median, "tti_p99_ms": p99, "tti_cold_ms": round(samples[0], 1),
            "context_ms": _percentiles(drawn[1:])[0]}


def main() -> None:
    """Run and print the figures as JSON."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--metrics", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print where the CPU goes (cProfile)")
    parser.add_argument("--trace", metavar="PATH", help="write a Chromium performance trace of the last load "
                        "(JSON, for chrome://tracing or DevTools' Performance panel)")
    args = parser.parse_args()
    result = measure(args.metrics, args.repeat, not args.no_browser, args.profile, args.trace)
    for label, text in result.pop("profile", {}).items():
        print(f"== {label} ==\n{text}", file=sys.stderr)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
