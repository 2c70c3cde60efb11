"""What one large annotation costs, and whether the cost grows with the asset's history.

Issue 12 found three annotations of 5,000 changes each taking 2.6, 46 and 94 s (the cost
grew with the history), long enough to make other writers wait. This builds one asset of
N metrics in a scratch SQLite (or `--database` URL) store and applies the same N-change
annotation `--rounds` times through the store, then through the REST API, printing each
round's CPU time (stable on a shared machine, unlike wall time). Linear cost
means round k costs about the same as round 1 (the document grows by one entry per
metric per round).

    python bench/annotation_cost.py --metrics 5000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.store.protocol import Actor, Annotation, MetricEdit  # noqa: E402
from portal.store.sql.engine import make_engine  # noqa: E402
from portal.store.sql.store import SqlAssetStore  # noqa: E402
from tests.records import metric, record  # noqa: E402


def measure_rest(n_metrics: int, rounds: int) -> dict:
    """CPU seconds per round of the same annotation through `POST /api/v1/assets/{name}/annotations`
    (the Flask test client: the whole request, from JSON to JSON, in this process)."""
    from portal import create_app
    from portal.settings import load_settings
    from tests.api_helpers import bearer, make_token

    with tempfile.TemporaryDirectory(prefix="qcportal-annotation-cost-") as scratch:
        app = create_app(load_settings(data_dir=Path(scratch) / "data", secret_key="bench"))
        store = app.server.extensions["qc_portal"].store
        store.upsert_many([record("big", metrics=[metric(f"m{i}", "Pending") for i in range(n_metrics)])])
        headers, client = bearer(make_token(app, "bench", "annotator", "Bench")), app.server.test_client()
        seconds = []
        for number in range(rounds):
            body = {"version": store.get("big").version, "changes": [
                {"metric": f"m{i}", "status": ("Pass", "Fail")[number % 2], "seen_history": number + 1}
                for i in range(n_metrics)]}
            start = time.process_time()
            response = client.post("/api/v1/assets/big/annotations", json=body, headers=headers)
            seconds.append(round(time.process_time() - start, 3))
            assert response.status_code == 200, response.get_json()
        return {"rest_cpu_rounds_s": seconds}


def measure(n_metrics: int, rounds: int, database: str | None = None) -> dict:
    """CPU seconds per round of an `n_metrics`-change annotation on one asset, through the store."""
    with tempfile.TemporaryDirectory(prefix="qcportal-annotation-cost-") as scratch:
        store = SqlAssetStore(make_engine(database or f"sqlite:///{Path(scratch) / 'portal.db'}"))
        store.upsert_many([record("big", metrics=[metric(f"m{i}", "Pending") for i in range(n_metrics)])])
        seconds = []
        for number in range(rounds):
            version = store.get("big").version
            status = ("Pass", "Fail")[number % 2]
            edits = tuple(MetricEdit(f"m{i}", status) for i in range(n_metrics))
            start = time.process_time()
            result = store.annotate(Annotation("big", version, edits), user=Actor("bench", "Bench"))
            seconds.append(round(time.process_time() - start, 3))
            assert result.applied and len(result.changes) == n_metrics
        return {"metrics": n_metrics, "store_cpu_rounds_s": seconds}


def main() -> None:
    """Parse arguments, measure, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--metrics", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", help="a SQLAlchemy URL instead of a scratch SQLite file")
    args = parser.parse_args()
    result = measure(args.metrics, args.rounds, args.database)
    result.update(measure_rest(args.metrics, args.rounds))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
