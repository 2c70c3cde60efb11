"""Small demo records: the demo stream with at most 5 metrics per document.

The 1M-asset ingest benchmark (issue 19) measures documents of a few metrics, where the
per-asset cost of the store, not of reading a large document, decides the rate. These
are the demo records (`portal.demo.build_records`: the same assets, projects, subjects,
times and 1.x / 2.1 / 2.4 layout mix) with their quality_control trimmed to the first
`MAX_METRICS` metrics, so every document stays valid and the layouts keep their variety.
"""

from __future__ import annotations

from collections.abc import Iterator

from portal.demo import build_records
from portal.demo.documents import computed_status

MAX_METRICS = 5


def small_records(n: int, seed: int = 7) -> Iterator[dict]:
    """Yield `n` demo-shaped records (deterministic for `seed`), each with at most 5 metrics.

    2.x documents keep their first metrics (a 2.4 document's computed `status` is
    recomputed for them; a 2.1 document keeps its stale stored one, as such records do);
    1.x documents keep their first evaluations, trimmed so that they hold 5 metrics in all.
    A record without quality_control is yielded as it is.
    """
    for record in build_records(n, seed):
        qc = record.get("quality_control")
        if isinstance(qc, dict) and qc:
            record["quality_control"] = _trim(qc)
        yield record


def _trim(qc: dict) -> dict:
    if "evaluations" in qc:
        evaluations, left = [], MAX_METRICS
        for evaluation in qc["evaluations"]:
            if left <= 0:
                break
            metrics = list(evaluation.get("metrics") or [])[:left]
            if metrics:  # an evaluation without metrics would be a different document, not a smaller one
                evaluations.append({**evaluation, "metrics": metrics})
                left -= len(metrics)
        return {**qc, "evaluations": evaluations}
    metrics = list(qc.get("metrics") or [])[:MAX_METRICS]
    trimmed = {**qc, "metrics": metrics}
    if str(qc.get("schema_version", "")).startswith("2.4") and isinstance(qc.get("status"), dict):
        # The schema computes `status` from the metrics it holds: recompute it for the ones kept.
        trimmed["status"] = computed_status(metrics, list(qc.get("allow_tag_failures") or []))
    return trimmed
