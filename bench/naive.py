"""The two reference points of the overview: the store's floor and the naive baseline.

- `counts_floor_ms`: the raw join GROUP BY over the asset tables (project x modality x
  status), what counting costs the database without pre-aggregation;
- `overview_floor_ms`: the raw SQL of the three queries the overview makes (totals,
  per project, per project x modality) on the pre-aggregated `asset_counts`, executed
  on the DBAPI connection with nothing around them: no pool checkout, no SQLAlchemy
  compile, no Dash, no HTTP;
- `naive_overview_ms`: what a portal without a query layer does (the first QC portals
  did): read every document, evaluate it with the schema's rules and count in Python,
  streamed in batches so memory stays flat (it is still O(N) in time).
"""

from __future__ import annotations

import json
import time
from collections import Counter

from sqlalchemy import text

from portal.qc import summarise

COUNTS_FLOOR_SQL = (
    "SELECT a.project, m.modality, m.status, count(*) FROM assets a "
    "JOIN asset_modalities m ON m.asset_id = a.id GROUP BY a.project, m.modality, m.status"
)
OVERVIEW_FLOOR_SQL = (
    "SELECT status, sum(n) FROM asset_counts WHERE n > 0 AND modality = '*' GROUP BY status",
    "SELECT project, status, sum(n) FROM asset_counts WHERE n > 0 AND modality = '*' GROUP BY project, status",
    "SELECT project, modality, modality_status, sum(n) FROM asset_counts WHERE n > 0 AND modality != '*' "
    "GROUP BY project, modality, modality_status",
)


def floors(engine, timed, repeat: int) -> dict:
    """`counts_floor_ms` and `overview_floor_ms` (median and p99) on `engine`."""
    result = {}
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection  # the driver's own connection

        def run(statements) -> None:
            cursor = raw.cursor()
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()
            cursor.close()

        result["counts_floor_ms"], result["counts_floor_p99_ms"] = timed(lambda: run([COUNTS_FLOOR_SQL]), repeat)
        result["overview_floor_ms"], result["overview_floor_p99_ms"] = timed(lambda: run(OVERVIEW_FLOOR_SQL), repeat)
        raw.rollback()
    return result


def naive_overview(engine) -> Counter:
    """The overview's project x modality x status counts from every document, in Python."""
    counts: Counter = Counter()
    with engine.connect() as connection:
        rows = connection.execution_options(stream_results=True, yield_per=500).execute(
            text("SELECT document FROM assets"))
        for (document,) in rows:
            record = json.loads(document) if isinstance(document, str | bytes) else document
            summary = summarise(record)
            project = summary.project or "(no project)"
            counts[(project, "*", summary.overall_status)] += 1
            modalities = summary.status.modality if summary.status else {}
            for modality in summary.modalities:
                counts[(project, modality, modalities.get(modality, summary.overall_status))] += 1
    return counts


def naive(engine, repeat: int) -> dict:
    """`naive_overview_ms`: the median of `repeat` full passes (no warm-up: each pass reads everything)."""
    samples, assets = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        counts = naive_overview(engine)
        samples.append((time.perf_counter() - start) * 1000)
        assets = sum(n for (_, modality, _), n in counts.items() if modality == "*")
    samples.sort()
    return {"naive_overview_ms": round(samples[len(samples) // 2], 1), "naive_runs": repeat, "naive_assets": assets}
