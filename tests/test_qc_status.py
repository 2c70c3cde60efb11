"""Status evaluation equals aind-data-schema's own, and load_qc equals model_validate."""

from __future__ import annotations

import copy
import json
import random
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from aind_data_schema.core.quality_control import (
    CurationHistory,
    CurationMetric,
    QCMetric,
    QCStatus,
    QualityControl,
    Stage,
)
from aind_data_schema_models.modalities import Modality

from portal.qc import (
    MetricCounts,
    QCReadError,
    Review,
    counts,
    dump_qc,
    effective_status,
    evaluate,
    last_review,
    load_qc,
    metric_status,
    normalise,
    status_dict,
)

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
ECEPHYS = FIXTURES / "docdb_record_ecephys_v2.json"
V1 = FIXTURES / "quality_control_v1.2.2_example.json"

NOW = datetime.now(tz=UTC)
PACIFIC = timezone(timedelta(hours=-7))
MODALITIES = [Modality.ECEPHYS, Modality.BEHAVIOR, Modality.BEHAVIOR_VIDEOS]
STAGES = [s.value for s in Stage]
# "probe:A" as a *value* exercises the schema's rule that a "key:value" filter also
# matches a metric whose tag value is that string.
TAG_VALUES = ["A", "B", "C", "probe:A", "x"]
TAG_KEYS = ["probe", "shank", "group"]


def _fixture(path: Path) -> dict:
    if not path.exists():
        pytest.skip(f"fixture {path.name} not present")
    with path.open() as handle:
        return json.load(handle)


