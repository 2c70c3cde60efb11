"""Floors measured in the same run as the figures: the least the machine needs for each.

A figure alone says little on a shared VM whose speed varies from hour to hour; the same
figure divided by what the database, the driver and the interpreter need at the least,
measured minutes apart on the same machine, reads the same on a faster or a busier one.
Every SQL floor runs on the driver's own connection (no pool checkout, no SQLAlchemy
compile, no row objects), in a read transaction as the store's reads are:

- `grid_floor_ms`: the statements the grid page's callback sends for the bench's
  filtered first block (the page's ids, then its rows, its count, the derived assets'
  count), captured from the store as they reach the driver and replayed;
- `detail_floor_ms`: the 500-metric asset's document row read and `json.loads` of it;
- `submit_floor_ms`: one committed transaction that reads that document row with the
  write lock (SQLite `BEGIN IMMEDIATE`, PostgreSQL `FOR UPDATE`), parses it, serialises it
  and writes it back with its version + 1, on a scratch copy of the row (dropped after:
  the bench data does not change);
- `project_floor_ms`: the range read of the largest project's `project_metrics` rows;
- `cpu_floor_ms`: CPU time of a fixed pure-Python loop (`CPU_ROUNDS` json.dumps + loads
  of a fixed ~15 KB document) in the bench process: a machine-speed yardstick that CPU
  figures (`*_cpu_ms`, `load_cpu_ms_per_request`) are divided by.

The HTTP floors (`static_floor_ms`, `dash_floor_ms`) are measured by bench/http_bench.py
with the figures' own session; `ratios` divides each figure by its floor.
"""

from __future__ import annotations

import json
import statistics
import time
from contextlib import contextmanager

from sqlalchemy import event

from bench.data import big_asset

CPU_ROUNDS = 10
CPU_DOCUMENT = big_asset(35, name="bench_cpu_floor")  # ~15 KB of JSON, the size of a demo document
SCRATCH = "bench_floor_scratch"


@contextmanager
def captured(engine):
    """The (statement, parameters) of every SELECT sent to the driver inside the block, as sent."""
    found: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", record)


class _Driver:
    """The driver's connection of `engine`, with the read and write transactions the store uses."""

    def __init__(self, engine):
        self.raw = engine.raw_connection()  # a pooled DBAPI connection: the engine's connect hooks ran
        self.sqlite = engine.dialect.name == "sqlite"

    def read(self, statements) -> list:
        """Run `statements` [(sql, params)] in one read transaction; the last one's rows."""
        cursor = self.raw.cursor()
        if self.sqlite:  # autocommit at the driver (portal.store.sql.engine): BEGIN as the store does
            cursor.execute("BEGIN")
        rows: list = []
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            rows = cursor.fetchall()
        if self.sqlite:
            cursor.execute("COMMIT")
        else:
            self.raw.rollback()  # psycopg began the transaction itself; a read has nothing to commit
        cursor.close()
        return rows

    def close(self) -> None:
        """Give the connection back to the pool."""
        self.raw.close()


def _param(sqlite: bool) -> str:
    return "?" if sqlite else "%s"


def store_floors(engine, timed, repeat: int, *, grid_call, detail: str, project: str) -> dict:
    """The SQL floors of the module docstring (median and p99 via `timed`, bench.run.timed).

    `grid_call`: a call that answers the bench's grid block through the store (its SQL is
    captured once, then replayed); `detail`: the 500-metric asset's name; `project`: the
    largest project's name.
    """
    with captured(engine) as grid_sql:
        grid_call()
    if not grid_sql:
        raise RuntimeError("the grid call sent no SELECT to the driver")
    driver = _Driver(engine)
    p = _param(driver.sqlite)
    text_document = "document" if driver.sqlite else "document::text"  # JSONB: parse it here, as SQLite's text
    result: dict = {"grid_floor_statements": len(grid_sql)}
    try:
        result["grid_floor_ms"], result["grid_floor_p99_ms"] = timed(lambda: driver.read(grid_sql), repeat)

        detail_sql = [(f"SELECT id, name, version, {text_document} FROM assets WHERE name = {p}", (detail,))]
        if not driver.read(detail_sql):
            raise RuntimeError(f"detail floor: no asset {detail!r}")
        result["detail_floor_ms"], result["detail_floor_p99_ms"] = timed(
            lambda: json.loads(driver.read(detail_sql)[0][3]), repeat)

        project_sql = [("SELECT name, modality, stage, dimension, value, passed, failed, pending, tolerated, "
                        f"n_values FROM project_metrics WHERE project = {p}", (project,))]
        result["project_floor_rows"] = len(driver.read(project_sql))
        result["project_floor_ms"], result["project_floor_p99_ms"] = timed(lambda: driver.read(project_sql), repeat)

        result.update(_submit_floor(driver, timed, repeat, detail))
    finally:
        driver.close()
    return result


