"""metric_values and the distributions read from it, on SQLite and PostgreSQL: the counts,
quantiles and bins equal what is computed independently from the stored documents, and the
rows stay right after annotate, re-ingest, push, delete and restore."""

from __future__ import annotations

import random
import statistics

import pytest
from sqlalchemy import select

from portal.errors import InvalidInput, NotFound
from portal.qc.numeric import numeric_value
from portal.qc.stats import distribution, wilson_lower
from portal.store.protocol import Annotation, MetricEdit
from portal.store.sql.tables import metric_values
from tests.records import metric, record


@pytest.fixture
def store(sql_store):
    return sql_store  # tests/conftest.py: SQLite, then PostgreSQL


STATUSES = ("Pass", "Fail", "Pending")


def _records(rng: random.Random, count: int = 120) -> list[dict]:
    out = []
    for i in range(count):
        metrics = [
            metric("noise", rng.choice(STATUSES), value=rng.gauss(10, 3), tags={"probe": "A"}),
            metric("noise", rng.choice(STATUSES), value=rng.gauss(10, 3), tags={"probe": "B"}),
            metric("rates", rng.choice(STATUSES), value=[rng.uniform(0, 5) for _ in range(rng.randint(1, 4))]),
            metric("label", "Pass", value="good"),
            metric("flag", "Pass", value=True),  # a bool is not a number
            metric("noise", rng.choice(STATUSES), value=rng.gauss(0, 1), stage="Processing"),
        ]
        if i % 10 == 0:
            metrics.append(metric("mixed", "Pass", value=[1, "x"]))  # not a list of numbers
        out.append(record(f"asset-{i:03d}", project="Alpha" if i % 4 else "Beta", subject=str(i % 7),
                          acquired=f"2025-{1 + i % 12:02d}-{1 + i % 27:02d}T00:00:00+00:00", metrics=metrics))
    return out


def _independent(store, names, project, metric_name, modality, stage):
    """(value, status) pairs computed from the stored documents, without the portal's summariser."""
    pairs = []
    for name in names:
        stored = store.get(name)
        if stored is None or stored.summary.project != project or stored.summary.overall_status == "Deleted":
            continue
        for m in stored.record["quality_control"]["metrics"]:
            if (m["name"], m["modality"]["abbreviation"], m["stage"]) != (metric_name, modality, stage):
                continue
            value = m["value"]
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float):
                number = float(value)
            elif isinstance(value, list) and value and all(
                    isinstance(x, int | float) and not isinstance(x, bool) for x in value):
                number = float(statistics.median(value))
            else:
                continue
            latest = max(m["status_history"], key=lambda e: e["timestamp"])
            pairs.append((number, latest["status"]))
    return pairs


def _check(found, pairs):
    values = sorted(v for v, _ in pairs)
    assert found.n == len(values)
    assert found.median == pytest.approx(statistics.median(values))
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    assert found.p5 == pytest.approx(cuts[0])
    assert found.p95 == pytest.approx(cuts[-1])
    assert found.mad == pytest.approx(statistics.median(abs(v - statistics.median(values)) for v in values))
    assert found.bins[0].lo == values[0] and found.bins[-1].hi == values[-1]
    for index, b in enumerate(found.bins):
        last = index == len(found.bins) - 1
        inside = [s for v, s in pairs if b.lo <= v and (v <= b.hi if last else v < b.hi)]
        assert (b.passed, b.failed, b.pending) == (inside.count("Pass"), inside.count("Fail"),
                                                   inside.count("Pending")), index
    assert sum(b.passed + b.failed + b.pending for b in found.bins) == len(values)


CASES = [("noise", "ecephys", "Raw data"), ("rates", "ecephys", "Raw data"), ("noise", "ecephys", "Processing")]


@pytest.mark.parametrize(("name", "modality", "stage"), CASES)
def test_distribution_equals_the_documents(store, name, modality, stage):
    rng = random.Random(16)
    records = _records(rng)
    store.upsert_many(records)
    names = [r["name"] for r in records]
    for project in ("Alpha", "Beta"):
        found = store.metric_distribution(project, name, modality, stage)
        _check(found, _independent(store, names, project, name, modality, stage))
        # The Python reference agrees with the database on every number.
        reference = distribution(_independent(store, names, project, name, modality, stage))
        assert (found.n, found.bins) == (reference.n, reference.bins)


