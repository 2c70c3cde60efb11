"""The project a write's policy and reason checks read (SqlAssetStore.project_of, through
portal.review.reasons.asset_project) follows a rename and is gone with a deletion, as
store.get is (by name and id for every store: tests/store_contract.py; DocDB refuses
renames and deletions)."""

from __future__ import annotations

import pytest

from portal.review.reasons import asset_project
from portal.store.sql.reviews import project_of
from tests.records import metric, record


@pytest.fixture
def store(sql_store):
    return sql_store  # tests/conftest.py: SQLite, then PostgreSQL


def test_the_project_by_name_id_rename_and_deletion(store):
    with_project = record("a", metrics=[metric("m")])
    with_project["data_description"]["project_name"] = "  Dynamic Routing "
    without = record("b", metrics=[metric("m")])
    without["data_description"].pop("project_name", None)
    store.upsert_many([with_project, without])
    a = store.get("a")
    assert asset_project(store, "a") == asset_project(store, a.id) == project_of(a.record) == "Dynamic Routing"
    assert asset_project(store, "b") is None and project_of(store.get("b").record) is None
    assert asset_project(store, "nobody") is None
    store.rename_asset("a", "a2", user="admin")
    assert asset_project(store, "a2") == "Dynamic Routing"
    store.delete_asset("a2", user="admin")
    assert asset_project(store, "a2") is None  # as store.get answers None for it
