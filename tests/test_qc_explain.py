"""The explainer's status equals aind-data-schema's evaluate_status (hypothesis, random
documents, filters and dates), its reasons are the metrics that make the status, and
what changed since a date is what the schema says changed."""

from __future__ import annotations

import copy
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from aind_data_schema.core.quality_control import QualityControl
from aind_data_schema_models.modalities import Modality
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.qc import load_qc
from portal.qc.explain import changes_since, explain, parse_when
from portal.qc.status import effective_status

BASE = datetime(2025, 6, 1, tzinfo=UTC)
MODALITIES = [Modality.ECEPHYS, Modality.BEHAVIOR, Modality.SPIM]
STAGES = ["Raw data", "Processing", "Analysis", "Multi-asset"]
TAG_KEYS = ["probe", "shank", "group"]
TAG_VALUES = ["A", "B", "probe:A", "x"]

_stamp = st.integers(min_value=0, max_value=40).map(lambda hours: BASE + timedelta(hours=hours))
_entry = st.fixed_dictionaries({
    "evaluator": st.sampled_from(["", "Automated", "Jane Doe"]),
    "status": st.sampled_from(["Pass", "Fail", "Pending"]),
    "timestamp": _stamp.map(lambda moment: moment.isoformat()),
})


@st.composite
def _metric(draw, index: int) -> dict:
    modality = draw(st.sampled_from(MODALITIES))
    stage = draw(st.sampled_from(STAGES))
    metric = {
        "object_type": "QC metric",
        "name": f"m{draw(st.integers(0, 4))}",  # names repeat: keys tell them apart
        "modality": {"name": modality.name, "abbreviation": modality.abbreviation},
        "stage": stage,
        "value": index,
        "status_history": draw(st.lists(_entry, min_size=1, max_size=4)),
        "tags": draw(st.dictionaries(st.sampled_from(TAG_KEYS), st.sampled_from(TAG_VALUES), max_size=2)),
    }
    if stage == "Multi-asset":
        metric["evaluated_assets"] = ["other"]
    return metric


@st.composite
def documents(draw) -> dict:
    """A 2.x quality_control with 0-12 metrics, repeated names, tags and allowed failures."""
    count = draw(st.integers(0, 12))
    allow = draw(st.lists(st.one_of(st.sampled_from(TAG_VALUES),
                                    st.builds(lambda k, v: f"{k}:{v}", st.sampled_from(TAG_KEYS),
                                              st.sampled_from(TAG_VALUES))), max_size=3))
    return {"object_type": "Quality control", "schema_version": "2.4.2",
            "metrics": [draw(_metric(i)) for i in range(count)], "default_grouping": [["probe"]],
            "allow_tag_failures": allow}


_filters = st.fixed_dictionaries({
    "modality": st.one_of(st.none(), st.sampled_from(MODALITIES)),
    "stage": st.one_of(st.none(), st.sampled_from(STAGES)),
    "tag": st.one_of(st.none(), st.sampled_from([f"{k}:{v}" for k in TAG_KEYS for v in TAG_VALUES] + TAG_VALUES)),
    "date": st.one_of(st.none(), st.integers(-5, 45).map(lambda hours: BASE + timedelta(hours=hours, minutes=30)),
                      st.sampled_from([BASE + timedelta(hours=3)])),  # exactly on an entry's timestamp
})


def _schema(raw: dict) -> QualityControl:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return QualityControl.model_validate(copy.deepcopy(raw))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=documents(), filters=_filters)
def test_explained_status_equals_evaluate_status(raw, filters):
    reference = _schema(raw)
    qc = load_qc(raw)
    modality = filters["modality"]
    found = explain(qc, filters["date"], modality=modality.abbreviation if modality else None,
                    stage=filters["stage"], tag=filters["tag"])
    expected = reference.evaluate_status(modality=modality, stage=filters["stage"], tag=filters["tag"],
                                         date=filters["date"])
    assert found.status == expected
    # The reasons are exactly the metrics holding the status up, and the tolerated Fails.
    counted = [r for r in found.because if not r.tolerated]
    assert all(r.status in ("Fail", "Pending") for r in counted)
    assert all(r.status == "Fail" for r in found.because if r.tolerated)
    if found.status == "Pass":
        assert not counted
    else:
        assert found.status in {r.status for r in counted}
    assert len({r.key for r in found.because}) == len(found.because)  # keys tell repeated names apart


