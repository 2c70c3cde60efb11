"""Benchmark-only records (the bulk comes from portal.demo.build_records)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

BENCH_PROJECT = "Benchmark"  # the project of the benchmark's own assets, left out of "a project" views


def big_asset(n_metrics: int, name: str | None = None) -> dict:
    """A raw ecephys asset with `n_metrics` metrics over 8 probes and 3 stages."""
    name = name or f"bench_{n_metrics}_metrics"
    start = datetime(2025, 6, 1, tzinfo=UTC)
    stages = ("Raw data", "Processing", "Analysis")
    metrics = []
    for i in range(n_metrics):
        when = (start + timedelta(minutes=i)).isoformat()
        metrics.append({
            "object_type": "QC metric",
            "name": f"metric {i:03d}",
            "modality": {"name": "Extracellular electrophysiology", "abbreviation": "ecephys"},
            "stage": stages[i % 3],
            "value": i * 0.5,
            "status_history": [{"evaluator": "Automated", "status": ("Pass", "Pending", "Fail")[i % 7 % 3],
                                "timestamp": when}],
            "description": f"Metric {i} of the benchmark asset",
            "reference": f"qc/probe{i % 8}/metric_{i:03d}.png",
            "tags": {"probe": f"Probe{'ABCDEFGH'[i % 8]}", "group": f"group {i % 12}"},
        })
    return {
        "name": name,
        "data_description": {
            "name": name, "project_name": BENCH_PROJECT, "subject_id": "999999", "data_level": "raw",
            "modalities": [{"name": "Extracellular electrophysiology", "abbreviation": "ecephys"}],
        },
        "subject": {"subject_id": "999999"},
        "acquisition": {"acquisition_start_time": start.isoformat()},
        "quality_control": {
            "object_type": "Quality control", "schema_version": "2.4.2", "metrics": metrics,
            "default_grouping": [["probe"], ["group"]], "allow_tag_failures": [],
        },
    }


def first_metric_key() -> str:
    """The metric key (portal.qc.identity) of "metric 000" of any `big_asset`: what the asset
    page's edit state is keyed by (its identity does not depend on the asset's size)."""
    from portal.qc.identity import identity, metric_key

    return metric_key(identity(big_asset(1)["quality_control"]["metrics"][0]))
