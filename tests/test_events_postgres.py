"""Cursor paging of the event log on a real PostgreSQL under concurrent writers: no event is ever
skipped or repeated, although sequence ids are handed out in insertion order and transactions
commit in another one."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.events import feed
from portal.store.protocol import Annotation, MetricEdit
from portal.store.sql import events
from portal.store.sql.engine import make_engine
from portal.store.sql.store import SqlAssetStore
from portal.store.sql.tables import events as events_table
from tests.records import metric, record

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(pg_url):
    engine = make_engine(pg_url)
    yield SqlAssetStore(engine)
    engine.dispose()


def _committed_ids(engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(select(events_table.c.id).order_by(events_table.c.id)).scalars())


def test_an_event_committed_late_with_a_smaller_id_is_not_skipped(store):
    store.upsert_many([record("a", metrics=[metric("m", "Pass")])])
    start = feed.page(store.engine)
    assert [e.type for e in start.events] == ["asset_created"]
    cursor = start.next_cursor

    with store.engine.connect() as slow:
        transaction = slow.begin()
        # A slow writer takes the next id first (the real emit, in its own open transaction)...
        events.emit(slow, [events.event("asset_deleted", datetime.now(UTC), "slow", "x", "x")])
        (slow_id,) = slow.execute(select(events_table.c.id).order_by(events_table.c.id.desc()).limit(1)).one()
        # ...a fast one commits after it, with larger ids (a real annotation).
        store.annotate(Annotation("a", 1, (MetricEdit("m", status="Fail", seen_history=1),)), user="ann")
        committed = _committed_ids(store.engine)
        assert max(committed) > slow_id and slow_id not in committed  # ids are not in commit order
        # Paging by id alone would now return the annotation's events and later skip slow_id.
        early = feed.page(store.engine, cursor)
        assert early.events == [] and early.next_cursor == cursor  # held back until the slow one ends
        transaction.commit()

    late = feed.page(store.engine, cursor)
    assert [e.type for e in late.events] == ["asset_deleted", "annotation", "metric_failed"]
    assert late.events[0].id == slow_id
    assert feed.page(store.engine, late.next_cursor).events == []


def test_a_rolled_back_writer_leaves_no_gap_that_stalls_or_skips(store):
    store.upsert_many([record("a", metrics=[metric("m", "Pass")])])
    cursor = feed.page(store.engine).next_cursor
    with store.engine.connect() as doomed:
        transaction = doomed.begin()
        events.emit(doomed, [events.event("asset_deleted", datetime.now(UTC), "doomed", "x", "x")])
        store.annotate(Annotation("a", 1, (MetricEdit("m", status="Fail", seen_history=1),)), user="ann")
        transaction.rollback()
    found = feed.page(store.engine, cursor).events
    assert [e.type for e in found] == ["annotation", "metric_failed"]


def test_concurrent_writers_and_a_polling_reader_see_every_event_exactly_once(store):
    """Writers of every kind commit concurrently (annotations and pushes through the store, an
    ingest batch, and raw transactions of the real emit that stay open a random while); a reader
    polls with its cursor meanwhile. It must end with every committed event, each once, in
    cursor order, and the run must have produced ids out of commit order (else it proved nothing)."""
    names = [f"asset_{i}" for i in range(6)]
    store.upsert_many([record(n, metrics=[metric(f"m{j}", "Pass") for j in range(40)]) for n in names])
    stop = threading.Event()
    seen: list = []
    errors: list = []
    reader_cursor = [""]

    def reader():
        while True:
            done = stop.is_set()  # read once more after the writers have finished
            try:
                page = feed.page(store.engine, reader_cursor[0], limit=7)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return
            seen.extend(page.events)
            reader_cursor[0] = page.next_cursor
            if done and not page.events:
                return
            time.sleep(0.002)

    def annotator(name: str):
        rng = random.Random(name)
        for _ in range(8):
            metric_name = f"m{rng.randrange(40)}"
            current = store.get(name)
            history = next(len(m["status_history"]) for m in current.record["quality_control"]["metrics"]
                           if m["name"] == metric_name)
            edit = MetricEdit(metric_name, status=rng.choice(["Fail", "Pass"]), seen_history=history)
            store.annotate(Annotation(name, current.version, (edit,), force=True), user=f"ann-{name}")

    def slow_writer(seed: int):
        rng = random.Random(seed)
        for _ in range(10):
            with store.engine.connect() as connection, connection.begin():
                events.emit(connection, [events.event("asset_deleted", datetime.now(UTC), f"slow{seed}", "x", "x")
                                         for _ in range(rng.randrange(1, 4))])
                time.sleep(rng.uniform(0, 0.05))  # others commit meanwhile, with larger ids

    def ingester():
        store.upsert_many([record(f"new_{i}", metrics=[metric("f", "Fail")]) for i in range(30)], actor="nightly")

    threads = [threading.Thread(target=reader)]
    threads += [threading.Thread(target=annotator, args=(n,)) for n in names]
    threads += [threading.Thread(target=slow_writer, args=(s,)) for s in range(3)]
    threads += [threading.Thread(target=ingester)]
    for thread in threads:
        thread.start()
    for thread in threads[1:]:
        thread.join(120)
    stop.set()
    threads[0].join(60)
    assert not errors, errors

    ids = [e.id for e in seen]
    committed = _committed_ids(store.engine)
    assert len(ids) == len(set(ids)), "an event was read twice"
    assert sorted(ids) == committed, f"missed: {sorted(set(committed) - set(ids))[:10]}"
    positions = [tuple(int(p) for p in e.cursor.split("-")) for e in seen]
    assert positions == sorted(positions)  # the reader's order is the cursor order
    inversions = sum(1 for earlier, later in zip(ids, ids[1:], strict=False) if later < earlier)
    assert inversions > 0, "no id came out of commit order: the run did not exercise the problem"
