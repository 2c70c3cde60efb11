"""Migration 0014 (lifecycle, events, webhooks) builds exactly the tables tables.py declares,
on SQLite and PostgreSQL, and a database at 0011 with assets upgrades to it keeping them."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.store.sql.engine import _alembic_config, make_engine, migrate
from portal.store.sql.store import SqlAssetStore
from portal.store.sql.tables import metadata
from tests.records import metric, record

NEW_TABLES = {"asset_deletions", "events", "webhooks", "webhook_deliveries"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _mine(obj, name, type_, reflected, compare_to):
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in NEW_TABLES


def test_the_migrated_tables_are_the_declared_ones(engine):
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": _mine, "compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert NEW_TABLES <= set(engine.dialect.get_table_names(connection))


def test_0014_upgrades_from_0011_and_downgrades_cleanly(engine):
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0011")
    migrate(engine)
    store = SqlAssetStore(engine, run_migrations=False)
    store.upsert_many([record("a", metrics=[metric("m", "Fail")])])
    store.delete_asset("a", user="root")
    store.restore_asset("a", user="root")
    assert store.get("a").summary.overall_status == "Fail"
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0011")
    with engine.connect() as connection:
        tables = set(engine.dialect.get_table_names(connection))
    assert not tables & NEW_TABLES and "assets" in tables
