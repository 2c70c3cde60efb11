"""The SQL store's facets (the filter bar's options), read from the pre-aggregated tables, equal
the distinct values of the visible assets themselves through ingest, re-ingest, annotate, delete,
restore and rename, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.store.protocol import Annotation, MetricEdit
from portal.store.sql import hidden
from portal.store.sql.tables import asset_modalities, assets
from tests.records import metric, record


@pytest.fixture
def store(sql_store):
    return sql_store  # tests/conftest.py: SQLite, then PostgreSQL


def from_assets(store) -> dict:
    """The facets as DISTINCTs over the visible assets (what facets() read before)."""
    with store.engine.connect() as connection:
        def distinct(column, *where):
            return sorted({v for (v,) in connection.execute(select(column).where(*where)) if v})

        visible = assets.c.id.in_(select(assets.c.id).where(hidden.visible()))
        return {"project": distinct(assets.c.project, hidden.visible()),
                "modality": distinct(asset_modalities.c.modality, asset_modalities.c.asset_id.in_(
                    select(assets.c.id).where(visible))),
                "subject": distinct(assets.c.subject_id, hidden.visible()),
                "level": distinct(assets.c.level, hidden.visible())}


def check(store) -> None:
    assert {k: sorted(v) for k, v in store.facets().items()} == from_assets(store)


def test_facets_follow_every_write(store):
    store.upsert_many([
        record("a1", project="Alpha", subject="s1", modalities=("ecephys",), metrics=[metric("m", "Pass")]),
        record("a2", project="Alpha", subject="s2", modalities=("ecephys", "behavior"),
               metrics=[metric("m", "Pending")]),
        record("b1", project="Beta", subject="s3", modalities=("pophys",), level="derived", qc=False),
        record("n1", project=None, subject="", modalities=(), qc=False),
    ])
    check(store)
    assert store.facets()["project"] == ["Alpha", "Beta"]
    # Re-ingest moves b1 to another project, subject and modality: Beta and s3 go.
    store.upsert_many([record("b1", project="Gamma", subject="s4", modalities=("behavior",), qc=False)])
    check(store)
    assert "Beta" not in store.facets()["project"] and "s3" not in store.facets()["subject"]
    stored = store.get("a2")
    store.annotate(Annotation("a2", stored.version, (MetricEdit(metric="m", status="Fail"),)), user="ada")
    check(store)
    store.delete_asset("a1", user="admin")  # s1's only asset
    check(store)
    assert "s1" not in store.facets()["subject"]
    store.restore_asset("a1", user="admin")
    check(store)
    store.rename_asset("a1", "a1-renamed", user="admin")
    check(store)
