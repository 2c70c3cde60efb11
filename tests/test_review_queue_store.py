"""The review queue in the store (portal.store.sql.queue), on SQLite and on a real PostgreSQL:
filters, orders, keyset paging across a page boundary, deleted assets, decided metrics."""

from __future__ import annotations

import pytest

from portal.errors import InvalidInput
from portal.store.protocol import Annotation, AssetQuery, MetricEdit
from portal.store.sql.engine import make_engine
from portal.store.sql.store import SqlAssetStore
from tests.records import metric, record


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    else:
        engine = make_engine(request.getfixturevalue("pg_url"))
    yield SqlAssetStore(engine)
    engine.dispose()


def _asset(name: str, day: int, pending: int, *, passed: int = 1, project: str = "Alpha", acquired=True, **kw):
    metrics = [metric(f"p{i}", "Pending") for i in range(pending)] + [metric(f"ok{i}", "Pass") for i in range(passed)]
    when = f"2025-01-{day:02d}T10:00:00+00:00" if acquired else None
    rec = record(name, project=project, acquired=when, metrics=metrics, **kw)
    if not acquired:
        rec.pop("acquisition")
    return rec


def _names(page) -> list[str]:
    return [a.name for a in page.assets]


def test_oldest_first_counts_and_only_assets_with_pending(store):
    store.upsert_many([_asset("c", 3, 2), _asset("a", 1, 1), _asset("b", 2, 0), _asset("d", 4, 3)])
    page = store.review_queue(AssetQuery())
    assert _names(page) == ["a", "c", "d"]  # b has nothing Pending
    assert [a.pending for a in page.assets] == [1, 2, 3]
    assert page.total == 6 and page.before == 0


def test_orders(store):
    store.upsert_many([_asset("a", 1, 1), _asset("b", 2, 5), _asset("c", 3, 2), _asset("d", 3, 2)])
    assert _names(store.review_queue(AssetQuery(), order="newest")) == ["d", "c", "b", "a"]
    assert _names(store.review_queue(AssetQuery(), order="most_pending")) == ["b", "d", "c", "a"]
    with pytest.raises(InvalidInput, match="unknown queue order"):
        store.review_queue(AssetQuery(), order="random")


def test_assets_without_acquisition_time_sort_as_the_smallest(store):
    store.upsert_many([_asset("a", 1, 1), _asset("z", 1, 1, acquired=False), _asset("y", 1, 1, acquired=False)])
    assert _names(store.review_queue(AssetQuery())) == ["y", "z", "a"]
    assert _names(store.review_queue(AssetQuery(), order="newest")) == ["a", "z", "y"]
    # Paging through the NULL run and out of it, both ways.
    assert _names(store.review_queue(AssetQuery(), start="y", inclusive=False)) == ["z", "a"]
    assert _names(store.review_queue(AssetQuery(), start="a", backward=True, inclusive=False)) == ["z", "y"]
    assert _names(store.review_queue(AssetQuery(), order="newest", start="a", inclusive=False)) == ["z", "y"]


def test_overview_filters_apply(store):
    store.upsert_many([
        _asset("a1", 1, 1, project="Alpha"), _asset("b1", 2, 2, project="Beta"),
        _asset("b2", 3, 1, project="Beta", subject="200002"), _asset("b3", 20, 1, project="Beta"),
    ])
    from datetime import date

    assert _names(store.review_queue(AssetQuery(project=("Beta",)))) == ["b1", "b2", "b3"]
    assert _names(store.review_queue(AssetQuery(subject=("200002",)))) == ["b2"]
    assert _names(store.review_queue(AssetQuery(acquired_from=date(2025, 1, 2), acquired_to=date(2025, 1, 3)))) == [
        "b1", "b2"]
    assert _names(store.review_queue(AssetQuery(text="B"))) == ["b1", "b2", "b3"]
    assert store.review_queue(AssetQuery(project=("Beta",))).total == 4
    assert store.review_queue(AssetQuery(project=("Nobody",))).total == 0


def test_metric_filter_queues_only_those_metrics(store):
    store.upsert_many([_asset("a", 1, 3), _asset("b", 2, 1), _asset("c", 3, 0)])
    page = store.review_queue(AssetQuery(metric=("p2",)))
    assert _names(page) == ["a"] and [x.pending for x in page.assets] == [1] and page.total == 1
    page = store.review_queue(AssetQuery(metric=("p0", "ok0")))  # ok0 is Pass everywhere: not queued
    assert _names(page) == ["a", "b"] and [x.pending for x in page.assets] == [1, 1] and page.total == 2
    assert store.review_queue(AssetQuery(metric=("p0",)), start="b").before == 1


