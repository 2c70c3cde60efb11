"""The ingest benchmark (issue 19) cannot break unnoticed: its small records are valid documents
of at most 5 metrics in every layout the demo makes, and `bench/ingest_bench.py` runs end to end
and prints every figure bench/README.md's "Ingest (issue 19)" section reads. Timings are not
checked: this is a smoke run, not a measurement.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.small import MAX_METRICS, small_records
from portal.demo import build_records
from portal.qc import load_qc, summarise

ROOT = Path(__file__).resolve().parents[1]
FIGURES = {"database", "assets", "small", "batch", "metrics_per_asset", "actions", "seconds", "assets_per_s",
           "cpu_per_asset_ms", "reingest_actions", "reingest_assets_per_s", "floor_seconds", "floor_assets_per_s",
           "floor_ratio"}


def test_small_records_are_valid_with_at_most_five_metrics():
    records = list(small_records(400))
    versions = set()
    for record in records:
        summary = summarise(record)
        qc = record.get("quality_control")
        if not qc:
            assert summary.qc_state == "none"
            continue
        load_qc(qc)  # raises QCReadError on a document the portal cannot read
        assert summary.qc_state == "ok", (record["name"], summary.qc_error)
        assert 1 <= summary.counts.total <= MAX_METRICS
        versions.add(summary.schema_version)
    # The demo's layout mix survives the trimming: 1.x evaluations, 2.1 list tags, 2.4.
    assert {"1.2.2", "2.1.0", "2.4.2"} <= versions


def test_small_records_are_the_demo_assets():
    assert [r["name"] for r in small_records(60)] == [r["name"] for r in build_records(60)]
    assert list(small_records(30, seed=3)) == list(small_records(30, seed=3))


def test_the_bench_runs_and_prints_its_figures(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ingest_bench.py"), "--assets", "50", "--small",
         "--database", f"sqlite:///{tmp_path}/bench.db", "--batch", "20"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )
    figures = json.loads(done.stdout)
    assert FIGURES <= set(figures), FIGURES - set(figures)
    assert figures["actions"] == {"created": 50}
    assert figures["reingest_actions"] == {"unchanged": 50}
    assert figures["database"] == "sqlite" and figures["small"] is True
