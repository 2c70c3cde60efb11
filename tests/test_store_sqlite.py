"""The store contract on SQLite (the embedded default), plus SQLite-specific behaviour."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from portal.errors import StoreUnavailable
from portal.store.protocol import AssetQuery
from portal.store.sql.engine import make_engine, schema_is_current
from portal.store.sql.store import SqlAssetStore
from tests.records import metric, record
from tests.store_contract import StoreContract, SummaryContract


@pytest.fixture
def store(tmp_path):
    return SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'portal.db'}"))


class TestSqliteStore(StoreContract):
    pass


def test_database_is_wal_and_migrated(tmp_path):
    path = tmp_path / "portal.db"
    store = SqlAssetStore(make_engine(f"sqlite:///{path}"))
    store.upsert_many([record("a")])
    assert schema_is_current(store.engine)
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        migrations = Path(__file__).resolve().parents[1] / "portal/store/sql/migrations/versions"
        newest = max(p.name.split("_")[0] for p in migrations.glob("0*.py"))
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == newest


def test_migrating_twice_keeps_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    SqlAssetStore(make_engine(url)).upsert_many([record("a")])
    again = SqlAssetStore(make_engine(url))
    assert again.get("a") is not None


def test_unreadable_database_file_is_a_clear_error(tmp_path):
    path = tmp_path / "portal.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreUnavailable, match="cannot use the database"):
        SqlAssetStore(make_engine(f"sqlite:///{path}"))


class TestSqliteSummaries(SummaryContract):
    pass


def test_modality_filter_reads_the_assets_own_list(tmp_path):
    store = SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'portal.db'}"))
    store.upsert_many([record("plain", modalities=(), qc=False), record("e", modalities=("ecephys",)),
                       record("b_e", modalities=("behavior", "ecephys")),
                       record("bv", modalities=("behavior-videos",), metrics=[metric("m", mod="behavior-videos")])])

    def listed(*modalities):
        return {r.name for r in store.list_assets(AssetQuery(modality=modalities)).rows}

    assert listed("ecephys") == {"e", "b_e"}
    assert listed("behavior") == {"b_e"}  # not a prefix match of behavior-videos
    assert listed("(none)") == {"plain"}  # what asset_modalities calls an asset without modalities
    assert listed("behavior-videos", "(none)") == {"bv", "plain"}
    assert "(none)" in store.facets()["modality"]
