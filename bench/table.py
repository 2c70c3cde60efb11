"""The results table of bench/README.md from bench/run.py's JSON files.

    python bench/table.py bench/results/http_1k.json bench/results/http_10k.json bench/results/http_100k.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROWS = (  # (label, key, target at 100k or "")
    ("overview (callback)", "overview_ms", "<= 50 ms"),
    ("overview, filtered", "overview_filtered_ms", ""),
    ("overview page (first load)", "overview_page_ms", ""),
    ("grid page, filtered, first", "grid_page_ms", "<= 30 ms"),
    ("grid page, filtered, last", "grid_deep_page_ms", "<= 30 ms"),
    ("grid page, everything, last", "grid_unfiltered_deep_ms", "<= 30 ms"),
    ("project page (largest project)", "project_page_ms", ""),
    ("kept (nothing written since): overview", "overview_kept_ms", ""),
    ("kept: grid page, filtered, last", "grid_deep_page_kept_ms", ""),
    ("kept: project page", "project_page_kept_ms", ""),
    ("kept: detail, 500 metrics", "detail_kept_ms", ""),
    ("detail, 500 metrics", "detail_ms", "<= 300 ms"),
    ("submit, 500 metrics", "submit_ms", "<= 50 ms"),
    ("REST summary", "summary_ms", ""),
    ("store floor: join GROUP BY", "counts_floor_ms", ""),
    ("store floor: overview SQL", "overview_floor_ms", ""),
    ("naive: read every document", "naive_overview_ms", ""),
    ("floor: static file (request overhead)", "static_floor_ms", ""),
    ("floor: cheapest Dash callback", "dash_floor_ms", ""),
    ("floor: grid block SQL", "grid_floor_ms", ""),
    ("floor: detail document read + json.loads", "detail_floor_ms", ""),
    ("floor: submit (locked read + write, committed)", "submit_floor_ms", ""),
    ("floor: project_metrics range", "project_floor_ms", ""),
    ("floor: CPU yardstick (CPU time)", "cpu_floor_ms", ""),
)
# (label, keys of the JSON's `ratios`: bench/floors.py), one row each, after the times.
RATIO_ROWS = (
    ("overview / (static + overview SQL floor)", ("overview",)),
    ("grid page, filtered, first / (static + grid SQL floor)", ("grid_page",)),
    ("detail / (static + detail floor)", ("detail",)),
    ("submit / (static + submit floor)", ("submit",)),
    ("project page / (static + project floor)", ("project_page",)),
    ("Dash floor / static floor", ("dash_floor",)),
    ("server CPU per request / CPU floor: detail, submit, project page", ("detail_cpu", "submit_cpu",
                                                                          "project_page_cpu")),
    ("load: workers' CPU per request / CPU floor (mix, mix without project page)",
     ("load_cpu", "load_without_project_page_cpu")),
)


def _ms(result: dict, key: str) -> str:
    value = result.get(key)
    if value is None:
        return result.get(key.replace("_ms", "_note"), "n/a")
    p99 = result.get(key.replace("_ms", "_p99_ms"))
    cpu = result.get(key.replace("_ms", "_cpu_ms"))
    return f"{value:g}" + (f" / {p99:g}" if p99 is not None else "") + (f" ({cpu:g})" if cpu is not None else "")


def _ratios(result: dict, keys: tuple[str, ...]) -> str:
    ratios = result.get("ratios") or {}
    return ", ".join(f"{ratios[key]:g}x" if key in ratios else "n/a" for key in keys)


def table(results: list[dict]) -> str:
    """The markdown table: one column per result file."""
    head = "| | " + " | ".join(f"{r['assets']:,} assets" for r in results) + " | target (100k) |"
    lines = [head, "| --- |" + " --- |" * (len(results) + 1)]
    for label, key, target in ROWS:
        cells = " | ".join(_ms(r, key) for r in results)
        lines.append(f"| {label}, ms: median / p99 (server CPU) | {cells} | {target} |")
    lines.append("| overview / join floor | " + " | ".join(f"{r['overview_vs_floor']:g}x" for r in results)
                 + " | <= 2x |")
    for label, keys in RATIO_ROWS:
        lines.append(f"| ratio: {label} | " + " | ".join(_ratios(r, keys) for r in results) + " | |")
    lines.append("| naive / overview | " + " | ".join(f"{r['naive_vs_overview']:g}x" for r in results) + " | >= 100x |")
    lines.append("| worker RSS after HTTP / after load, MB (max of workers) | " + " | ".join(
        f"{r['memory_after_http']['worker_rss_max_mb']:g} / {r['memory_after_load']['worker_rss_max_mb']:g}"
        for r in results) + " | <= 300, flat |")
    for label, key, target in (("load: req/s", "load_req_per_s", ">= 300"), ("load: p50 ms", "load_p50_ms", ""),
                               ("load: p99 ms", "load_p99_ms", "<= 250"), ("load: errors", "load_errors", "0"),
                               ("load: requests in the run", "load_requests", "")):
        lines.append(f"| {label} | " + " | ".join(f"{r.get(key, 'n/a')}" for r in results) + f" | {target} |")
    lines.append("| load: workers' CPU ms per request (-> req/s the 2 cores allow) | " + " | ".join(
        f"{r.get('load_cpu_ms_per_request', 'n/a')} (-> {r.get('load_cpu_bound_req_per_s', 'n/a')})"
        for r in results) + " | |")
    lines.append("| the mix with an annotation every 0.1 s: req/s, p99 ms, CPU ms per request (commits) | "
                 + " | ".join(f"{r.get('load_with_writes_req_per_s', 'n/a')}, "
                              f"{r.get('load_with_writes_p99_ms', 'n/a')}, "
                              f"{r.get('load_with_writes_cpu_ms_per_request', 'n/a')} "
                              f"({r.get('load_with_writes_commits', 'n/a')})" for r in results) + " | |")
    lines.append("| diagnosis, the mix without its project page: req/s, p99 ms, CPU ms per request | " + " | ".join(
        f"{r.get('load_without_project_page_req_per_s', 'n/a')}, {r.get('load_without_project_page_p99_ms', 'n/a')}, "
        f"{r.get('load_without_project_page_cpu_ms_per_request', 'n/a')}" for r in results) + " | |")
    lines.append("| load average (1 min) before / after | " + " | ".join(
        f"{r['machine']['load_average'][0]} / {r['machine']['load_average_after'][0]}" for r in results) + " | |")
    return "\n".join(lines)


def main() -> None:
    """Print the table for the files given."""
    results = [json.loads(Path(name).read_text()) for name in sys.argv[1:]]
    print(table(results))


if __name__ == "__main__":
    main()
