"""Metric identity: keys unique and stable, the resolver picks exactly one metric or says why not."""

from __future__ import annotations

import pytest

from portal.qc import load_qc
from portal.qc.identity import AmbiguousMetric, MetricIndex, MetricSelector, UnknownMetric
from tests.records import metric


def _index(*metrics) -> MetricIndex:
    return MetricIndex(load_qc({"metrics": list(metrics), "default_grouping": []}).metrics)


def test_same_name_told_apart_by_tags():
    index = _index(
        metric("Drift", tags={"probe": "ProbeA"}), metric("Drift", tags={"probe": "ProbeB"}), metric("Yield")
    )
    assert index.resolve(MetricSelector(name="Drift", tags={"probe": "ProbeB"})) == 1
    assert index.resolve(MetricSelector(name="Yield")) == 2
    with pytest.raises(AmbiguousMetric) as caught:
        index.resolve(MetricSelector(name="Drift"))
    # The message names the candidates by their tags, and carries their keys.
    assert "probe=ProbeA" in str(caught.value) and "probe=ProbeB" in str(caught.value)
    assert caught.value.candidates == (index.key(0), index.key(1))


def test_same_name_told_apart_by_modality_and_stage():
    index = _index(
        metric("Yield", mod="ecephys", stage="Raw data"),
        metric("Yield", mod="behavior", stage="Raw data"),
        metric("Yield", mod="ecephys", stage="Processing"),
    )
    assert index.resolve(MetricSelector(name="Yield", modality="behavior")) == 1
    # A modality by its name, any case, and a stage in any case.
    assert index.resolve(MetricSelector(name="Yield", modality="Extracellular electrophysiology",
                                        stage="processing")) == 2
    with pytest.raises(AmbiguousMetric):
        index.resolve(MetricSelector(name="Yield", modality="ecephys"))


def test_exact_twins_by_occurrence_and_key():
    twin = metric("N002 Sample coordinates", mod="SPIM", stage="Processing")
    index = _index(twin, dict(twin), dict(twin))
    assert len(set(index.keys)) == 3
    assert index.keys[1].endswith(" #2") and index.keys[2].endswith(" #3")
    assert index.resolve(MetricSelector(name="N002 Sample coordinates", occurrence=2)) == 1
    assert index.resolve(MetricSelector(key=index.keys[2])) == 2
    with pytest.raises(UnknownMetric, match="no occurrence 4"):
        index.resolve(MetricSelector(name="N002 Sample coordinates", occurrence=4))
    with pytest.raises(AmbiguousMetric, match="3 metrics"):
        index.resolve(MetricSelector(name="N002 Sample coordinates"))


def test_keys_are_stable_when_other_metrics_come_and_go():
    a = metric("Drift", tags={"probe": "ProbeA"})
    b = metric("Drift", tags={"probe": "ProbeB"})
    before = _index(a, b)
    after = _index(metric("New metric"), b, a)
    assert after.key(2) == before.key(0) and after.key(1) == before.key(1)
    assert before.key(0) == "Drift [ecephys, Raw data, probe=ProbeA]"


def test_unknown_metric_and_unknown_qualifiers():
    index = _index(metric("Drift", tags={"probe": "ProbeA"}))
    with pytest.raises(UnknownMetric, match="does not exist"):
        index.resolve(MetricSelector(name="Nope"))
    with pytest.raises(UnknownMetric, match="probe=ProbeA"):
        index.resolve(MetricSelector(name="Drift", tags={"probe": "ProbeZ"}))
    with pytest.raises(UnknownMetric, match="key .* does not exist"):
        index.resolve(MetricSelector(key="Drift [ecephys]"))
    with pytest.raises(UnknownMetric):
        index.resolve(MetricSelector())


def test_works_on_normalised_dicts_like_on_models():
    from portal.qc import normalise

    raw = {"metrics": [metric("Drift", tags=["ProbeA"]), metric("Drift", tags=["ProbeB"])],
           "default_grouping": ["modality"]}
    dicts = MetricIndex(normalise(raw)["metrics"])
    models = MetricIndex(load_qc(raw).metrics)
    assert dicts.keys == models.keys
    assert dicts.resolve(MetricSelector(name="Drift", tags={"tag_1": "ProbeB"})) == 1
