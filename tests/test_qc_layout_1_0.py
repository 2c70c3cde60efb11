"""The 1.0 quality_control layout (`evaluations[]` of `evaluation_*` fields, `qc_metrics`,
`stage_status`), unknown layouts, and the bound on metric value nesting."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aind_data_schema.core.quality_control import QualityControl

from portal.qc import QCReadError, detect_layout, evaluate, load_qc, normalise, summarise
from portal.qc.bounds import MAX_VALUE_DEPTH
from portal.qc.layout_1_0 import stage_from_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def ecephys() -> dict:
    return _fixture("quality_control_v1_0_ecephys.json")


@pytest.fixture
def behavior() -> dict:
    return _fixture("quality_control_v1_0_behavior.json")


def _assert_statuses_equal_schema(raw: dict) -> None:
    """Every status the portal computes equals the schema's own evaluate_status."""
    qc = load_qc(raw)
    reference = QualityControl.model_validate(normalise(raw))
    assert qc == reference and qc.status == reference.status
    report = evaluate(qc)
    assert report.overall == reference.evaluate_status()
    for modality in reference.modalities:
        assert report.modality[modality.abbreviation] == reference.evaluate_status(modality=modality)
    for stage in reference.stages:
        assert report.stage[stage] == reference.evaluate_status(stage=stage)
    assert set(report.tag) == set(reference.tag_pairs)
    for pair in reference.tag_pairs:
        assert report.tag[pair] == reference.evaluate_status(tag=pair)


def test_both_fixtures_are_the_1_0_layout(ecephys, behavior):
    assert detect_layout(ecephys) == detect_layout(behavior) == "1.0"


def test_list_shaped_qc_metrics_with_free_text_stages_and_a_missing_name(ecephys):
    before = copy.deepcopy(ecephys)
    qc = load_qc(ecephys)
    assert ecephys == before  # never mutated
    by_name = {m.name: m for m in qc.metrics}
    assert list(by_name) == ["ProbeA drift (um)", "ProbeB drift (um)", "ProbeA units", "ProbeB units",
                             "Unit yield table", "Dropped frames"]
    drift = by_name["ProbeA drift (um)"]
    assert drift.stage == "Raw data"  # "raw data QC"
    assert drift.modality.abbreviation == "ecephys" and drift.value == 12.4
    assert drift.tags == {"evaluation": "Probe drift"}
    assert drift.description == "Drift of each probe over the session, from the raw traces"
    assert by_name["ProbeB drift (um)"].description == "Pass below 30 um"  # its own wins
    (entry,) = drift.status_history
    assert (entry.evaluator, entry.status) == ("Jane Doe", "Fail")
    assert entry.timestamp == datetime(2024, 5, 2, 14, 30, tzinfo=UTC)  # naive is UTC
    units = by_name["ProbeA units"]
    # No evaluation_name: the free-text stage names the evaluation; "Spike sorting" is processing.
    assert units.tags == {"evaluation": "Spike sorting"} and units.stage == "Processing"
    assert units.modality.abbreviation == "ecephys"
    assert units.status_history[0].timestamp == datetime(2024, 5, 3, tzinfo=UTC)  # a date: UTC midnight
    assert units.status_history[0].evaluator == "Automated"
    assert by_name["Unit yield table"].value["good"] == [201, 40]
    video = by_name["Dropped frames"]
    assert video.stage == "Processing" and video.modality.abbreviation == "behavior-videos"
    assert qc.default_grouping == [("evaluation",)]
    assert qc.notes == "Session 1 of 3\nProbe drift: ProbeB moved after the first hour"


def test_list_shape_statuses(ecephys):
    report = evaluate(load_qc(ecephys))
    assert report.overall == "Fail"
    assert report.tag == {"evaluation:Probe drift": "Fail", "evaluation:Spike sorting": "Pending",
                          "evaluation:Video sync": "Pass"}
    assert report.stage == {"Processing": "Pending", "Raw data": "Fail"}
    assert report.modality == {"behavior-videos": "Pass", "ecephys": "Fail"}
    _assert_statuses_equal_schema(ecephys)


def test_dict_shaped_qc_metrics_and_date_only_dates(behavior):
    qc = load_qc(behavior)
    assert [(m.name, m.value) for m in qc.metrics] == [
        ("Lick count", 1532), ("Lick sensor noise (V)", 0.02), ("Spout aligned", True),
        ("Reward volume (uL)", 2.9), ("Missed rewards", 14),
    ]
    assert {m.stage for m in qc.metrics} == {"Raw data"}  # "Raw data" and "Raw Data - rig checks"
    assert [m.status_history[0].status for m in qc.metrics] == ["Pass"] * 3 + ["Fail"] * 2
    assert all(m.status_history[0].timestamp.tzinfo is not None for m in qc.metrics)
    assert qc.metrics[0].status_history[0].timestamp == datetime(2024, 6, 10, tzinfo=UTC)
    assert qc.metrics[0].description == "Lick sensor checks"
    report = evaluate(qc)
    assert report.overall == "Fail"
    assert report.tag == {"evaluation:Lick detection": "Pass", "evaluation:Reward delivery": "Fail"}
    _assert_statuses_equal_schema(behavior)