def _submit_floor(driver: _Driver, timed, repeat: int, detail: str) -> dict:
    """`submit_floor_ms` on a scratch copy of the asset's row (a real table: its commit costs
    what a commit of the assets table does, WAL and all), dropped afterwards."""
    p = _param(driver.sqlite)
    raw, cursor = driver.raw, driver.raw.cursor()
    kind = "JSON" if driver.sqlite else "JSONB"  # the document column's type (portal.store.sql.tables)
    cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
    cursor.execute(f"CREATE TABLE {SCRATCH} (id VARCHAR(200) PRIMARY KEY, version INTEGER NOT NULL, "
                   f"document {kind} NOT NULL)")
    cursor.execute(f"INSERT INTO {SCRATCH} SELECT id, version, document FROM assets WHERE name = {p}", (detail,))
    if not driver.sqlite:
        raw.commit()
    select_sql = (f"SELECT id, version, document FROM {SCRATCH}" if driver.sqlite
                  else f"SELECT id, version, document::text FROM {SCRATCH} FOR UPDATE")
    write_sql = (f"UPDATE {SCRATCH} SET version = {p}, document = {p} WHERE id = {p}" if driver.sqlite
                 else f"UPDATE {SCRATCH} SET version = %s, document = %s::jsonb WHERE id = %s")

    def submit() -> None:
        if driver.sqlite:
            cursor.execute("BEGIN IMMEDIATE")  # the write lock from the read on, as write_tx takes it
        cursor.execute(select_sql)
        asset_id, version, document = cursor.fetchone()
        cursor.execute(write_sql, (version + 1, json.dumps(json.loads(document)), asset_id))
        if driver.sqlite:
            cursor.execute("COMMIT")
        else:
            raw.commit()

    try:
        median, p99 = timed(submit, repeat)
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        if not driver.sqlite:
            raw.commit()
        cursor.close()
    return {"submit_floor_ms": median, "submit_floor_p99_ms": p99}


def _cpu_round() -> None:
    for _ in range(CPU_ROUNDS):
        json.loads(json.dumps(CPU_DOCUMENT))


def cpu_floor(repeat: int) -> dict:
    """`cpu_floor_ms` (median, p99): the thread's CPU time of the fixed loop, not wall time, as
    the workers' CPU figures are (a busy machine's other processes do not count, its slower
    cores and shared caches do)."""
    _cpu_round()
    samples = []
    for _ in range(max(repeat, 10)):  # cheap: always enough samples for a stable median
        start = time.thread_time()
        _cpu_round()
        samples.append((time.thread_time() - start) * 1000)
    samples.sort()
    return {"cpu_floor_ms": round(statistics.median(samples), 3),
            "cpu_floor_p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 3),
            "cpu_floor_bytes": len(json.dumps(CPU_DOCUMENT)), "cpu_floor_rounds": CPU_ROUNDS}


# (ratio, figure, floors whose sum divides it): HTTP figures over the request overhead plus
# the SQL that figure needs; CPU figures over the CPU yardstick.
RATIOS = (
    ("overview", "overview_ms", ("static_floor_ms", "overview_floor_ms")),
    ("grid_page", "grid_page_ms", ("static_floor_ms", "grid_floor_ms")),
    ("detail", "detail_ms", ("static_floor_ms", "detail_floor_ms")),
    ("submit", "submit_ms", ("static_floor_ms", "submit_floor_ms")),
    ("project_page", "project_page_ms", ("static_floor_ms", "project_floor_ms")),
    ("dash_floor", "dash_floor_ms", ("static_floor_ms",)),
    ("detail_cpu", "detail_cpu_ms", ("cpu_floor_ms",)),
    ("submit_cpu", "submit_cpu_ms", ("cpu_floor_ms",)),
    ("project_page_cpu", "project_page_cpu_ms", ("cpu_floor_ms",)),
    ("load_cpu", "load_cpu_ms_per_request", ("cpu_floor_ms",)),
    ("load_with_writes_cpu", "load_with_writes_cpu_ms_per_request", ("cpu_floor_ms",)),
    ("load_without_project_page_cpu", "load_without_project_page_cpu_ms_per_request", ("cpu_floor_ms",)),
)


def ratios(result: dict) -> dict:
    """{ratio: figure / sum of its floors} for every ratio of RATIOS whose values were measured."""
    out = {}
    for name, figure, floors in RATIOS:
        values = [result.get(key) for key in (figure, *floors)]
        if all(isinstance(v, int | float) for v in values) and sum(values[1:]) > 0:
            out[name] = round(values[0] / sum(values[1:]), 2)
    return out