def _schema_validate(raw: dict) -> QualityControl:
    """The reference: the schema's own full validation (list tags warn; hush that here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return QualityControl.model_validate(copy.deepcopy(raw))


def _stamp(rng: random.Random) -> str:
    # At least a day away from now, so "now" in the schema and in our code (a few
    # microseconds apart) can never fall between two entries.
    moment = NOW + timedelta(days=rng.choice([-1, 1]) * rng.randint(1, 30), seconds=rng.randint(0, 5) * 3600)
    zone = rng.choice([UTC, PACIFIC, None])
    if zone is None:
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    text = moment.astimezone(zone).isoformat()
    return text.replace("T", " ") if rng.random() < 0.3 else text


def _random_doc(rng: random.Random, list_tags: bool = False) -> dict:
    metrics = []
    for index in range(rng.randint(1, 25)):
        stage = rng.choice(STAGES)
        modality = rng.choice(MODALITIES)
        if list_tags:
            tags: object = rng.sample(TAG_VALUES, rng.randint(0, 3))
        else:
            tags = {key: rng.choice(TAG_VALUES) for key in rng.sample(TAG_KEYS, rng.randint(0, 3))}
        history = []
        stamps = [_stamp(rng) for _ in range(rng.randint(1, 4))]
        if len(stamps) > 1 and rng.random() < 0.2:
            stamps[-1] = stamps[0]  # equal timestamps: the earlier entry wins
        for stamp in stamps:
            history.append(
                {
                    "evaluator": rng.choice(["", "Automated", "Jane Doe"]),
                    "status": rng.choices(["Pass", "Fail", "Pending"], weights=[7, 1, 2])[0],
                    "timestamp": stamp,
                }
            )
        metric = {
            "object_type": "QC metric",
            "name": f"metric {index}",
            "modality": {"name": modality.name, "abbreviation": modality.abbreviation},
            "stage": stage,
            "value": rng.random(),
            "status_history": history,
            "tags": tags,
        }
        if stage == "Multi-asset":
            metric["evaluated_assets"] = ["other_asset"]
        metrics.append(metric)
    allow = []
    for _ in range(rng.randint(0, 3)):
        allow.append(rng.choice([rng.choice(TAG_VALUES), f"{rng.choice(TAG_KEYS)}:{rng.choice(TAG_VALUES)}"]))
    return {
        "object_type": "Quality control",
        "schema_version": "2.1.0" if list_tags else "2.4.2",
        "metrics": metrics,
        "default_grouping": ["probe"] if list_tags else [["probe"]],
        "allow_tag_failures": allow,
    }


def _assert_report_equals_schema(report, reference: QualityControl, date: datetime | None) -> None:
    assert report.overall == reference.evaluate_status(date=date)
    modalities = {m.abbreviation: m for m in reference.modalities}
    assert set(report.modality) == set(modalities)
    for abbreviation, status in report.modality.items():
        assert status == reference.evaluate_status(modality=modalities[abbreviation], date=date)
    assert set(report.stage) == set(reference.stages)
    for stage, status in report.stage.items():
        assert status == reference.evaluate_status(stage=stage, date=date)
    assert set(report.tag) == set(reference.tag_pairs)
    for pair, status in report.tag.items():
        assert status == reference.evaluate_status(tag=pair, date=date), pair
    cells = {(m.modality.abbreviation, m.stage) for m in reference.metrics}
    assert set(report.modality_stage) == cells
    for (abbreviation, stage), status in report.modality_stage.items():
        expected = reference.evaluate_status(modality=modalities[abbreviation], stage=stage, date=date)
        assert status == expected


@pytest.mark.parametrize("list_tags", [False, True], ids=["dict-tags", "list-tags"])
def test_evaluate_equals_schema_on_random_documents(list_tags):
    rng = random.Random(20251122 + list_tags)
    for _ in range(150):
        raw = _random_doc(rng, list_tags=list_tags)
        reference = _schema_validate(raw)
        qc = load_qc(raw)
        # Status at now, at a moment inside the histories, and before all of them.
        for date in (None, NOW + timedelta(days=rng.randint(-20, 20), hours=7), NOW - timedelta(days=400)):
            _assert_report_equals_schema(evaluate(qc, date), reference, date)
        assert qc.status == reference.status
        assert qc == reference


def test_load_qc_equals_model_validate_of_the_normalised_document():
    rng = random.Random(7)
    for _ in range(50):
        raw = _random_doc(rng, list_tags=rng.random() < 0.5)
        assert load_qc(raw) == QualityControl.model_validate(normalise(raw))


def test_ecephys_fixture_status_is_recomputed_and_equals_schema():
    record = _fixture(ECEPHYS)
    raw = record["quality_control"]
    qc = load_qc(raw)
    assert len(qc.metrics) == 182
    assert sum(isinstance(m, CurationMetric) for m in qc.metrics) == 14
    reference = _schema_validate(raw)
    assert qc.status == reference.status
    _assert_report_equals_schema(evaluate(qc), reference, None)
    # The stored dict is keyed by bare tag values (an older schema); ours by key:value.
    assert "Probe Drift" in raw["status"]
    assert "Probe Drift" not in qc.status
    assert qc.status["tag_2:Probe Drift"] == "Pending"
    assert qc.status["ecephys"] == "Pending"


def test_stored_status_is_never_trusted():
    raw = copy.deepcopy(_fixture(ECEPHYS)["quality_control"])
    raw["status"] = {key: "Fail" for key in raw["status"]} | {"ecephys": "Fail"}
    qc = load_qc(raw)
    assert qc.status["ecephys"] == "Pending"
    assert "Fail" not in qc.status.values()


def test_v1_fixture_evaluation_statuses():
    qc = load_qc(_fixture(V1))
    report = evaluate(qc)
    assert report.tag == {
        "evaluation:Drift map": "Pending",
        "evaluation:Video frame count check": "Pass",
        "evaluation:Probes present": "Pass",
    }
    assert report.overall == "Pending"
    assert report.modality == {"behavior-videos": "Pass", "ecephys": "Pending"}
    assert report.modality_stage == {("behavior-videos", "Raw data"): "Pass", ("ecephys", "Raw data"): "Pending"}
    _assert_report_equals_schema(report, QualityControl.model_validate(normalise(_fixture(V1))), None)


# --------------------------------------------------------------------------- single metrics


def _metric(history, tags=None) -> QCMetric:
    return QCMetric(
        name="m",
        modality=Modality.ECEPHYS,
        stage="Raw data",
        value=1,
        status_history=[QCStatus(evaluator=e, status=s, timestamp=t) for e, s, t in history],
        tags=tags or {},
    )


def _at(days: int) -> datetime:
    return NOW + timedelta(days=days)


def test_metric_status_uses_timestamps_not_list_order():
    metric = _metric([("a", "Fail", _at(-1)), ("b", "Pass", _at(-5))])
    assert metric_status(metric) == "Fail"
    assert metric_status(metric, date=_at(-3)) == "Pass"


def test_metric_status_before_any_entry_is_the_first_in_list_order():
    metric = _metric([("a", "Pending", _at(10)), ("b", "Fail", _at(5))])
    assert metric_status(metric) == "Pending"


def test_metric_status_ignores_future_entries_and_keeps_first_of_ties():
    metric = _metric([("a", "Pass", _at(-1)), ("b", "Fail", _at(-1)), ("c", "Fail", _at(3))])
    assert metric_status(metric) == "Pass"


def test_effective_status_allows_failures_by_value_or_pair():
    metric = _metric([("a", "Fail", _at(-1))], tags={"probe": "A"})
    assert effective_status(metric, []) == "Fail"
    assert effective_status(metric, ["A"]) == "Pass"
    assert effective_status(metric, ["probe:A"]) == "Pass"
    assert effective_status(metric, ["probe:B", "B"]) == "Fail"
    pending = _metric([("a", "Pending", _at(-1))], tags={"probe": "A"})
    assert effective_status(pending, ["A"]) == "Pending"


def _qc(*metrics, allow=()) -> QualityControl:
    return QualityControl(metrics=list(metrics), default_grouping=[], allow_tag_failures=list(allow))


def test_counts_use_each_metrics_own_latest_status():
    qc = _qc(
        _metric([("a", "Fail", _at(-1))], tags={"probe": "A"}),
        _metric([("a", "Pending", _at(-2)), ("b", "Pass", _at(-1))]),
        _metric([("a", "Pending", _at(-1))]),
        allow=["A"],
    )
    assert counts(qc) == MetricCounts(total=3, passed=1, failed=1, pending=1)
    assert evaluate(qc).overall == "Pending"  # the allowed Fail does not fail the asset


def test_last_review_is_latest_named_entry_by_timestamp():
    qc = _qc(
        _metric([("", "Pass", _at(-1)), ("Ann", "Fail", _at(-3))]),
        _metric([("Bob", "Pass", _at(-2)), ("  ", "Pass", _at(-1))]),
    )
    assert last_review(qc) == Review(evaluator="Bob", at=_at(-2))
    assert last_review(qc).at.tzinfo is not None
    assert last_review(_qc(_metric([("", "Pass", _at(-1))]))) is None


def test_naive_date_is_read_as_utc():
    qc = _qc(
        _metric([("a", "Pass", datetime(2024, 1, 1, 12, tzinfo=UTC)), ("b", "Fail", datetime(2024, 1, 2, tzinfo=UTC))])
    )
    assert evaluate(qc, datetime(2024, 1, 1, 13)).overall == "Pass"
    assert evaluate(qc, datetime(2024, 1, 3)).overall == "Fail"


def test_empty_document_passes_like_the_schema():
    qc = load_qc({"metrics": [], "default_grouping": []})
    assert evaluate(qc).overall == "Pass" == qc.evaluate_status()
    assert qc.status is None
    assert dump_qc(qc)["status"] is None


# --------------------------------------------------------------------------- dump


def test_dump_qc_recomputes_status_and_writes_utc():
    raw = copy.deepcopy(_fixture(ECEPHYS)["quality_control"])
    qc = load_qc(raw)
    qc.metrics[0].status_history.append(QCStatus(evaluator="Jane", status="Fail", timestamp=_at(-0.001)))
    dumped = dump_qc(qc)
    json.dumps(dumped)  # JSON-ready
    assert dumped["status"]["ecephys"] == "Fail"
    stamps = [s["timestamp"] for m in dumped["metrics"] for s in m["status_history"]]
    assert all(stamp.endswith("Z") for stamp in stamps)
    curation_stamps = [c["timestamp"] for m in dumped["metrics"] for c in m.get("curation_history", [])]
    assert all(stamp.endswith("Z") for stamp in curation_stamps)
    # What we write reads back, with the schema and with us, to the same document.
    assert load_qc(dumped) == QualityControl.model_validate(copy.deepcopy(dumped))
    assert status_dict(evaluate(load_qc(dumped))) == dumped["status"]


def test_dump_qc_converts_offsets_to_utc():
    qc = _qc(_metric([("a", "Pass", datetime(2024, 1, 1, 5, tzinfo=PACIFIC))]))
    assert dump_qc(qc)["metrics"][0]["status_history"][0]["timestamp"] == "2024-01-01T12:00:00Z"


# --------------------------------------------------------------------------- speed and guards


def test_load_qc_raises_no_schema_deprecation_warnings():
    raw = _fixture(ECEPHYS)["quality_control"]  # list tags, list-of-str grouping
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_qc(raw)


def test_schema_validators_are_the_ones_read_py_accounts_for():
    """read.py skips the validators listed here; a schema upgrade adding one must be reviewed."""

    def names(model):
        return {(n, d.info.mode) for n, d in model.__pydantic_decorators__.model_validators.items()}

    base = {("coerce_object_type", "before"), ("unit_validator", "after")}
    assert names(QCStatus) == base
    assert names(CurationHistory) == base
    assert names(QCMetric) == base | {("validate_multi_asset", "after"), ("fix_tag_lists", "before")}
    assert names(CurationMetric) == names(QCMetric)
    assert names(QualityControl) == base | {
        ("coordinate_system_validator", "after"),
        ("compute_status", "after"),
        ("fix_default_grouping_list", "before"),
    }
    assert set(QualityControl.__pydantic_decorators__.field_validators) == {"coerce_version"}
    for model in (QCStatus, CurationHistory, QCMetric, CurationMetric):
        assert not model.__pydantic_decorators__.field_validators


def test_unknown_schema_validators_switch_to_the_exact_slow_path(monkeypatch, caplog):
    from portal.qc import read

    raw = _fixture(ECEPHYS)["quality_control"]
    fast = load_qc(raw)
    monkeypatch.setattr(read, "_UNACCOUNTED", ["QCMetric.some_new_validator"])
    slow = load_qc(raw)
    assert slow == fast
    assert "some_new_validator" in caplog.text
    bad = copy.deepcopy(raw)
    bad["metrics"][2]["status_history"][0]["status"] = "Maybe"
    with pytest.raises(QCReadError, match=r"^metric '.+': status_history\[0\]\.status: Input should be"):
        load_qc(bad)
