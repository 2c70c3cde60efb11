"""Layout detection, normalisation of every layout, and read errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from aind_data_schema.core.quality_control import QualityControl

from portal.qc import QCReadError, detect_layout, dump_qc, evaluate, load_qc, normalise

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
ECEPHYS = FIXTURES / "docdb_record_ecephys_v2.json"
V1 = FIXTURES / "quality_control_v1.2.2_example.json"

STAMP = "2024-05-01T10:00:00Z"
ECEPHYS_MODALITY = {"name": "Extracellular electrophysiology", "abbreviation": "ecephys"}


def _fixture(path: Path) -> dict:
    if not path.exists():
        pytest.skip(f"fixture {path.name} not present")
    with path.open() as handle:
        return json.load(handle)


# Passed as a metric field: leave that field out.
_DROP = object()


def _history(status="Pass", evaluator="Automated", timestamp=STAMP):
    return [{"evaluator": evaluator, "status": status, "timestamp": timestamp}]


def _metric(**overrides) -> dict:
    metric = {
        "object_type": "QC metric",
        "name": "Drift",
        "modality": dict(ECEPHYS_MODALITY),
        "stage": "Raw data",
        "value": 1.5,
        "status_history": _history(),
        "tags": {"probe": "A"},
    }
    metric.update(overrides)
    return {k: v for k, v in metric.items() if v is not _DROP}


def _doc(*metrics, **top) -> dict:
    return {"metrics": list(metrics) or [_metric()], "default_grouping": [["probe"]], **top}


# --------------------------------------------------------------------------- layouts


def _v1_0_doc() -> dict:
    return {
        "schema_version": "1.0.0",
        "overall_status": [{"evaluator": "x", "status": "Pass", "timestamp": STAMP}],
        "evaluations": [
            {
                "evaluation_modality": dict(ECEPHYS_MODALITY),
                "evaluation_stage": "Processing",
                "evaluation_name": "Spike sorting",
                "evaluation_description": "Units look fine",
                "qc_metrics": [
                    {"name": "Units", "value": 300, "metric_status_history": _history("Fail")},
                    {"name": "Noise", "value": 0.1, "description": "low", "status_history": _history()},
                ],
                "evaluation_status": [{"evaluator": "x", "status": "Pass", "timestamp": STAMP}],
                "allow_failed_metrics": True,
            }
        ],
        "notes": None,
    }


def test_detect_layout_for_every_layout():
    assert detect_layout(_v1_0_doc()) == "1.0"
    assert detect_layout(_fixture(V1)) == "1.1-1.2"
    assert detect_layout(_fixture(ECEPHYS)["quality_control"]) == "2.0-2.2"
    assert detect_layout(_doc()) == "2.3+"
    # No tags to tell by: the version decides.
    assert detect_layout({"schema_version": "2.1.0", "metrics": [_metric(tags=_DROP)]}) == "2.0-2.2"
    assert detect_layout({"schema_version": "2.4.2", "metrics": []}) == "2.3+"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("oops", "quality_control must be an object, got str"),
        ([], "quality_control must be an object, got list"),
        ({}, "unknown quality_control layout"),
        ({"notes": "x"}, "unknown quality_control layout"),
        ({"metrics": "x"}, "quality_control.metrics must be a list, got str"),
        ({"evaluations": {"a": 1}}, "quality_control.evaluations must be a list, got dict"),
        ({"metrics": [], "evaluations": [{}]}, "has both 'metrics' (2.x) and 'evaluations' (1.x)"),
    ],
)
def test_detect_layout_rejects_what_it_cannot_read(raw, message):
    with pytest.raises(QCReadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        detect_layout(raw)


# --------------------------------------------------------------------------- 1.x


def test_v1_2_fixture_normalises_to_a_valid_2x_document():
    raw = _fixture(V1)
    before = copy.deepcopy(raw)
    data = normalise(raw)
    assert raw == before  # never mutates its input
    qc = QualityControl.model_validate(data)
    assert len(qc.metrics) == 9
    assert {m.tags["evaluation"] for m in qc.metrics} == {"Drift map", "Video frame count check", "Probes present"}
    assert all(set(m.tags) == {"evaluation"} for m in qc.metrics)  # `tags: null` adds nothing
    assert data["default_grouping"] == [["evaluation"]]
    assert qc.default_grouping == [("evaluation",)]
    assert data["allow_tag_failures"] == []
    assert "evaluations" not in data and "status" not in data
    drift = next(m for m in qc.metrics if m.name == "Probe A drift")
    assert drift.modality.abbreviation == "ecephys" and drift.stage == "Raw data"
    assert drift.status_history[0].evaluator == ""
    # The evaluation's description stands in for a metric without one.
    probe = next(m for m in qc.metrics if m.name == "ProbeA")
    assert probe.description == "Pass when data from a probe is present"
    # Evaluation notes survive in the document notes.
    assert qc.notes == "Video frame count check: Pass when video_1_num_frames==video_2_num_frames"


def test_v1_evaluation_tags_and_allow_failed_metrics():
    raw = copy.deepcopy(_fixture(V1))
    raw["evaluations"][2]["allow_failed_metrics"] = True
    raw["evaluations"][2]["tags"] = ["probes", "raw"]
    raw["evaluations"][2]["metrics"][0]["status_history"].append(
        {"evaluator": "Ann", "status": "Fail", "timestamp": "2023-01-01 00:00:00"}
    )
    qc = load_qc(raw)
    probe = next(m for m in qc.metrics if m.name == "ProbeA")
    assert probe.tags == {"evaluation": "Probes present", "tag_1": "probes", "tag_2": "raw"}
    assert qc.allow_tag_failures == ["evaluation:Probes present"]
    report = evaluate(qc)
    assert report.tag["evaluation:Probes present"] == "Pass"  # the Fail is allowed
    assert report.tag["tag_1:probes"] == "Pass"
    raw["evaluations"][2]["allow_failed_metrics"] = False
    assert evaluate(load_qc(raw)).tag["evaluation:Probes present"] == "Fail"


def test_v1_duplicate_evaluation_names_are_kept_apart():
    raw = copy.deepcopy(_fixture(V1))
    raw["evaluations"][1]["name"] = "Drift map"
    raw["evaluations"][1]["allow_failed_metrics"] = True
    qc = load_qc(raw)
    assert {m.tags["evaluation"] for m in qc.metrics} == {"Drift map", "Drift map (2)", "Probes present"}
    assert qc.allow_tag_failures == ["evaluation:Drift map (2)"]


def test_v1_0_layout_normalises():
    qc = load_qc(_v1_0_doc())
    assert [m.name for m in qc.metrics] == ["Units", "Noise"]
    assert all(m.stage == "Processing" and m.tags == {"evaluation": "Spike sorting"} for m in qc.metrics)
    assert qc.metrics[0].description == "Units look fine"
    assert qc.metrics[1].description == "low"
    assert qc.allow_tag_failures == ["evaluation:Spike sorting"]
    assert evaluate(qc).overall == "Pass"  # the failed metric is allowed to fail


def test_v1_missing_evaluation_name_is_an_error():
    raw = copy.deepcopy(_fixture(V1))
    del raw["evaluations"][0]["name"]
    with pytest.raises(QCReadError, match=r"^evaluation #0: name is missing$"):
        load_qc(raw)


# --------------------------------------------------------------------------- 2.x


def test_v2_list_tags_become_tag_n_and_grouping_follows_the_schema():
    raw = _fixture(ECEPHYS)["quality_control"]
    data = normalise(raw)
    first = data["metrics"][0]
    assert first["tags"] == {
        "tag_1": "experiment1_Record Node 101#Neuropix-PXI-100.ProbeA_recording1_group0",
        "tag_2": "Raw Data",
    }
    assert data["default_grouping"] == [["modality"], ["tag_1"]]
    assert isinstance(raw["metrics"][0]["tags"], list)  # input untouched
    assert "status" not in data


def test_v2_3_string_grouping_is_kept():
    data = normalise({"metrics": [_metric()], "default_grouping": ["probe"]})
    assert data["default_grouping"] == ["probe"]


def test_bare_string_grouping_becomes_a_list():
    assert normalise({"metrics": [_metric()], "default_grouping": "probe"})["default_grouping"] == ["probe"]
    data = normalise({"metrics": [_metric(tags=["a"])], "default_grouping": "probe"})
    assert data["default_grouping"] == [["modality"], ["tag_1"]]


def test_missing_grouping_and_allow_list_get_defaults():
    data = normalise({"metrics": [_metric()]})
    assert data["default_grouping"] == [] and data["allow_tag_failures"] == []
    data = normalise({"metrics": [_metric(tags=["a"])], "allow_tag_failures": None})
    assert data["default_grouping"] == [["modality"], ["tag_1"]]


@pytest.mark.parametrize(
    ("modality", "abbreviation"),
    [
        ("ecephys", "ecephys"),
        ("Extracellular electrophysiology", "ecephys"),
        ("ECEPHYS", "ecephys"),
        ({"name": "Behavior videos", "abbreviation": "behavior-videos"}, "behavior-videos"),
        ({"abbreviation": "spim"}, "SPIM"),
        ({"name": "Fiber photometry"}, "fib"),
        ("ophys", "pophys"),
    ],
)
def test_modality_in_any_spelling(modality, abbreviation):
    qc = load_qc(_doc(_metric(modality=modality)))
    assert qc.metrics[0].modality.abbreviation == abbreviation


def test_missing_object_type_is_inferred():
    curation = _metric(
        object_type=_DROP,
        value=[{"unit": 1}],
        type="unit labels",
        curation_history=[{"curator": "Ann", "timestamp": STAMP}],
    )
    qc = load_qc(_doc(_metric(object_type=_DROP), curation))
    assert [m.object_type for m in qc.metrics] == ["QC metric", "Curation metric"]


def test_timestamps_with_space_naive_or_offset():
    qc = load_qc(
        _doc(
            _metric(status_history=_history(timestamp="2024-05-01 10:00:00")),
            _metric(status_history=_history(timestamp="2024-05-01T03:00:00-07:00")),
            _metric(status_history=_history(timestamp="2024-05-01")),
        )
    )
    stamps = [m.status_history[0].timestamp for m in qc.metrics]
    assert stamps[0].utcoffset().total_seconds() == 0  # naive is UTC, not the server's zone
    assert stamps[0] == stamps[1]
    assert stamps[2].isoformat() == "2024-05-01T00:00:00+00:00"
    assert dump_qc(qc)["metrics"][1]["status_history"][0]["timestamp"] == "2024-05-01T10:00:00Z"


def test_status_spelling_and_null_evaluator_are_tolerated():
    qc = load_qc(_doc(_metric(status_history=[{"evaluator": None, "status": "pass", "timestamp": STAMP}])))
    assert qc.metrics[0].status_history[0].status == "Pass"
    assert qc.metrics[0].status_history[0].evaluator == ""


def test_normalised_document_validates_with_the_schema_itself():
    raw = _fixture(ECEPHYS)["quality_control"]
    assert QualityControl.model_validate(normalise(raw)) == load_qc(raw)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_doc(_metric(status_history=[])), "metric 'Drift': status_history is empty"),
        (_doc(_metric(status_history=_DROP)), "metric 'Drift': status_history is empty"),
        (_doc(_metric(status_history="Pass")), "metric 'Drift': status_history must be a list, got str"),
        (_doc(_metric(modality="ephys")), "metric 'Drift': modality: unknown modality 'ephys'"),
        (_doc(_metric(modality=7)), "metric 'Drift': modality: unknown modality 7"),
        (_doc(_metric(modality=_DROP)), "metric 'Drift': modality is missing"),
        (_doc(_metric(stage="Raw")), "metric 'Drift': stage: unknown stage 'Raw' (expected one of: Raw data, "),
        (_doc(_metric(stage=_DROP)), "metric 'Drift': stage is missing"),
        (
            _doc(_metric(status_history=_history(timestamp="yesterday"))),
            "metric 'Drift': status_history[0].timestamp: not a valid date-time: 'yesterday'",
        ),
        (
            _doc(_metric(status_history=[{"evaluator": "a", "status": "Pass"}])),
            "metric 'Drift': status_history[0].timestamp is missing",
        ),
        (
            _doc(_metric(status_history=_history(status="Passed"))),
            "metric 'Drift': status_history[0].status: Input should be 'Fail', 'Pass' or 'Pending' (got 'Passed')",
        ),
        (
            _doc(_metric(status_history=_history(timestamp="2024-13-01T00:00:00Z"))),
            "metric 'Drift': status_history[0].timestamp: not a valid date-time: '2024-13-01T00:00:00Z'",
        ),
        (_doc(_metric(name=_DROP)), "metric #0: name: Field required"),
        (_doc(_metric(colour="red")), "metric 'Drift': colour: Extra inputs are not permitted"),
        (_doc(_metric(tags={"probe": 1})), "metric 'Drift': tags.probe: Input should be a valid string (got 1)"),
        (
            _doc(_metric(stage="Multi-asset")),
            "metric 'Drift': Metric 'Drift' is a multi-asset metric and must have evaluated_assets",
        ),
        (
            _doc(_metric(object_type="Curation metric", value=3, type="t")),
            "metric 'Drift': value: Input should be a valid list (got 3)",
        ),
        (_doc(_metric(object_type="Weird metric")), "metric 'Drift': Input tag 'Weird metric' found using"),
        (_doc(_metric(), _metric(name="Second", stage=None)), "metric 'Second': stage is missing"),
        (_doc(_metric(), _metric(name="Second", status_history=[])), "metric 'Second': status_history is empty"),
        (_doc(default_grouping=5), "quality_control.default_grouping: Input should be a valid list (got 5)"),
        (_doc(default_grouping=[["a"], 3]), "quality_control.default_grouping[1]"),
        (_doc(colour="red"), "quality_control.colour: unknown field"),
        (_doc(notes=["a"]), "quality_control.notes: Input should be a valid string"),
        ({"metrics": ["x"]}, "metric #0 must be an object, got str"),
        ({"evaluations": [{"name": "E", "metrics": "x"}]}, "evaluation 'E': metrics must be a list, got str"),
        ({"evaluations": ["x"]}, "evaluation #0 must be an object, got str"),
    ],
)
def test_read_errors_are_one_clear_line(raw, message):
    with pytest.raises(QCReadError) as caught:
        load_qc(raw)
    text = str(caught.value)
    assert text.startswith(message), text
    assert "\n" not in text


def test_several_errors_are_counted_not_listed():
    raw = _doc(_metric(status_history=_history(status="Nope")), _metric(name="B", value=1, colour="x"))
    with pytest.raises(QCReadError, match=r"^metric 'Drift': status_history\[0\]\.status: .*\(and 1 more error\)$"):
        load_qc(raw)


def test_qcreaderror_is_a_valueerror():
    assert issubclass(QCReadError, ValueError)
