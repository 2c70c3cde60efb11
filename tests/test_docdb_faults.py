"""The DocDB store when the gateway misbehaves: slow, failing, dropping, losing writes, gone."""

from __future__ import annotations

import socket
import time

import pytest

from portal.errors import StoreUnavailable
from portal.store.docdb.client import make_client, parse_store_url
from portal.store.docdb.store import DocDbAssetStore
from portal.store.protocol import Annotation, AssetQuery, MetricEdit
from portal.store.sql.engine import make_engine
from tests.docdb_fixtures import *  # noqa: F403
from tests.docdb_fixtures import docdb_store
from tests.records import metric, record


@pytest.fixture
def seeded(store):
    store.upsert_many([record("a", metrics=[metric("m1", "Pending"), metric("m2", "Pass")])])
    return store


def test_slow_gateway_times_out_within_seconds(fresh_gateway, tmp_path):
    store = docdb_store(fresh_gateway, tmp_path, timeout=0.3, retries=1)
    fresh_gateway.faults.delay = 2.0
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="did not answer in time"):
        store.status_totals(AssetQuery())
    assert time.monotonic() - started < 2.0  # two attempts of 0.3 s, not the gateway's 2 s each
    assert fresh_gateway.count("aggregate") == 2


def test_a_few_500s_are_retried(seeded, fresh_gateway):
    fresh_gateway.reset()
    fresh_gateway.faults.fail = 2
    assert seeded.status_totals(AssetQuery()) == {"Pending": 1}
    assert fresh_gateway.count("aggregate") == 3


def test_persistent_500s_become_a_clear_error(seeded, fresh_gateway):
    fresh_gateway.faults.fail = 100
    with pytest.raises(StoreUnavailable, match="refused counting assets: HTTP 500"):
        seeded.status_totals(AssetQuery())


def test_dropped_connection_is_retried(seeded, fresh_gateway):
    fresh_gateway.reset()
    fresh_gateway.faults.drop = 1
    assert seeded.get("a").summary.overall_status == "Pending"
    assert fresh_gateway.count("find") == 2


def test_dropped_connections_become_a_clear_error(seeded, fresh_gateway):
    fresh_gateway.faults.drop = 100
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        seeded.get("a")


def test_write_not_visible_on_read_back_is_refused_and_not_audited(seeded, fresh_gateway):
    fresh_gateway.faults.lose_writes = True
    with pytest.raises(StoreUnavailable, match="does not show it on read-back"):
        seeded.annotate(Annotation("a", 1, (MetricEdit("m1", "Fail", seen_history=1),)), user="Ada")
    fresh_gateway.faults.lose_writes = False
    assert [e.action for e in seeded.audit_log(asset="a")] == ["create"]
    got = seeded.get("a")
    assert got.version == 1 and got.summary.overall_status == "Pending"


def test_unreachable_gateway_fails_fast(tmp_path, aws_env, caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = parse_store_url(f"docdb+http://127.0.0.1:{port}?database=metadata_index&collection=data_assets")
    client = make_client(target, timeout=2, region="us-west-2")
    client.session.backoff = 0.01
    store = DocDbAssetStore(client, target, make_engine(f"sqlite:///{tmp_path / 'p.db'}"))
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="DocDB did not answer: it cannot be reached") as caught:
        store.ping()
    assert time.monotonic() - started < 3
    # The message may reach a browser: it names no host; the log tells the operator where.
    assert str(port) not in caught.value.message
    assert f"DocDB at http://127.0.0.1:{port}/v2/metadata_index/data_assets cannot be reached" in caplog.text


def test_annotation_writes_only_quality_control(seeded, fresh_gateway):
    fresh_gateway.collection.update_one({"name": "a"}, {"$set": {"processing": {"kept": True}}})
    assert seeded.annotate(Annotation("a", 1, (MetricEdit("m1", "Fail", seen_history=1),)), user="Ada").applied
    stored = fresh_gateway.collection.find_one({"name": "a"})
    assert stored["processing"] == {"kept": True}
    assert stored["quality_control"]["metrics"][0]["status_history"][-1]["evaluator"] == "Ada"


def test_an_outside_change_bumps_the_version_and_a_stale_edit_conflicts(seeded, fresh_gateway):
    assert seeded.get("a").version == 1
    qc = fresh_gateway.collection.find_one({"name": "a"})["quality_control"]
    qc["metrics"][0]["status_history"].append(
        {"evaluator": "Pipeline", "status": "Fail", "timestamp": "2025-05-05T00:00:00+00:00"})
    fresh_gateway.collection.update_one({"name": "a"}, {"$set": {"quality_control": qc}})
    assert seeded.get("a").version == 2
    result = seeded.annotate(Annotation("a", 1, (MetricEdit("m1", "Pass", seen_history=1),)), user="Ada")
    assert not result.applied and result.conflicts[0].theirs[0]["evaluator"] == "Pipeline"


def test_request_counts_per_page(seeded, fresh_gateway):
    seeded.upsert_many([record(f"b{i}", metrics=[metric("m", "Pass")]) for i in range(5)])
    fresh_gateway.reset()
    page = seeded.list_assets(AssetQuery(), offset=0, limit=2)
    assert page.total == 6 and len(page.rows) == 2
    assert fresh_gateway.requests == [("POST", "aggregate"), ("POST", "aggregate")]  # the rows, then $count
    fresh_gateway.reset()
    last = seeded.list_assets(AssetQuery(), offset=4, limit=10)
    assert last.total == 6 and fresh_gateway.requests == [("POST", "aggregate")]  # a short page needs no count
    fresh_gateway.reset()
    from portal.views.filters_url import parse_query
    from portal.views.overview import overview_view

    view = overview_view(seeded, parse_query("?project=Alpha"))  # totals, per project, per modality...
    assert view.total == 6 and fresh_gateway.requests == [("POST", "aggregate")]  # ...from one aggregate
    fresh_gateway.reset()
    seeded.counts(AssetQuery())
    seeded.facets()
    assert fresh_gateway.requests == [("POST", "aggregate")] * 2
    seeded.facets()  # the filter bar asks often: kept for a minute...
    assert len(fresh_gateway.requests) == 2
    seeded.upsert_many([record("c", project="Zeta")])  # ...unless this store wrote
    assert "Zeta" in seeded.facets()["project"]


def test_ingest_without_create_updates_existing_records_only(fresh_gateway, tmp_path):
    fresh_gateway.seed([{**record("known", metrics=[metric("m", "Pending")]), "_id": "k1"}])
    store = docdb_store(fresh_gateway, tmp_path, create=False)
    results = store.upsert_many([
        record("known", metrics=[metric("m", "Pass", timestamp="2025-02-02T00:00:00+00:00")]),
        record("unknown"),
    ])
    assert [r.action for r in results] == ["updated", "error"]
    assert "is not in DocDB" in results[1].error
    assert fresh_gateway.collection.count_documents({}) == 1
    assert store.get("known").summary.overall_status == "Pass"