@settings(max_examples=150, deadline=None)
@given(raw=documents(), then=st.integers(-5, 45))
def test_changes_since_are_the_metrics_whose_counted_status_moved(raw, then):
    qc = load_qc(raw)
    reference = _schema(raw)
    date = BASE + timedelta(hours=then, minutes=30)
    now = BASE + timedelta(days=30)
    changes = changes_since(qc, date, now=now)
    allow = reference.allow_tag_failures
    moved = [i for i, metric in enumerate(reference.metrics)
             if effective_status(metric, allow, date) != effective_status(metric, allow, now)]
    assert len(changes) == len(moved)
    for change in changes:
        assert change.then != change.now


def test_reasons_carry_the_entry_in_force_and_tolerated_fails():
    raw = {"object_type": "Quality control", "schema_version": "2.4.2", "default_grouping": [["probe"]],
           "allow_tag_failures": ["probe:B"], "metrics": [
               {"object_type": "QC metric", "name": "drift", "modality": {"name": "Extracellular electrophysiology",
                                                                         "abbreviation": "ecephys"},
                "stage": "Raw data", "value": 1, "tags": {"probe": "A"},
                "status_history": [{"evaluator": "Automated", "status": "Pass", "timestamp": "2025-06-01T00:00Z"},
                                   {"evaluator": "Jane Doe", "status": "Fail", "timestamp": "2025-06-03T00:00Z"}]},
               {"object_type": "QC metric", "name": "drift", "modality": {"name": "Extracellular electrophysiology",
                                                                         "abbreviation": "ecephys"},
                "stage": "Raw data", "value": 2, "tags": {"probe": "B"},
                "status_history": [{"evaluator": "Ada", "status": "Fail", "timestamp": "2025-06-02T00:00Z"}]},
           ]}
    qc = load_qc(raw)
    now = explain(qc)
    assert now.status == "Fail" and now.n == 2
    assert [(r.key, r.status, r.tolerated, r.entry.evaluator) for r in now.because] == [
        ("drift [ecephys, Raw data, probe=A]", "Fail", False, "Jane Doe"),
        ("drift [ecephys, Raw data, probe=B]", "Fail", True, "Ada"),
    ]
    before = explain(qc, parse_when("2025-06-02"))
    assert before.status == "Pass"  # probe A passed then; probe B's Fail is tolerated
    assert [r.tolerated for r in before.because] == [True]
    changed = changes_since(qc, parse_when("2025-06-02"))
    assert [(c.key, c.then, c.now) for c in changed] == [("drift [ecephys, Raw data, probe=A]", "Pass", "Fail")]
    assert explain(qc, tag="probe:B").status == "Pass"
    assert explain(qc, positions=[1]).status == "Pass"


@pytest.mark.parametrize("text", ["2025-13-01", "yesterday", "2025-06-01T25:00", ""])
def test_parse_when_refuses_what_is_not_a_date(text):
    with pytest.raises(ValueError):
        parse_when(text)


def test_parse_when_reads_a_day_as_its_end_in_utc():
    assert parse_when("2025-06-02") == datetime(2025, 6, 2, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_when("2025-06-02T10:00:00+02:00") == datetime(2025, 6, 2, 8, tzinfo=UTC)
    assert parse_when("2025-06-02T10:00:00") == datetime(2025, 6, 2, 10, tzinfo=UTC)
