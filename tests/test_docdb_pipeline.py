"""DocDB computes statuses with pipelines: they must agree with portal.qc.summarise.

Each record is stored in the local gateway and listed through the store; the row the
pipeline computed is compared with `summarise` on the same record. Where a pipeline
cannot validate (expressions.py documents what), the documented behaviour is tested.
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import pytest

from portal.qc import summarise
from portal.store.protocol import AssetQuery, Sort
from portal.store.sql.rows import modality_status
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def _fixture(name: str) -> dict:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"fixture {name} not present")
    return json.loads(path.read_text())


def _expected(rec: dict) -> dict:
    s = summarise(rec)
    return {
        "status": s.overall_status,
        "counts": (s.counts.total, s.counts.passed, s.counts.failed, s.counts.pending),
        "modalities": modality_status(s),
        "project": s.project, "subject": s.subject_id, "level": s.level, "acquired": s.acquired,
        "source": s.source_data[0] if s.source_data else None,
        "review": s.last_review.evaluator if s.last_review else None,
    }


def _got(row) -> dict:
    return {
        "status": row.status,
        "counts": (row.total, row.passed, row.failed, row.pending),
        "modalities": row.modality_status,
        "project": row.project, "subject": row.subject_id, "level": row.level,
        "acquired": row.acquired.replace(microsecond=row.acquired.microsecond // 1000 * 1000) if row.acquired else None,
        "source": row.source, "review": row.last_review_by,
    }


def _compare(store, gateway, records: list[dict]) -> list[str]:
    gateway.seed(records)
    rows = {row.id: row for row in store.iter_assets(AssetQuery(), Sort("name", False), batch=500)}
    differences = []
    for rec in records:
        expected = _expected(rec)
        if expected["acquired"] is not None:  # BSON dates keep milliseconds
            moment = expected["acquired"]
            expected["acquired"] = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        got = _got(rows[rec["_id"]])
        if got != expected:
            differences.append(f"{rec['name']}: expected {expected}, got {got}")
    return differences


def test_demo_records_agree_with_summarise(store, fresh_gateway):
    from portal.demo import build_records

    records = [{**r, "_id": f"id-{i}"} for i, r in enumerate(itertools.islice(build_records(150), 150))]
    assert _compare(store, fresh_gateway, records) == []


def test_real_records_agree_with_summarise(store, fresh_gateway):
    real = _fixture("docdb_record_ecephys_v2.json")
    legacy = record("legacy-1x", qc=_fixture("quality_control_v1.2.2_example.json"),
                    _id="legacy")
    assert _compare(store, fresh_gateway, [real, legacy]) == []


def test_schema_rules_agree(store, fresh_gateway):
    tolerated = record("tolerated", _id="t1", metrics=[metric("m", "Fail", tags={"probe": "A"})])
    tolerated["quality_control"]["allow_tag_failures"] = ["probe:A"]
    by_value = copy.deepcopy(tolerated) | {"_id": "t2", "name": "by-value"}
    by_value["quality_control"]["allow_tag_failures"] = ["A"]
    latest_by_time = record("latest-by-time", _id="t3", metrics=[metric("m", history=[
        {"evaluator": "b", "status": "Pass", "timestamp": "2025-03-01 00:00:00+00:00"},
        {"evaluator": "a", "status": "fail", "timestamp": "2025-02-01T00:00:00Z"}])])
    future = record("future", _id="t4", metrics=[metric("m", history=[
        {"evaluator": "a", "status": "Pending", "timestamp": "2025-01-01T00:00:00+00:00"},
        {"evaluator": "b", "status": "Fail", "timestamp": "2999-01-01T00:00:00+00:00"}])])
    offsets = record("offsets", _id="t5", metrics=[metric("m", history=[
        {"evaluator": "a", "status": "Pass", "timestamp": "2025-01-01T10:00:00-08:00"},  # 18:00 UTC: the latest
        {"evaluator": "b", "status": "Fail", "timestamp": "2025-01-01T12:00:00+00:00"}])])
    odd_spelling = record("odd-spelling", _id="t6", metrics=[metric("m", "Pass") | {
        "modality": "Extracellular electrophysiology", "stage": "processing"}])
    no_modalities = record("no-modalities", _id="t7", modalities=(), qc=False)
    legacy = _fixture("quality_control_v1.2.2_example.json")
    for evaluation in legacy["evaluations"]:
        evaluation["allow_failed_metrics"] = True
        for one in evaluation["metrics"]:
            one["status_history"].append({"evaluator": "x", "status": "Fail", "timestamp": "2025-06-01T00:00:00Z"})
    allowed_1x = record("allowed-1x", _id="t8", qc=legacy)
    assert _compare(store, fresh_gateway, [tolerated, by_value, latest_by_time, future, offsets, odd_spelling,
                                           no_modalities, allowed_1x]) == []
    assert store.get("allowed-1x").summary.overall_status == "Pass"


GARBAGE = [
    {"quality_control": "a string"},
    {"quality_control": {"metrics": "oops"}},
    {"quality_control": {"metrics": [1, None, "x"]}},
    {"quality_control": {"metrics": [{"name": 3, "modality": [], "stage": {}, "status_history": "no"}]}},
    {"quality_control": {"metrics": [metric("m") | {"status_history": []}]}},
    {"quality_control": {"metrics": [metric("m") | {"status_history": [{"status": "Great", "timestamp": 5}]}]}},
    {"quality_control": {"metrics": [metric("m") | {"modality": {"abbreviation": "nope"}}]}},
    {"quality_control": {"metrics": [metric("m") | {"stage": "Multi-asset"}]}},
    {"quality_control": {"evaluations": [None, {"metrics": "x"}]}},
    {"quality_control": {"metrics": [metric("m") | {"tags": {"a": 1, "b": None}}]},
     "data_description": {"modalities": "ecephys", "data_level": 7, "project_name": {}, "source_data": "x"},
     "subject": {"subject_id": 123}, "acquisition": {"acquisition_start_time": "yesterday"}},
]


@pytest.mark.parametrize("index", range(len(GARBAGE)))
def test_odd_documents_never_fail_a_count_and_agree(store, fresh_gateway, index):
    rec = {"_id": f"g{index}", "name": f"garbage-{index}", **GARBAGE[index]}
    assert _compare(store, fresh_gateway, [rec]) == []
    assert sum(store.status_totals(AssetQuery()).values()) == 1


def test_documented_difference_schema_only_errors(store, fresh_gateway):
    """A schema error the pipeline does not check (an unknown top-level field): the grid shows
    the computed status, the asset itself (get) says Unreadable with the reason."""
    rec = record("extra-field", _id="x1", metrics=[metric("m", "Fail")])
    rec["quality_control"]["reviewed_by_robot"] = True
    fresh_gateway.seed([rec])
    assert store.list_assets(AssetQuery()).rows[0].status == "Fail"
    got = store.get("extra-field").summary
    assert got.overall_status == "Unreadable" and "unknown field" in got.qc_error


def test_documented_difference_list_tag_pairs(store, fresh_gateway):
    """List tags (2.0-2.2) match allow_tag_failures by value only, not by `tag_N:value`."""
    rec = record("list-tags", _id="l1", metrics=[metric("m", "Fail") | {"tags": ["probe A"]}])
    rec["quality_control"]["schema_version"] = "2.1.0"
    rec["quality_control"]["allow_tag_failures"] = ["tag_1:probe A"]
    fresh_gateway.seed([rec])
    assert store.get("list-tags").summary.overall_status == "Pass"  # the schema's rule
    assert store.list_assets(AssetQuery()).rows[0].status == "Fail"  # the pipeline's
    rec2 = copy.deepcopy(rec) | {"_id": "l2", "name": "list-tags-by-value"}
    rec2["quality_control"]["allow_tag_failures"] = ["probe A"]
    fresh_gateway.seed([rec2])
    assert store.list_assets(AssetQuery(text="by-value")).rows[0].status == "Pass"
