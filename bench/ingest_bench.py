"""Ingest rate of the SQL store (issue 19): `SqlAssetStore.upsert_many` against its floor.

    python bench/ingest_bench.py --assets 5000 --small
    python bench/ingest_bench.py --assets 2000 --database postgresql+psycopg://.../scratch
    python bench/ingest_bench.py --assets 2000 --small --default-gc

Ingests `--assets` demo records (`--small`: at most 5 metrics each, bench/small.py) into
an empty database in batches of `--batch`, then re-ingests them unchanged, and prints
one JSON object. The floor is the same rows — every row the ingest wrote, read back from
the database — inserted again into the emptied tables with one raw DB-API executemany
per table in one transaction: what the database itself costs, so `floor_ratio` (the
store's time over the floor's) reads the same on a busier or faster machine.

The database must be a scratch one: the bench refuses one that holds assets, and empties
the ingest tables for the floor. `cpu_per_asset_ms` is this process's CPU only (a
PostgreSQL server's work is not in it).

The ingests run with the collector as the processes that ingest have it — a gunicorn worker
(`tune_for_serving`) and `qc-portal ingest` (`fewer_collections`): a young-generation
threshold of 50,000. `--default-gc` keeps CPython's default (700) instead, as this bench
ran before that (figure `gc`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `portal` and `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from bench.small import small_records  # noqa: E402
from portal.demo import build_records  # noqa: E402
from portal.ops.gc_tuning import fewer_collections  # noqa: E402
from portal.store.sql.engine import make_engine  # noqa: E402
from portal.store.sql.project_tables import asset_groups, project_cells, project_metrics  # noqa: E402
from portal.store.sql.store import SqlAssetStore  # noqa: E402
from portal.store.sql.tables import (  # noqa: E402
    asset_counts,
    asset_metrics,
    asset_modalities,
    asset_stages,
    assets,
    audit_log,
    events,
    metric_values,
)

# Parents before children (foreign keys): the order the floor inserts in, reversed to empty them.
TABLES = (assets, asset_modalities, asset_stages, asset_metrics, metric_values, asset_groups, audit_log, events,
          asset_counts, project_metrics, project_cells)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark, print its JSON figures and return them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--assets", type=int, default=2000, help="records to ingest (default 2000)")
    parser.add_argument("--small", action="store_true", help="at most 5 metrics per document (bench/small.py)")
    parser.add_argument("--database", help="a scratch database URL (default: a new SQLite file in a temp folder)")
    parser.add_argument("--batch", type=int, default=500, help="records per upsert_many call (default 500)")
    parser.add_argument("--default-gc", action="store_true",
                        help="CPython's default collector threshold, not the one ingest processes use")
    args = parser.parse_args(argv)
    url = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='qc-ingest-bench-')}/bench.db"
    engine = make_engine(url)
    store = SqlAssetStore(engine)
    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(assets)).scalar_one():
            parser.error("--database holds assets already: point it at a scratch database")
    records = list((small_records if args.small else build_records)(args.assets))
    metrics = sum(_metric_count(record) for record in records)

    with contextlib.nullcontext() if args.default_gc else fewer_collections():
        actions, seconds, cpu = _ingest(store, records, args.batch)
        again, reingest_seconds, _ = _ingest(store, records, args.batch)
    floor_seconds = _floor(engine)
    figures = {
        "database": engine.dialect.name,
        "assets": len(records),
        "small": args.small,
        "batch": args.batch,
        "gc": "default" if args.default_gc else "ingest",
        "metrics_per_asset": round(metrics / max(1, len(records)), 1),
        "actions": dict(actions),
        "seconds": round(seconds, 3),
        "assets_per_s": round(len(records) / seconds),
        "cpu_per_asset_ms": round(1000 * cpu / max(1, len(records)), 3),
        "reingest_actions": dict(again),
        "reingest_assets_per_s": round(len(records) / reingest_seconds),
        "floor_seconds": round(floor_seconds, 3),
        "floor_assets_per_s": round(len(records) / floor_seconds),
        "floor_ratio": round(seconds / floor_seconds, 2),
    }
    engine.dispose()
    print(json.dumps(figures, indent=2))
    return figures


def _metric_count(record: dict) -> int:
    qc = record.get("quality_control") or {}
    if "evaluations" in qc:
        return sum(len(e.get("metrics") or ()) for e in qc["evaluations"])
    return len(qc.get("metrics") or ())


def _ingest(store: SqlAssetStore, records: list[dict], batch: int) -> tuple[Counter, float, float]:
    # Each call gets copies: upsert_many may take `__origin__` out of a record it is given.
    copies = [dict(record) for record in records]
    actions: Counter = Counter()
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(copies), batch):
        actions.update(result.action for result in store.upsert_many(copies[start:start + batch], actor="bench"))
    return actions, time.perf_counter() - wall, time.process_time() - cpu


def _floor(engine) -> float:
    """Seconds to insert every row of TABLES again with one raw executemany per table."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        postgres = engine.dialect.name == "postgresql"
        prepared = []
        for table in TABLES:
            names = [column.name for column in table.columns]
            cursor.execute(f"SELECT {', '.join(_quote(n) for n in names)} FROM {table.name}")
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            if postgres:
                rows = [{k: _pg_value(v) for k, v in row.items()} for row in rows]
            marks = ", ".join((f"%({n})s" if postgres else f":{n}") for n in names)
            prepared.append((table.name, f"INSERT INTO {table.name} ({', '.join(map(_quote, names))}) "
                                         f"VALUES ({marks})", rows))
        for table in reversed(TABLES):
            cursor.execute(f"DELETE FROM {table.name}")
        raw.commit()
        start = time.perf_counter()
        if not postgres:
            cursor.execute("BEGIN IMMEDIATE")  # the store's own write transaction on SQLite
        for _name, statement, rows in prepared:
            if rows:
                cursor.executemany(statement, rows)
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


def _quote(name: str) -> str:
    return f'"{name}"'  # `user` is a reserved word on PostgreSQL


def _pg_value(value):
    # psycopg reads JSONB back as Python objects; it writes them back only when told they are JSON.
    if isinstance(value, (dict, list)):
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return value


if __name__ == "__main__":
    main()
