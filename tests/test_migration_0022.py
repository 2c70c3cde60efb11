"""Migration 0022 (asset_counts.pending) gives the table tables.py declares, on SQLite and
PostgreSQL, and backfills a database at 0021 with what the writes keep (deleted assets left
out), so the review queue's total is right from the first start after the upgrade."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select

from portal.store.protocol import Annotation, AssetQuery, MetricEdit
from portal.store.sql.engine import _alembic_config, migrate
from portal.store.sql.store import SqlAssetStore
from portal.store.sql.tables import asset_counts
from tests.migration_checks import declared_difference
from tests.records import metric, record


@pytest.fixture
def engine(sql_engine):
    return sql_engine  # tests/conftest.py: SQLite, then PostgreSQL



def _counts(engine) -> list[tuple]:
    with engine.connect() as connection:
        return sorted(tuple(r) for r in connection.execute(select(asset_counts)) if r.n or r.pending)


def test_the_migrated_table_is_the_declared_one(engine):
    migrate(engine)
    assert declared_difference(engine, {"asset_counts"}) == []


def test_0022_backfills_what_the_writes_keep_and_downgrades(engine):
    migrate(engine)
    store = SqlAssetStore(engine, run_migrations=False)
    store.upsert_many([record(f"a{i}", project="P" if i % 2 else "Q", modalities=("ecephys", "behavior"),
                              metrics=[metric(f"m{j}", "Pending") for j in range(i)] + [metric("ok", "Pass")])
                       for i in range(6)] + [record("gone", metrics=[metric("x", "Pending")])])
    store.annotate(Annotation("a3", store.get("a3").version, (MetricEdit("m0", "Pass", seen_history=1),)), user="ann")
    store.delete_asset("gone", user="root")
    kept = _counts(engine)
    total = store.review_queue(AssetQuery()).total
    assert total == 0 + 1 + 2 + 2 + 4 + 5  # a3 lost one to the annotation; "gone" counts nowhere
    # Back to 0021 (the column goes), then up again: the backfill gives the same rows.
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0021")
    with engine.connect() as connection:
        columns = {c["name"] for c in engine.dialect.get_columns(connection, "asset_counts")}
    assert "pending" not in columns
    migrate(engine)
    assert _counts(engine) == kept
    assert SqlAssetStore(engine, run_migrations=False).review_queue(AssetQuery(project=("P",))).total == 1 + (3 - 1) + 5
