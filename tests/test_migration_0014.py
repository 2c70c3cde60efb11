"""Migration 0014 (lifecycle, events, webhooks) builds exactly the tables tables.py declares,
on SQLite and PostgreSQL, and a database at 0011 with assets upgrades to it keeping them."""

from __future__ import annotations

import pytest
from alembic import command

from portal.store.sql.engine import _alembic_config, migrate
from portal.store.sql.store import SqlAssetStore
from tests.migration_checks import declared_difference
from tests.records import metric, record

NEW_TABLES = {"asset_deletions", "events", "webhooks", "webhook_deliveries"}


@pytest.fixture
def engine(sql_engine):
    return sql_engine  # tests/conftest.py: SQLite, then PostgreSQL


def test_the_migrated_tables_are_the_declared_ones(engine):
    migrate(engine)
    assert declared_difference(engine, NEW_TABLES) == []
    with engine.connect() as connection:
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
