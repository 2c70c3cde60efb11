"""The review queue's view-model (portal.views.review): URL keys, review order, decisions,
and the clear refusal of a store without a queue (DocDB)."""

from __future__ import annotations

import pytest

from portal.errors import InvalidInput
from portal.store.sql.engine import make_engine
from portal.store.sql.store import SqlAssetStore
from portal.views.asset.model import load_detail
from portal.views.review import Queue, QueueUnsupported, choice, decision, parse_review, queued, review_order
from tests.records import metric, record


def test_the_url_keys():
    params = parse_review("?project=A&project=B&order=newest&at=a1&key=m%20%5Bx%5D&sort=-name")
    assert params.query.project == ("A", "B") and params.order == "newest"
    assert (params.at, params.key) == ("a1", "m [x]") and params.notes == ()
    assert params.search("a2", "k") == "?project=A&project=B&order=newest&at=a2&key=k"
    bad = parse_review({"order": "random", "at": "a1", "colour": "red"})
    assert bad.order == "oldest" and bad.at is None
    assert any("order" in note for note in bad.notes) and any("position" in note for note in bad.notes)
    assert any("colour" in note for note in bad.notes)


@pytest.fixture
def store(tmp_path):
    store = SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'p.db'}"))
    metrics = [metric("a", "Pending", tags={"probe": "B"}), metric("b", "Pass", tags={"probe": "A"}),
               metric("c", "Pending", tags={"probe": "A"}),
               metric("d", "Pending", value={"type": "dropdown", "value": "", "options": ["ok", "bad"],
                                             "status": ["Pass", "Fail"]}, tags={"probe": "B"})]
    rec = record("x", metrics=metrics)
    rec["quality_control"]["default_grouping"] = ["probe"]
    store.upsert_many([rec, record("y", metrics=[metric("e", "Pending")])])
    return store


def test_review_order_follows_the_grouping(store):
    detail = load_detail(store, "x")
    assert [detail.metrics[i].name for i in review_order(detail)] == ["a", "d", "b", "c"]
    assert [detail.metrics[i].name for i in queued(detail, parse_review("").query)] == ["a", "d", "c"]
    assert [detail.metrics[i].name for i in queued(detail, parse_review("metric=c").query)] == ["c"]


def test_the_queue_walks_every_item_and_back(store):
    queue = Queue(store, parse_review(""))
    item = queue.first()
    seen = []
    while item is not None:
        seen.append((item.detail.name, item.metric.name, item.number, item.total))
        item = queue.next(item.detail.name, item.metric.key, item.place)
    assert seen == [("x", "a", 1, 4), ("x", "d", 2, 4), ("x", "c", 3, 4), ("y", "e", 4, 4)]
    back = queue.previous("y", load_detail(store, "y").metrics[0].key)
    assert (back.detail.name, back.metric.name) == ("x", "c")
    stale = queue.at("x", load_detail(store, "x").metrics[1].key)  # b is Pass: the next item, with a note
    assert stale.metric.name == "c" and "decided already" in stale.note


def test_decisions(store):
    detail = load_detail(store, "x")
    dropdown = detail.metrics[3]
    state = {"asset_id": detail.id, "version": detail.version, "seen_history": 1}
    assert choice(dropdown, 2)["value"] == "bad" and choice(dropdown, 3) is None
    assert choice(detail.metrics[0], 1) is None  # not a dropdown
    annotation = decision(state, dropdown, None, 2)  # Enter on option 2: its status comes with it
    assert annotation.edits[0].status == "Fail" and annotation.edits[0].value["value"] == "bad"
    assert decision(state, detail.metrics[0], "Pass", None).edits[0].status == "Pass"
    with pytest.raises(InvalidInput, match="Nothing to save"):
        decision(state, detail.metrics[0], None, None)


def test_a_store_without_a_queue_is_refused_clearly():
    with pytest.raises(QueueUnsupported, match="DocDB"):
        Queue(object(), parse_review(""))