def test_asset_value_and_clear_refusals(store):
    records = _records(random.Random(3), 20)
    store.upsert_many(records)
    found = store.metric_distribution("Alpha", "noise", "ecephys", "Raw data", asset="asset-001")
    document = store.get("asset-001").record["quality_control"]["metrics"]
    assert found.asset_values == (document[0]["value"], document[1]["value"])  # probe A, probe B
    assert found.asset == document[0]["value"]
    with pytest.raises(NotFound):
        store.metric_distribution("Alpha", "no such metric", "ecephys", "Raw data")
    with pytest.raises(NotFound):
        store.metric_distribution("Nowhere", "noise", "ecephys", "Raw data")
    with pytest.raises(InvalidInput, match="no numeric values"):
        store.metric_distribution("Alpha", "label", "ecephys", "Raw data")
    with pytest.raises(NotFound):
        store.metric_distribution("Alpha", "noise", "ecephys", "Raw data", asset="nope")


def _rows(store, name: str) -> list[tuple]:
    asset = store.get(name)
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            select(metric_values.c.position, metric_values.c.name, metric_values.c.value, metric_values.c.status,
                   metric_values.c.project).where(metric_values.c.asset_id == asset.id)
            .order_by(metric_values.c.position))]


def test_rows_follow_annotate_reingest_push_delete_and_restore(store):
    doc = record("one", project="Alpha", metrics=[metric("noise", "Pending", value=2.5),
                                                   metric("rates", "Pass", value=[1, 2, 9]),
                                                   metric("label", "Pass", value="x")])
    store.upsert_many([doc, record("two", project="Alpha", metrics=[metric("noise", "Pass", value=4.0)])])
    assert _rows(store, "one") == [(0, "noise", 2.5, "Pending", "Alpha"), (1, "rates", 2.0, "Pass", "Alpha")]
    version = store.get("one").version
    result = store.annotate(Annotation("one", version, (MetricEdit(metric="noise", status="Fail", seen_history=1),)),
                            user="ada")
    assert result.applied, result
    assert _rows(store, "one")[0] == (0, "noise", 2.5, "Fail", "Alpha")
    dist = store.metric_distribution("Alpha", "noise", "ecephys", "Raw data")
    assert (dist.n, sum(b.failed for b in dist.bins)) == (2, 1)
    # Re-ingest with a new value (the portal's status entry is kept by the merge).
    changed = record("one", project="Alpha", metrics=[metric("noise", "Pending", value=7.0),
                                                       metric("rates", "Pass", value=[1, 2, 9]),
                                                       metric("label", "Pass", value="x")])
    store.upsert_many([changed])
    assert _rows(store, "one")[0][:3] == (0, "noise", 7.0)
    assert store.metric_distribution("Alpha", "noise", "ecephys", "Raw data").bins[-1].hi == 7.0
    # Push a new numeric metric.
    from portal.review.metrics_merge import MetricsPayload

    pushed = MetricsPayload(metrics=[metric("snr", "Pass", value=3.0, evaluator="etl")], allow_tag_failures=[])
    store.add_metrics("one", pushed, user="etl")
    assert [row[1] for row in _rows(store, "one")] == ["noise", "rates", "snr"]
    store.delete_asset("one", user="admin")
    assert store.metric_distribution("Alpha", "noise", "ecephys", "Raw data").n == 1
    with pytest.raises(NotFound):
        store.metric_distribution("Alpha", "snr", "ecephys", "Raw data")
    with store.engine.connect() as connection:
        assert connection.execute(select(metric_values.c.asset_id).where(
            metric_values.c.asset_id == store.get("two").id)).all()
    store.restore_asset("one", user="admin")
    assert store.metric_distribution("Alpha", "noise", "ecephys", "Raw data").n == 2


def test_numeric_value_rules():
    assert numeric_value(3) == 3.0 and numeric_value(2.5) == 2.5
    assert numeric_value([1, 2, 10]) == 2.0 and numeric_value([1, 2]) == 1.5
    for nothing in (True, "3", [], [1, "x"], {"a": 1}, float("nan"), [1, float("inf")], None):
        assert numeric_value(nothing) is None


def test_wilson_lower_bound_respects_sample_size():
    assert wilson_lower(0, 0) == 0.0
    assert wilson_lower(1, 1) < wilson_lower(50, 100) < 0.5
    assert wilson_lower(1, 1) == pytest.approx(0.2065, abs=1e-3)
    assert wilson_lower(10, 10) > wilson_lower(1, 1)