def test_keyset_pages_across_a_boundary_with_before_counts(store):
    store.upsert_many([_asset(f"a{i:02d}", 1 + i % 5, 1 + i % 3) for i in range(23)])
    everything = store.review_queue(AssetQuery(), limit=100)
    assert len(everything.assets) == 23
    seen, start, inclusive, before = [], None, True, 0
    while True:
        page = store.review_queue(AssetQuery(), start=start, inclusive=inclusive, limit=5)
        if not page.assets:
            assert page.before == page.total
            break
        assert page.before == before  # the queued metrics of every asset already paged through
        seen += page.assets
        before += sum(a.pending for a in page.assets)
        start, inclusive = page.assets[-1].name, False
    assert [a.name for a in seen] == [a.name for a in everything.assets]
    assert before == everything.total == sum(1 + i % 3 for i in range(23))
    # Backward from the 12th asset: the 11 before it, nearest first.
    back = store.review_queue(AssetQuery(), start=seen[11].name, inclusive=False, backward=True, limit=100)
    assert [a.name for a in back.assets] == [a.name for a in reversed(seen[:11])]


def test_a_position_can_be_a_sort_value_and_name(store):
    store.upsert_many([_asset("a", 1, 3), _asset("b", 1, 2), _asset("c", 1, 1)])
    assert _names(store.review_queue(AssetQuery(), order="most_pending")) == ["a", "b", "c"]
    # "a" had 3 Pending when served; two were decided since: its old place still follows on to b.
    assert _names(store.review_queue(AssetQuery(), order="most_pending", start=(3, "a"), inclusive=False)) == ["b",
                                                                                                             "c"]
    assert _names(store.review_queue(AssetQuery(), start=("2025-01-01T10:00:00+00:00", "a"), inclusive=False)) == [
        "b", "c"]
    with pytest.raises(InvalidInput, match="not a date"):
        store.review_queue(AssetQuery(), start=("yesterday", "a"))
    with pytest.raises(InvalidInput, match="no asset"):
        store.review_queue(AssetQuery(), start="nope")


def test_deleted_assets_never_appear(store):
    store.upsert_many([_asset("a", 1, 1), _asset("b", 2, 4), _asset("c", 3, 1)])
    store.delete_asset("b", user="admin")
    page = store.review_queue(AssetQuery())
    assert _names(page) == ["a", "c"] and page.total == 2
    assert _names(store.review_queue(AssetQuery(metric=("p3",)))) == []
    # A deleted asset's place still works as a position (a reviewer's link to it).
    assert _names(store.review_queue(AssetQuery(), start="b")) == ["c"]


def test_a_metric_decided_pass_leaves_the_queue(store):
    store.upsert_many([_asset("a", 1, 2), _asset("b", 2, 1)])
    stored = store.get("b")
    result = store.annotate(Annotation("b", stored.version, (MetricEdit("p0", "Pass", seen_history=1),)), user="ann")
    assert result.applied
    page = store.review_queue(AssetQuery())
    assert _names(page) == ["a"] and page.total == 2
    stored = store.get("a")
    store.annotate(Annotation("a", stored.version, (MetricEdit("p1", "Fail", seen_history=1),)), user="ann")
    page = store.review_queue(AssetQuery())
    assert [a.pending for a in page.assets] == [1] and page.total == 1


def _walked(store, query: AssetQuery) -> int:
    """The queued metrics of every asset of the queue, paged through: what `total` must say."""
    return sum(a.pending for a in store.review_queue(query, limit=1000).assets)


def test_the_total_read_from_the_counters_follows_every_write(store):
    """Under filters asset_counts answers (project, status, level, one modality) the total is
    its `pending` sum: it must follow annotations, re-ingests, pushes, deletes and restores."""
    from portal.review.metrics_merge import read_payload
    from portal.store.protocol import Actor

    store.upsert_many([_asset("a", 1, 3), _asset("b", 2, 2, project="Beta", modalities=("ecephys", "behavior")),
                       _asset("c", 3, 1, level="derived")])
    queries = [AssetQuery(), AssetQuery(project=("Beta",)), AssetQuery(status=("Pending",)),
               AssetQuery(level=("derived",)), AssetQuery(modality=("behavior",)),
               AssetQuery(project=("Alpha",), modality=("ecephys",)), AssetQuery(project=("Beta",), pending=True)]

    def check():
        for query in queries:
            assert store.review_queue(query).total == _walked(store, query), query

    check()
    assert store.review_queue(AssetQuery()).total == 6
    store.annotate(Annotation("a", store.get("a").version, (MetricEdit("p0", "Pass", seen_history=1),)), user="ann")
    check()
    store.upsert_many([_asset("b", 2, 4, project="Beta", modalities=("ecephys", "behavior"))])  # re-ingest: 4 now
    check()
    pushed = [metric("late", "Pending")]
    store.add_metrics("c", read_payload(pushed), user=Actor("pipeline", "pipeline", service=True))
    check()
    store.delete_asset("b", user="admin")
    check()
    assert store.review_queue(AssetQuery()).total == 2 + 2
    store.restore_asset("b", user="admin")
    check()
    assert store.review_queue(AssetQuery()).total == 2 + 4 + 2
