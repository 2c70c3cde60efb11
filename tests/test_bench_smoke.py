"""The benchmark cannot break unnoticed: `bench/run.py --quick` on 200 assets, end to end
(gunicorn, HTTP figures, store operations, floors, the naive baseline, a short wrk load
test), must produce every key bench/README.md's "What is measured" table names, and
bench/table.py must render the results table from its output. Timings are not checked:
this is a smoke run (~15-40 s on 2 shared cores), not a measurement.

The keys come from the README itself, so a figure documented there and no longer
produced (or renamed) fails here.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "bench" / "README.md"


def documented_keys(readme: str = README.read_text()) -> list[str]:
    """The backquoted keys in the first column of the README's "What is measured" table
    (`load_*` is a prefix: some key starting with `load_`)."""
    section = readme.split("## What is measured", 1)[1].split("\n## ", 1)[0]
    keys = []
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and not set(cells[1].strip()) <= {"-", " "}:
            keys += re.findall(r"`([^`]+)`", cells[1])
    return keys


def _all_keys(node, found: set[str]) -> set[str]:
    """Every key of a JSON object, at any depth (`worker_rss_mb` is under `memory_after_*`)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if value is not None:
                found.add(key)
            _all_keys(value, found)
    elif isinstance(node, list):
        for value in node:
            _all_keys(value, found)
    return found


def test_the_readme_table_is_parsed():
    keys = documented_keys()
    assert {"overview_ms", "grid_page_ms", "grid_deep_page_ms", "submit_ms", "worker_rss_mb", "load_*",
            "store"} <= set(keys), keys
    assert documented_keys("## What is measured\n\n| key | what |\n| --- | --- |\n| `a_ms`, `b_ms` | x |\n"
                           "\n## Next\n| `c` | y |\n") == ["a_ms", "b_ms"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    if shutil.which("wrk") is None:
        pytest.fail("the benchmark's load test needs Debian's wrk (apt-get install wrk)")
    out = tmp_path_factory.mktemp("bench-smoke") / "quick.json"
    completed = subprocess.run([sys.executable, "bench/run.py", "--assets", "200", "--quick", "--out", str(out)],
                               cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(out.read_text())


def test_quick_run_produces_every_documented_key(quick_run):
    produced = _all_keys(quick_run, set())
    missing = [key for key in documented_keys() if not fnmatch.filter(produced, key)]
    assert not missing, f"bench/README.md documents {missing}; bench/run.py --quick did not produce them"
    # "Each `*_ms` is the median ... with its p99 in `*_p99_ms`".
    no_p99 = [key for key in documented_keys() if key.endswith("_ms") and key != "naive_overview_ms"
              and "*" not in key and key.replace("_ms", "_p99_ms") not in produced]
    assert not no_p99, no_p99
    assert quick_run["assets"] == 202  # the 200 demo assets, the 200-metric and the 500-metric asset
    assert quick_run["store"]["annotate_ms"] is not None


def test_quick_run_is_clean(quick_run):
    server = quick_run["server"]
    assert server["exit_status"] == 0 and server["error_lines"] == 0, server.get("first_error")
    assert quick_run["load_requests"] > 0
    assert quick_run["load_errors"] == 0, quick_run["load_error_kinds"]
    assert all(target["met"] is not None for target in quick_run["targets"].values()), quick_run["targets"]


def test_the_results_table_renders(quick_run):
    from bench.table import table

    rendered = table([quick_run, quick_run])
    assert "| | 202 assets | 202 assets | target (100k) |" in rendered
    rows = rendered.splitlines()[2:]
    assert rows and not [row for row in rows if "n/a" in row], rendered


@pytest.mark.browser
def test_the_review_queue_browser_bench_runs(tmp_path):
    """bench/review_browser.py end to end on a small demo (3 items): every figure it documents."""
    out = tmp_path / "review.json"
    completed = subprocess.run([sys.executable, "bench/review_browser.py", "--assets", "40", "--items", "3",
                                "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["items"] == 3 and result["presses"] >= 3, result
    assert all(result[key] is not None for key in ("next_ms_median", "next_ms_p90", "next_ms_max")), result
