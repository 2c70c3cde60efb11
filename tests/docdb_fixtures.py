"""Fixtures for DocDB tests: the local gateway, fake AWS credentials, a store over both.

Import them into a test module with `from tests.docdb_fixtures import *  # noqa: F403`.
"""

from __future__ import annotations

import pytest

from portal.store.docdb.client import make_client, parse_store_url
from portal.store.docdb.store import DocDbAssetStore
from portal.store.sql.engine import make_engine
from tests.docdb_gateway import DocDbGateway

__all__ = ["aws_env", "docdb_store", "fresh_gateway", "gateway", "store"]


@pytest.fixture(scope="session")
def gateway():
    """One local gateway for the session (emptied per test by `fresh_gateway`)."""
    server = DocDbGateway().start()
    yield server
    server.stop()


@pytest.fixture
def aws_env(monkeypatch):
    """Fake AWS credentials: the client signs writes with them; nothing checks them."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-west-2"}.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def fresh_gateway(gateway, aws_env):
    """The gateway with an empty collection, no faults and an empty request log."""
    gateway.collection.delete_many({})
    gateway.reset()
    return gateway


def docdb_store(gateway, tmp_path, *, create=True, timeout=5.0, retries=2) -> DocDbAssetStore:
    """A DocDB store on `gateway` with its portal database in `tmp_path`."""
    target = parse_store_url(gateway.store_url())
    client = make_client(target, timeout=timeout, region="us-west-2", retries=retries)
    client.session.backoff = 0.01
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    return DocDbAssetStore(client, target, engine, create=create)


@pytest.fixture
def store(fresh_gateway, tmp_path):
    """A DocDB store that may insert records (the contract suite creates its own)."""
    return docdb_store(fresh_gateway, tmp_path)
