"""The store contract on the DocDB backend, against a local gateway speaking DocDB's routes.

The real aind-data-access-api client talks to tests/docdb_gateway.py over HTTP on
127.0.0.1 (mongomock evaluates the filters and pipelines). The one thing not checked
is the SigV4 signature of writes: the client signs them with fake credentials and the
local gateway does not verify signatures.
"""

from __future__ import annotations

import pytest

from portal.store.protocol import Annotation, AssetQuery, MetricEdit
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record
from tests.store_contract import StoreContract, SummaryContract


class TestDocDbStore(StoreContract):
    @pytest.mark.skip(reason="DocDB is the system of record for whole records: a re-ingest into a DocDB store "
                             "writes quality_control only, so a record moved to another project or level keeps "
                             "DocDB's project and level (test_reingest_writes_quality_control_only checks this)")
    def test_counts_stay_exact_through_annotations_and_reingests(self, store):
        pass


class TestDocDbSummaries(SummaryContract):
    pass


def test_counts_stay_exact_through_annotations_and_qc_reingests(store):
    """The contract test above without the project/level move DocDB does not take from ingest."""
    from collections import Counter

    from tests.store_contract import _recount, _seed

    recs = _seed(store)

    def check():
        expected, totals = _recount(store, recs)
        got = Counter({(r.project, r.modality, r.status): r.n for r in store.counts(AssetQuery())})
        assert got == expected
        assert store.status_totals(AssetQuery()) == {k: v for k, v in totals.items() if v}

    store.annotate(Annotation("ecephys_1_2025-01-01", 1, (MetricEdit("b", "Pass"), MetricEdit("c", "Pass"))),
                   user="Ada")
    check()
    changed = record("behavior_3_2025-03-01", project="Beta", modalities=("behavior", "fib"),
                     metrics=[metric("x", "Pending", mod="fib")])
    recs[2] = changed
    assert store.upsert_many([changed])[0].action == "updated"
    check()
    broken = record("pophys_4_100%_done", project="Gamma", modalities=("pophys",), qc={"metrics": "oops"})
    recs[4] = broken
    store.upsert_many([broken])
    check()
    assert store.status_totals(AssetQuery(project=("Gamma",))) == {"Unreadable": 1}


def test_reingest_writes_quality_control_only(store, fresh_gateway):
    store.upsert_many([record("a", project="Alpha", metrics=[metric("m", "Pending")])])
    moved = record("a", project="Elsewhere", level="derived",
                   metrics=[metric("m", "Pass", timestamp="2025-03-03T00:00:00+00:00")])
    assert store.upsert_many([moved])[0].action == "updated"
    stored = fresh_gateway.collection.find_one({"name": "a"})
    assert stored["data_description"]["project_name"] == "Alpha"
    assert stored["data_description"]["data_level"] == "raw"
    assert [h["status"] for h in stored["quality_control"]["metrics"][0]["status_history"]] == ["Pending", "Pass"]
    assert store.get("a").summary.overall_status == "Pass"
