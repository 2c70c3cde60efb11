"""Schema migrations keep data: a database made at 0001 upgrades to head (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import func, insert, select

from portal.qc import summarise
from portal.store.protocol import AssetQuery
from portal.store.sql.batch import record_hash
from portal.store.sql.engine import _alembic_config, make_engine, migrate, schema_is_current
from portal.store.sql.rows import asset_columns, modality_rows, stage_rows
from portal.store.sql.store import SqlAssetStore
from portal.store.sql.tables import asset_metrics, asset_modalities, asset_stages, assets
from tests.records import metric, record


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _records():
    return [
        record("a", metrics=[metric("drift", "Fail"), metric("noise", "Pass"),
                             metric("video", "Pending", mod="behavior", stage="Processing")],
               modalities=("ecephys", "behavior")),
        record("b", metrics=[metric("drift", "Pass", history=[
            {"evaluator": "Automated", "status": "Pending", "timestamp": "2025-01-01T00:00:00+00:00"},
            {"evaluator": "Ada", "status": "Pass", "timestamp": "2025-01-03T00:00:00+00:00"}])]),
        record("c", qc=False),
        record("d", qc={"metrics": "unreadable"}),
    ] + [record(f"bulk-{i:04d}", metrics=[metric(f"m{i % 7}", ("Pass", "Fail", "Pending")[i % 3])])
         for i in range(1200)]  # more than one backfill batch


def _write_as_0001(engine, records) -> None:
    """Rows exactly as the 0001 code wrote them (no asset_metrics)."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for rec in records:
            summary = summarise({**rec, "_id": rec["name"]})
            connection.execute(insert(assets).values(
                id=rec["name"], version=1, source_hash=record_hash(rec), portal_edits={}, document=rec,
                created_at=now, updated_at=now, **asset_columns(summary)))
            connection.execute(insert(asset_modalities), modality_rows(rec["name"], summary))
            stages = stage_rows(rec["name"], summary)
            if stages:
                connection.execute(insert(asset_stages), stages)


def test_upgrade_from_0001_backfills_metrics_and_keeps_everything(engine):
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
    assert not schema_is_current(engine)
    records = _records()
    _write_as_0001(engine, records)
    with engine.connect() as connection:
        before = {row.id: row.document for row in connection.execute(select(assets.c.id, assets.c.document))}

    migrate(engine)

    assert schema_is_current(engine)
    store = SqlAssetStore(engine, run_migrations=False)
    with engine.connect() as connection:
        after = {row.id: row.document for row in connection.execute(select(assets.c.id, assets.c.document))}
        n_metric_rows = connection.execute(select(func.count()).select_from(asset_metrics)).scalar_one()
    assert after == before  # documents untouched
    expected = Counter()
    for rec in records:
        for m in summarise(rec).metrics:
            expected[(m.name, m.modality, m.stage, m.status)] += 1
    got = Counter({(r.name, r.modality, r.stage, r.status): r.n for r in store.metric_counts(AssetQuery())})
    assert got == expected
    assert n_metric_rows == sum(expected.values()) == 3 + 1 + 1200
    assert got[("drift", "ecephys", "Raw data", "Pass")] == 1  # b's latest status, by timestamp
    # asset_counts (0003, with `pending` from 0022) gives the review queue's total.
    assert store.review_queue(AssetQuery()).total == sum(n for key, n in expected.items() if key[3] == "Pending")
    # The migrated store works as a fresh one: a re-annotated asset rewrites its rows.
    later = metric("drift", "Pass", timestamp="2025-06-01T00:00:00+00:00")
    assert store.upsert_many([record("a", metrics=[later])])[0].action == "updated"
    drift = {r.status: r.n for r in store.metric_counts(AssetQuery(text="a")) if r.name == "drift"}
    assert drift == {"Pass": 1}


def test_fresh_database_is_at_head(engine):
    migrate(engine)
    assert schema_is_current(engine)
    migrate(engine)  # a second start is a no-op
    assert schema_is_current(engine)