def test_summary_of_a_1_0_record(behavior):
    summary = summarise({"name": "beh_1", "quality_control": behavior})
    assert summary.qc_state == "ok" and summary.overall_status == "Fail"
    assert summary.counts.total == 5 and summary.counts.failed == 2
    assert summary.schema_version == "1.0.0"
    assert summary.last_review.evaluator == "Sam Lee"


@pytest.mark.parametrize(("text", "stage"), [
    ("Raw data", "Raw data"), ("raw data QC", "Raw data"), ("RAW", "Raw data"), ("Raw Data - rig checks", "Raw data"),
    ("Spike sorting", "Processing"), ("Processing", "Processing"), ("processing", "Processing"),
    ("Drawing check", "Processing"), ("Analysis", "Analysis"), ("Preprocessing", "Processing"),
])
def test_free_text_stages(text, stage):
    assert stage_from_text(text) == stage


def test_allow_failed_metrics_and_per_metric_histories_still_read(ecephys):
    raw = copy.deepcopy(ecephys)
    raw["evaluations"][0]["allow_failed_metrics"] = True
    raw["evaluations"][1]["qc_metrics"][0]["status_history"] = [
        {"evaluator": "Ann", "status": "Pass", "timestamp": "2024-05-04T00:00:00Z"}]
    qc = load_qc(raw)
    assert qc.allow_tag_failures == ["evaluation:Probe drift"]
    units = next(m for m in qc.metrics if m.name == "ProbeA units")
    assert [(e.evaluator, e.status) for e in units.status_history] == [("Ann", "Pass")]
    assert evaluate(qc).tag["evaluation:Probe drift"] == "Pass"
    _assert_statuses_equal_schema(raw)


def test_a_missing_evaluation_date_falls_back_to_the_overall_status_date(behavior):
    raw = copy.deepcopy(behavior)
    del raw["evaluations"][1]["evaluation_date"]
    raw["overall_status_date"] = "2024-06-12"
    qc = load_qc(raw)
    assert qc.metrics[-1].status_history[0].timestamp == datetime(2024, 6, 12, tzinfo=UTC)


def _edited(raw: dict, index: int, **changes) -> dict:
    raw = copy.deepcopy(raw)
    for key, value in changes.items():
        if value is None:
            raw["evaluations"][index].pop(key, None)
        else:
            raw["evaluations"][index][key] = value
    return raw


@pytest.mark.parametrize(("changes", "message"), [
    ({"evaluation_stage": None, "evaluation_name": None}, "evaluation #1: evaluation_stage is missing"),
    ({"stage_status": None}, "evaluation 'Reward delivery': stage_status is missing (its metrics have no "
                             "status_history)"),
    ({"evaluation_date": None}, "evaluation 'Reward delivery': evaluation_date is missing"),
    ({"stage_status": "Maybe"}, "metric 'Reward volume (uL)': status_history[0].status: Input should be"),
    ({"evaluation_date": "soon"}, "metric 'Reward volume (uL)': status_history[0].timestamp: not a valid date-time"),
    ({"evaluation_modality": "ephys"}, "metric 'Reward volume (uL)': modality: unknown modality 'ephys'"),
    ({"qc_metrics": "x"}, "evaluation 'Reward delivery': metrics must be a list, got str"),
])
def test_1_0_errors_name_the_evaluation_or_metric(behavior, changes, message):
    raw = _edited(behavior, 1, **changes)
    raw.pop("overall_status_date")
    with pytest.raises(QCReadError) as caught:
        load_qc(raw)
    assert str(caught.value).startswith(message), str(caught.value)


@pytest.mark.parametrize(("raw", "found"), [
    ({}, "it is empty"),
    ({"notes": "x", "qc": [], "overall_status": "Pass"}, "found the top-level keys notes, overall_status, qc"),
])
def test_an_unknown_layout_names_what_it_found(raw, found):
    with pytest.raises(QCReadError) as caught:
        load_qc(raw)
    assert str(caught.value) == (
        f"unknown quality_control layout: it has neither 'metrics' (2.x) nor 'evaluations' (1.x); {found}")


def _nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def _doc_with_value(value) -> dict:
    history = [{"evaluator": "a", "status": "Pass", "timestamp": "2024-01-01T00:00:00Z"}]
    return {"metrics": [{"object_type": "QC metric", "name": "deep", "value": value, "stage": "Raw data",
                         "modality": {"name": "Behavior", "abbreviation": "behavior"}, "status_history": history}],
            "default_grouping": []}


def test_metric_values_nested_deeper_than_the_bound_are_refused():
    assert load_qc(_doc_with_value(_nested(MAX_VALUE_DEPTH))).metrics[0].name == "deep"
    for depth in (MAX_VALUE_DEPTH + 1, 5000):  # 5000 would overflow any recursive reader
        with pytest.raises(QCReadError, match=rf"^metric 'deep': value is nested more than {MAX_VALUE_DEPTH} levels"):
            load_qc(_doc_with_value(_nested(depth)))
    summary = summarise({"name": "x", "quality_control": _doc_with_value(_nested(5000))})
    assert summary.qc_state == "error" and "nested more than" in summary.qc_error
    deep_dict: object = {}
    for _ in range(MAX_VALUE_DEPTH + 1):
        deep_dict = {"k": deep_dict}
    with pytest.raises(QCReadError, match="nested more than"):
        load_qc(_doc_with_value(deep_dict))
