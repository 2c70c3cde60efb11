"""Shared fixtures: settings over a scratch data dir, SQLite and PostgreSQL stores, apps."""

from __future__ import annotations

import itertools
import os

import pytest

from tests.pg import PostgresServer, pg_bin

_db_counter = itertools.count()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test sees the developer's QC_PORTAL_* variables or .env file."""
    for key in list(os.environ):
        if key.startswith("QC_PORTAL_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the session (skipped only where no server binaries exist
    and QC_PORTAL_TEST_REQUIRE_POSTGRES is not set; CI sets it, so there it must run)."""
    if pg_bin() is None:
        if os.environ.get("QC_PORTAL_TEST_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL server binaries not found under /usr/lib/postgresql")
        pytest.skip("PostgreSQL server binaries not installed")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres):
    """A fresh, empty PostgreSQL database per test."""
    return postgres.create_database(f"t{next(_db_counter)}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_url(request, tmp_path):
    """The URL of a fresh SQLite file, then of a fresh PostgreSQL database (no schema yet): for
    tests that open a second engine on it, as another worker would."""
    return f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def sql_engine(sql_url):
    """An engine over a fresh SQLite file, then over a fresh PostgreSQL database (no schema yet)."""
    from portal.store.sql.engine import make_engine

    engine = make_engine(sql_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sql_store(sql_engine):
    """A SqlAssetStore over a fresh SQLite file, then over a fresh PostgreSQL database."""
    from portal.store.sql.store import SqlAssetStore

    return SqlAssetStore(sql_engine)


@pytest.fixture
def settings(tmp_path):
    """Settings over a scratch data dir (SQLite database inside it)."""
    from portal.settings import load_settings

    return load_settings(data_dir=tmp_path / "data", secret_key="test-secret")
