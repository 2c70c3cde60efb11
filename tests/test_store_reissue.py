"""Records DocDB re-issued (same name, new `_id`) replace the stored one when newer, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from portal.store.protocol import Actor, Annotation, MetricEdit
from portal.store.sql.engine import make_engine
from portal.store.sql.store import SqlAssetStore
from tests.records import metric, record


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'portal.db'}"))
        return
    engine = make_engine(request.getfixturevalue("pg_url"))
    yield SqlAssetStore(engine)
    engine.dispose()


def _v1(**extra):
    rec = record("ecephys_1", _id="old-id", metrics=[metric("Drift", "Pending")], **extra)
    rec["_last_modified"] = "2024-03-01T00:00:00Z"
    return rec


def _v2():
    rec = record("ecephys_1", _id="new-id", metrics=[metric("Drift", "Pending"), metric("Yield", "Pass")])
    rec["_last_modified"] = "2025-06-01T00:00:00Z"
    return rec


def test_a_newer_reissued_record_replaces_the_stored_one_keeping_reviews(store):
    store.upsert_many([_v1()])
    store.annotate(Annotation("old-id", 1, (MetricEdit("Drift", "Fail"),)), user=Actor("ada", "Ada"))
    result = store.upsert_many([_v2()])[0]
    assert (result.action, result.id) == ("updated", "new-id")
    got = store.get("ecephys_1")
    assert got.id == "new-id" and got.record["_id"] == "new-id" and got.version == 3
    # The review made in the portal on the old record is kept, and the new metric is there.
    history = got.record["quality_control"]["metrics"][0]["status_history"]
    assert ("Ada", "Fail") in [(h["evaluator"], h["status"]) for h in history]
    assert [m["name"] for m in got.record["quality_control"]["metrics"]] == ["Drift", "Yield"]
    # The old id still finds it, for reads and writes; the audit log keeps its whole story.
    assert store.get("old-id").id == "new-id"
    store.annotate(Annotation("old-id", 3, (MetricEdit("Yield", "Fail"),)), user=Actor("ada", "Ada"))
    assert [e.action for e in store.audit_log(asset="new-id")] == ["annotate", "reissue", "annotate", "create"]
    assert store.count_assets() == 1


def test_an_older_reissued_record_is_refused_with_the_reason(store):
    store.upsert_many([_v2()])
    result = store.upsert_many([_v1()])[0]
    assert result.action == "error"
    assert "not newer" in result.error and "last modified" in result.error
    assert store.get("ecephys_1").id == "new-id"


def test_without_dates_the_higher_schema_version_wins(store):
    old = record("ecephys_2", _id="v1-id", metrics=[metric("m", "Pending")])
    old["schema_version"] = "1.1.0"
    new = record("ecephys_2", _id="v2-id", metrics=[metric("m", "Pass", timestamp="2025-02-01T00:00:00+00:00")])
    new["schema_version"] = "2.0.34"
    assert store.upsert_many([old])[0].action == "created"
    assert store.upsert_many([new])[0].action == "updated"
    got = store.get("v1-id")
    assert got.id == "v2-id" and got.summary.overall_status == "Pass"
    # Re-ingesting the old dump now is refused (it is older), and changes nothing.
    assert store.upsert_many([old])[0].action == "error"
    assert store.get("ecephys_2").version == 2
