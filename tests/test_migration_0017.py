"""Migration 0017 (metric_values) builds the table tables.py declares, on SQLite and
PostgreSQL, and backfills a database at 0014 with what a fresh ingest writes (deleted
assets left out)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select

from portal.store.sql.engine import _alembic_config, migrate
from portal.store.sql.store import SqlAssetStore
from portal.store.sql.tables import metric_values
from tests.migration_checks import declared_difference
from tests.records import metric, record


@pytest.fixture
def engine(sql_engine):
    return sql_engine  # tests/conftest.py: SQLite, then PostgreSQL



def _all(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(metric_values).order_by(
            metric_values.c.asset_id, metric_values.c.position))]


def test_the_migrated_table_is_the_declared_one(engine):
    migrate(engine)
    assert declared_difference(engine, {"metric_values"}) == []


def test_0017_backfills_what_ingest_writes_and_downgrades(engine):
    migrate(engine)
    store = SqlAssetStore(engine, run_migrations=False)
    store.upsert_many([record(f"a{i}", project="P", metrics=[metric("noise", "Fail", value=i * 1.5),
                                                             metric("rates", value=[i, i + 2]),
                                                             metric("label", value="text")])
                       for i in range(7)] + [record("gone", metrics=[metric("noise", value=99.0)])])
    store.delete_asset("gone", user="root")
    written = _all(engine)
    assert len(written) == 14
    # Back to 0014 (the table goes), then up again: the backfill rebuilds the same rows.
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0014")
    with engine.connect() as connection:
        assert "metric_values" not in set(engine.dialect.get_table_names(connection))
    migrate(engine)
    assert _all(engine) == written
