"""portal.store.sql.bulk stores exactly what SQLAlchemy's own insert stores (issue 19's fast path),
on SQLite and on a real PostgreSQL server: the same values read back (UTC times, JSON, defaults,
autoincrement ids), a duplicate key still raising IntegrityError inside a savepoint that rolls back
alone, and counts added with ON CONFLICT as SQLAlchemy's upsert added them.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from portal.demo import build_records
from portal.qc import summarise
from portal.store.sql import aggregates, bulk
from portal.store.sql.batch import audit_row
from portal.store.sql.engine import make_engine
from portal.store.sql.project_tables import asset_groups
from portal.store.sql.rows import asset_columns, group_row, metric_rows, modality_rows, value_rows
from portal.store.sql.store import SqlAssetStore
from portal.store.sql.tables import (
    asset_counts,
    asset_metrics,
    asset_modalities,
    assets,
    audit_log,
    events,
    metric_values,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path}/bulk.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    SqlAssetStore(engine)  # migrates
    yield engine
    engine.dispose()


def _rows(n: int = 12) -> dict:
    """Every hot table's rows for `n` demo assets, as the ingest makes them."""
    now = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    out = {assets: [], asset_modalities: [], asset_metrics: [], metric_values: [], asset_groups: [], audit_log: []}
    for record in build_records(n):
        summary = summarise(record)
        asset_id = record["_id"]
        out[assets].append({"id": asset_id, "version": 1, "source_hash": "h", "portal_edits": {"edits": []},
                            "document": record, "created_at": now, "updated_at": now + timedelta(hours=1),
                            **asset_columns(summary)})
        out[asset_modalities] += modality_rows(asset_id, summary)
        out[asset_metrics] += metric_rows(asset_id, summary)
        out[metric_values] += value_rows(asset_id, summary)
        out[asset_groups].append(group_row(asset_id, summary))
        out[audit_log].append(audit_row(now, "bench", asset_id, record["name"], "create", {"source": None}))
    return out


def _read(connection, table) -> list[dict]:
    rows = [row._asdict() for row in connection.execute(select(table))]
    return sorted(rows, key=repr)


def test_rows_read_back_as_sqlalchemy_wrote_them(engine):
    tables = _rows()
    for table, rows in tables.items():
        with engine.begin() as connection:
            connection.execute(insert(table), rows)
            expected = _read(connection, table)
            connection.execute(delete(table))
            bulk.insert_rows(connection, table, rows)
            got = _read(connection, table)
        if table is audit_log:  # autoincrement ids: the second insert's are new ones
            expected = sorted(({**row, "id": None} for row in expected), key=repr)
            got = sorted(({**row, "id": None} for row in got), key=repr)
        assert got == expected, table.name
        assert got, table.name
    with engine.connect() as connection:
        acquired = connection.execute(select(assets.c.acquired).where(assets.c.acquired.is_not(None))).scalar()
    assert acquired.tzinfo is not None  # UTC-aware, through the column's own type


def test_left_out_columns_take_their_defaults(engine):
    row = {"type": "asset_created", "at": datetime.now(UTC), "asset_id": "a", "asset_name": "a", "metric": None,
           "user": "u", "detail": {"n": 1}}
    with engine.begin() as connection:
        bulk.insert_rows(connection, events, [row, row])
        stored = connection.execute(select(events.c.id, events.c.tx, events.c.detail).order_by(events.c.id)).all()
    assert [r.tx for r in stored] == [0, 0] and [r.detail for r in stored] == [{"n": 1}, {"n": 1}]
    assert stored[0].id < stored[1].id


def test_a_duplicate_key_is_an_integrity_error_that_rolls_back_alone(engine):
    tables = _rows(3)
    rows = tables[asset_modalities]
    with engine.begin() as connection:
        bulk.insert_rows(connection, assets, tables[assets])
        bulk.insert_rows(connection, asset_modalities, rows[:1])
        with pytest.raises(IntegrityError), connection.begin_nested():
            bulk.insert_rows(connection, asset_modalities, rows)
        bulk.insert_rows(connection, asset_modalities, rows[1:])  # the transaction goes on
        assert len(_read(connection, asset_modalities)) == len(rows)


def test_counts_add_up_as_the_sqlalchemy_upsert_did(engine):
    delta = Counter({("p", "raw", "Pass", "*", "Pass", "n"): 2, ("p", "raw", "Fail", "ecephys", "Fail", "n"): 1,
                     ("", "", "Pending", "*", "Pending", "n"): 3, ("", "", "Pending", "*", "Pending", "pending"): 7})
    with engine.begin() as connection:
        aggregates.apply(connection, delta)
        aggregates.apply(connection, delta)
        removed = Counter()
        removed.subtract({("p", "raw", "Pass", "*", "Pass", "n"): 1, ("", "", "Pending", "*", "Pending", "pending"): 4})
        aggregates.apply(connection, removed)
        counts = {tuple(row[:5]): tuple(row[5:]) for row in connection.execute(select(asset_counts))}
    assert counts == {("p", "raw", "Pass", "*", "Pass"): (3, 0), ("p", "raw", "Fail", "ecephys", "Fail"): (2, 0),
                      ("", "", "Pending", "*", "Pending"): (6, 10)}
