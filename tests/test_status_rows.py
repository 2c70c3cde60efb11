"""An asset's status rows, rewritten by difference (portal.store.sql.status_rows), end exactly as
rows computed from scratch from the stored document: through annotations that change a status
and a value, re-ingests that add, drop, reorder and retype metrics, a push, and a restore, on
SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from portal.qc.summary import summarise
from portal.review.metrics_merge import read_payload
from portal.store.protocol import Actor, Annotation, MetricEdit
from portal.store.sql import aggregates, project_aggregates, status_rows
from portal.store.sql.project_tables import project_cells, project_metrics
from portal.store.sql.rows import group_row, metric_rows, modality_rows, stage_rows, value_rows
from portal.store.sql.tables import asset_counts
from tests.records import metric, record


@pytest.fixture
def store(sql_store):
    return sql_store  # tests/conftest.py: SQLite, then PostgreSQL


def from_scratch(store, name: str) -> dict:
    """{table name: sorted rows} a delete and re-insert would write for the stored document."""
    stored = store.get(name)
    summary = summarise(stored.record)
    built = {"asset_modalities": modality_rows(stored.id, summary), "asset_stages": stage_rows(stored.id, summary),
             "asset_metrics": metric_rows(stored.id, summary), "metric_values": value_rows(stored.id, summary),
             "asset_groups": [group_row(stored.id, summary)]}
    return {table: sorted(map(_comparable, rows), key=repr) for table, rows in built.items()}


def as_stored(store, name: str) -> dict:
    asset_id = store.get(name).id
    with store.engine.connect() as connection:
        rows = {table.name: [r._asdict() for r in connection.execute(select(table).where(table.c.asset_id == asset_id))]
                for table in status_rows.TABLES}
    return {table: sorted(map(_comparable, found), key=repr) for table, found in rows.items()}


def aggregate_tables_exact(store) -> bool:
    """project_metrics, project_cells and asset_counts (assets and their Pending metrics) as
    maintained equal a rebuild from the status rows (status_rows.net_contribution counts only
    the metrics a write changed)."""
    def dump(connection):
        return {(table.name, *tuple(r)) for table in (project_metrics, project_cells, asset_counts)
                for r in connection.execute(select(table)) if any(isinstance(v, int) and v for v in tuple(r)[5:])}

    with store.engine.connect() as connection:
        transaction = connection.begin()
        maintained = dump(connection)
        project_aggregates.rebuild(connection)
        aggregates.rebuild(connection)
        rebuilt = dump(connection)
        transaction.rollback()
    return maintained == rebuilt


def _comparable(row: dict) -> dict:
    # Instants compare across time zones; repr (the sort key) does not: one form for both.
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def test_rows_equal_a_rewrite_from_scratch_through_every_write(store):
    first = [metric("a", "Pass", value=1.0), metric("b", "Pending", value=2.0),
             metric("c", "Fail", mod="behavior", stage="Processing", value=None), metric("d", "Pass", value=[1, 2])]
    store.upsert_many([record("x", modalities=("ecephys", "behavior"), metrics=first)])
    assert as_stored(store, "x") == from_scratch(store, "x")

    # A status change and a value change: one row each changes.
    stored = store.get("x")
    store.annotate(Annotation("x", stored.version, (MetricEdit(metric="b", status="Fail"),
                                                   MetricEdit(metric="a", value=5.5))), user="ada")
    assert as_stored(store, "x") == from_scratch(store, "x")
    assert aggregate_tables_exact(store)
    # A value where there was none (a metric_values row appears) and the asset's status changes.
    for edits in ((MetricEdit(metric="c", value=2.0),), (MetricEdit(metric="c", status="Pass"),
                                                       MetricEdit(metric="b", status="Pass"))):
        store.annotate(Annotation("x", store.get("x").version, edits), user="ada")
        assert as_stored(store, "x") == from_scratch(store, "x")
        assert aggregate_tables_exact(store)

    # Re-ingest: metrics dropped, added, reordered, a value turned non-numeric, a stage and modality gone.
    second = [metric("e", "Pending", value=3.0), metric("a", "Fail", value="n/a"), metric("b", "Pass", value=2.0),
              metric("f", "Pass", stage="Processing", value=0.5)]
    store.upsert_many([record("x", metrics=second, acquired="2025-03-04T05:06:07+00:00", subject="200")])
    assert as_stored(store, "x") == from_scratch(store, "x")
    assert aggregate_tables_exact(store)

    # Fewer metrics than before, then a pushed one, then delete and restore.
    store.upsert_many([record("x", metrics=[metric("a", "Pass", value=1.0)])])
    assert as_stored(store, "x") == from_scratch(store, "x")
    pipeline = Actor("pipeline", "pipeline", service=True)
    store.add_metrics("x", read_payload([metric("pushed", "Fail", value=4.0)]), user=pipeline)
    assert as_stored(store, "x") == from_scratch(store, "x")
    assert aggregate_tables_exact(store)
    store.delete_asset("x", user="admin")
    assert aggregate_tables_exact(store)  # a deleted asset counts nowhere
    store.restore_asset("x", user="admin")
    assert as_stored(store, "x") == from_scratch(store, "x")
    assert aggregate_tables_exact(store)


def test_an_annotation_writes_only_the_rows_it_changes(store):
    """What makes a submit of a 500-metric asset cheap: one changed metric, one row written."""
    store.upsert_many([record("y", metrics=[metric(f"m{i}", "Pending", value=float(i)) for i in range(50)])])
    stored = store.get("y")
    written = []
    target = re.compile(r"\s*(INSERT INTO|UPDATE|DELETE FROM)\s+asset_metrics\b", re.IGNORECASE)

    def count(conn, cursor, statement, parameters, context, executemany):
        found = target.match(statement)
        if found:
            written.append((found.group(1).split()[0].upper(), len(parameters) if executemany else 1))

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        store.annotate(Annotation("y", stored.version, (MetricEdit(metric="m7", status="Pass"),)), user="ada")
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert written == [("UPDATE", 1)]
    assert as_stored(store, "y") == from_scratch(store, "y")
