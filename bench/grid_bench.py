"""Grid paging benchmark (issue 19): one 100-row grid block at the first, middle and last offset, and scrolling.

    python bench/grid_bench.py --assets 10000 [--database URL] [--repeat 15]
    python bench/grid_bench.py --database sqlite:////tmp/copy-of-store.db   # reuse a filled store

Without --database the store is built in a scratch SQLite file (portal.demo.build_records,
`store.upsert_many` in batches of 500); with it, a store with fewer than --assets assets is
filled up to --assets (a copy, never a store you care about). For each of three sorts:

- `first_ms` / `middle_ms` / `last_ms`: `portal.views.grid.page_request` for the block at
  that offset (wall ms, median; `*_cpu_ms` the process CPU of the same calls). Each sample
  is a fresh jump (the page cache is emptied first), so no keyset continuation helps it;
- `scroll_ms`: the median block of 20 blocks asked in order from the middle (keyset
  continuation after the first);
- `offset_floor_*_ms`: the raw SQL of the OFFSET page alone at that offset (the ids from
  the sort index, then their rows), run on the driver connection: what the old listing paid
  for the rows before any count or row building.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SORTS = (("acquired", "desc"), ("name", "asc"), ("status", "asc"))
BLOCK = 100


def fill(store, n_assets: int) -> None:
    """Add demo assets until the store holds `n_assets` (batches of 500)."""
    from portal.demo import build_records

    have = store.count_assets()
    records = islice(build_records(n_assets), have, None)
    while batch := list(islice(records, 500)):
        store.upsert_many(batch)


def _median(samples: list[float]) -> float:
    return round(statistics.median(samples), 2)


def _floor_sql(store, field: str, direction: str, offset: int) -> str:
    """The OFFSET page's SQL (as the listing ran it before issue 19) with its values inlined."""
    from sqlalchemy import select

    from portal.store.protocol import AssetQuery, Sort
    from portal.store.sql import filters
    from portal.store.sql.store import _ROW_COLUMNS
    from portal.store.sql.tables import assets

    dialect = store.engine.dialect
    order = filters.order_by(Sort(field, direction == "desc"), dialect.name)
    ids = select(assets.c.id).where(filters.where(AssetQuery())).order_by(*order).offset(offset).limit(BLOCK)
    statement = select(*_ROW_COLUMNS).where(assets.c.id.in_(ids.scalar_subquery())).order_by(*order)
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _forget(store) -> None:
    # A jump: nothing remembered from a previous block (the listing before issue 19 kept nothing).
    pager = getattr(store, "_pager", None)
    if pager is not None:
        pager.cache._entries.clear()


def _timed(fn, repeat: int) -> tuple[list[float], list[float]]:
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def measure(store, repeat: int) -> dict:
    """The figures described in the module docstring, per sort."""
    from portal.store.protocol import AssetQuery
    from portal.views.grid import page_request

    total = store.count_assets()
    out: dict = {"assets": total, "dialect": store.engine.dialect.name, "block": BLOCK}
    offsets = {"first": 0, "middle": total // 2, "last": max(0, total - BLOCK)}
    raw = store.engine.raw_connection()
    try:
        for field, direction in SORTS:
            model = [{"colId": field, "sort": direction}]
            figures: dict = {}

            def jump(start, model=model):
                _forget(store)
                page_request(store, AssetQuery(), {"startRow": start, "endRow": start + BLOCK, "sortModel": model})

            for label, start in offsets.items():
                wall, cpu = _timed(lambda start=start: jump(start), repeat)
                figures[f"{label}_ms"], figures[f"{label}_cpu_ms"] = _median(wall), _median(cpu)
                sql = _floor_sql(store, field, direction, start)

                def floor(sql=sql):
                    cursor = raw.cursor()
                    cursor.execute(sql)
                    cursor.fetchall()
                    cursor.close()

                figures[f"offset_floor_{label}_ms"] = _median(_timed(floor, repeat)[0])
            _forget(store)
            scroll_wall, scroll_cpu = [], []
            for n in range(21):
                start = offsets["middle"] + n * BLOCK
                w, c = time.perf_counter(), time.process_time()
                page_request(store, AssetQuery(), {"startRow": start, "endRow": start + BLOCK, "sortModel": model})
                if n:  # the first block is a jump; the next 20 continue it
                    scroll_wall.append((time.perf_counter() - w) * 1000)
                    scroll_cpu.append((time.process_time() - c) * 1000)
            figures["scroll_ms"], figures["scroll_cpu_ms"] = _median(scroll_wall), _median(scroll_cpu)
            out[f"{field} {direction}"] = figures
    finally:
        raw.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the store, measure, print JSON."""
    from portal.store.sql.engine import make_engine
    from portal.store.sql.store import SqlAssetStore

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--database", help="SQLAlchemy URL of a store to reuse (filled up to --assets)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database or f"sqlite:///{scratch}/grid.db"
        store = SqlAssetStore(make_engine(url))
        fill(store, args.assets)
        print(json.dumps(measure(store, args.repeat), indent=1))
        store.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
