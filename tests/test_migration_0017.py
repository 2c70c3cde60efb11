"""Migration 0017 (metric_values) builds the table tables.py declares, on SQLite and
PostgreSQL, and backfills a database at 0014 with what a fresh ingest writes (deleted
assets left out)."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from portal.store.sql.engine import _alembic_config, make_engine, migrate
from portal.store.sql.store import SqlAssetStore
from portal.store.sql.tables import metadata, metric_values
from tests.records import metric, record


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _mine(obj, name, type_, reflected, compare_to):
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table == "metric_values"


def _all(engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(select(metric_values).order_by(
            metric_values.c.asset_id, metric_values.c.position))]


def test_the_migrated_table_is_the_declared_one(engine):
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _mine, "compare_type": True})
        assert compare_metadata(context, metadata) == []


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
