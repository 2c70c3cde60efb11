"""Asset record -> AssetSummary, for real records and for garbage."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from portal.qc import AssetSummary, MetricCounts, Review, summarise

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
ECEPHYS = FIXTURES / "docdb_record_ecephys_v2.json"
V1 = FIXTURES / "quality_control_v1.2.2_example.json"


def _fixture(path: Path) -> dict:
    if not path.exists():
        pytest.skip(f"fixture {path.name} not present")
    with path.open() as handle:
        return json.load(handle)


def test_real_v2_record():
    record = _fixture(ECEPHYS)
    summary = summarise(record)
    assert summary.id == "dd378464-a4a0-48c0-9a65-f7d39238bfa3"
    assert summary.name == "ecephys_800779_2025-09-26_12-57-44_sorted-ads2.0_2025-10-22_15-35-53"
    assert summary.project == "Cell Type Lookup Table"
    assert summary.subject_id == "800779"
    # "2025-09-26 12:57:44-07:00", as UTC
    assert summary.acquired == datetime(2025, 9, 26, 19, 57, 44, tzinfo=UTC)
    assert summary.acquired.utcoffset().total_seconds() == 0
    assert summary.level == "derived"
    assert summary.source_data == ("ecephys_800779_2025-09-26_12-57-44",)
    assert summary.modalities == ("behavior", "behavior-videos", "ecephys")
    assert summary.location.startswith("s3://codeocean-s3datasetsbucket-1u41qdg42ur9/")
    assert summary.qc_state == "ok" and summary.qc_error is None
    assert summary.schema_version == "2.1.0"
    assert summary.overall_status == "Pending"
    assert summary.status.modality == {"ecephys": "Pending"}
    assert summary.counts == MetricCounts(total=182, passed=82, failed=0, pending=100)
    assert summary.last_review is None  # every evaluator in this record is ""


def _v1_record() -> dict:
    return {
        "name": "ecephys_123456_2022-11-22_10-00-00",
        "data_description": {
            "name": "ecephys_123456_2022-11-22_10-00-00",
            "project_name": "Old project",
            "subject_id": "123456",
            "data_level": "raw",
            "creation_time": "2022-11-22T12:00:00",
            "modality": [{"name": "Extracellular electrophysiology", "abbreviation": "ecephys"}, "behavior", "ophys"],
        },
        "session": {"session_start_time": "2022-11-22 10:00:00"},
        "quality_control": _fixture(V1),
    }


def test_v1_record():
    summary = summarise(_v1_record())
    assert summary.id == summary.name == "ecephys_123456_2022-11-22_10-00-00"
    assert summary.subject_id == "123456"
    assert summary.acquired == datetime(2022, 11, 22, 10, tzinfo=UTC)  # naive -> UTC
    assert summary.level == "raw"
    # data_description modalities (old "ophys" read as today's "pophys") plus the QC's.
    assert summary.modalities == ("behavior", "behavior-videos", "ecephys", "pophys")
    assert summary.schema_version == "1.2.2"
    assert summary.qc_state == "ok"
    assert summary.status.tag["evaluation:Drift map"] == "Pending"
    assert summary.counts.total == 9
    # "Automated" is a named evaluator; the empty-string ones are not reviews.
    assert summary.last_review == Review(evaluator="Automated", at=datetime(2022, 11, 22, tzinfo=UTC))


def test_acquisition_time_fallbacks():
    record = _v1_record()
    del record["session"]
    assert summarise(record).acquired == datetime(2022, 11, 22, 12, tzinfo=UTC)  # creation_time
    record["acquisition"] = {"acquisition_start_time": "2022-11-21T08:00:00Z"}
    assert summarise(record).acquired == datetime(2022, 11, 21, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("level", "expected"), [("raw", "raw"), ("Derived", "derived"), ("derived data", "derived"), ("x", None)]
)
def test_level(level, expected):
    assert summarise({"data_description": {"data_level": level}}).level == expected


def test_no_quality_control():
    for value in (None, {}):
        summary = summarise({"_id": "abc", "name": "n", "quality_control": value})
        assert summary.qc_state == "none"
        assert summary.overall_status == "No QC"
        assert summary.status is None and summary.counts == MetricCounts()
    assert summarise({"_id": "abc"}).qc_state == "none"


def test_unreadable_quality_control_is_an_error_state():
    record = copy.deepcopy(_fixture(ECEPHYS))
    record["quality_control"]["metrics"][3]["status_history"] = []
    summary = summarise(record)
    assert summary.qc_state == "error"
    assert summary.qc_error == f"metric '{record['quality_control']['metrics'][3]['name']}': status_history is empty"
    assert summary.overall_status == "Unreadable"
    assert summary.status is None and summary.counts == MetricCounts() and summary.last_review is None
    assert summary.project == "Cell Type Lookup Table"  # the rest of the record still reads
    assert summary.schema_version == "2.1.0"


@pytest.mark.parametrize(
    "record",
    [
        {},
        {"quality_control": "oops"},
        {"quality_control": {"metrics": [{}]}},
        {"quality_control": {"metrics": [None]}},
        {"quality_control": {"metrics": "x"}},
        {"quality_control": {"evaluations": [5]}},
        {"quality_control": {"evaluations": [{"name": "e", "metrics": [{"status_history": 3}]}]}},
        {"quality_control": []},
        {"quality_control": 0},
        {"quality_control": {"schema_version": 5, "metrics": [{"name": ["x"]}]}},
        {"_id": None, "name": 5, "data_description": "x", "subject": [], "acquisition": 7},
        {"data_description": {"modalities": [5, None, {"abbreviation": None}, {}], "source_data": "one"}},
        {"data_description": {"modality": "ecephys", "creation_time": "not a date", "data_level": 3}},
        {"acquisition": {"acquisition_start_time": "9999-99-99"}, "location": 5},
        {"data_description": {"creation_time": 12345}},
        {"quality_control": {"metrics": [], "default_grouping": "x"}},
    ],
)
def test_summarise_never_raises(record):
    summary = summarise(record)
    assert isinstance(summary, AssetSummary)
    assert summary.qc_state in ("ok", "none", "error")
    if summary.qc_state == "error":
        assert summary.qc_error and "\n" not in summary.qc_error


def test_summarise_non_dict_input():
    for garbage in (None, 5, "x", []):
        assert summarise(garbage).qc_state == "none"


def test_garbage_error_messages():
    assert summarise({"quality_control": "oops"}).qc_error == "quality_control must be an object, got str"
    assert summarise({"quality_control": {"metrics": [{}]}}).qc_error == "metric #0: modality is missing"


def test_odd_values_in_data_description():
    summary = summarise(
        {
            "_id": 42,
            "data_description": {
                "name": "asset",
                "subject_id": 123,
                "modalities": [{"abbreviation": "trained-behavior"}, "Fiber photometry"],
                "source_data": ["a", None, 3],
            },
        }
    )
    assert summary.id == "42" and summary.name == "asset"
    assert summary.subject_id == "123"
    assert summary.modalities == ("fib", "trained-behavior")  # unknown abbreviations are kept as given
    assert summary.source_data == ("a", "3")
