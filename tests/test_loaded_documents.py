"""An annotation that starts from the document this worker wrote last (portal.review.loaded)
must write exactly what loading the stored document would write, and never start from a
document that is no longer the stored one (another worker, an ingest or a push wrote since).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from portal.errors import InvalidInput
from portal.qc import dump_qc, load_qc
from portal.qc.identity import MetricIndex
from portal.review.annotate import apply_annotation
from portal.review.loaded import Loaded, LoadedDocuments
from portal.store.edits import Annotation, MetricEdit
from portal.store.protocol import Actor
from tests.real_shapes import curation, real_shapes, shared_fixtures
from tests.records import metric, record
from tests.test_annotate_revalidate import _annotations

NOW = datetime(2025, 11, 1, tzinfo=UTC)


def _as_stored(document: dict) -> dict:
    """What a store hands back: the JSON it wrote, read again."""
    return json.loads(json.dumps(document))


def _stale(annotation: Annotation) -> Annotation:
    """The same edits sent by a reviewer who loaded the asset before its last change."""
    edits = tuple(MetricEdit(key=e.key, status=e.status or "Fail", seen_history=0) for e in annotation.edits)
    return Annotation(annotation.asset, 0, edits) if edits else annotation


@pytest.mark.parametrize("document", real_shapes() + shared_fixtures(), ids=lambda r: r.get("name", "?"))
def test_a_chain_of_annotations_from_loaded_documents_writes_what_loading_writes(document):
    stored = _as_stored(document["quality_control"])
    loaded = None
    steps = 0
    for step, annotation in enumerate(_annotations(document["quality_control"])):
        now = NOW + timedelta(minutes=step)
        outcomes = []
        for sent in (_stale(annotation), annotation):  # the conflicting one first: it writes nothing
            expected = apply_annotation(_as_stored(stored), sent, user="Ann", current_version=1, now=now)
            got = apply_annotation(_as_stored(stored), sent, user="Ann", current_version=1, now=now, loaded=loaded)
            assert got.conflicts == expected.conflicts
            assert got.quality_control == expected.quality_control
            assert (got.changes, got.entries) == (expected.changes, expected.entries)
            if got.model is not None:
                assert dump_qc(got.model) == expected.quality_control
            outcomes.append((expected, got))
        expected, got = outcomes[-1]
        if expected.quality_control is not None:
            stored = _as_stored(expected.quality_control)
            assert got.loaded.source == stored  # what the store's equality check compares
            loaded = got.loaded
            steps += 1
    assert steps > 1  # the chain ran from loaded documents, not only from the first load


def test_a_refused_edit_leaves_the_loaded_document_as_it_was():
    qc = record("a", metrics=[curation("curated", ["a"]), metric("m", "Pending")])["quality_control"]
    first = apply_annotation(_as_stored(qc), Annotation("a", 1, (MetricEdit(metric="m", status="Pass"),)),
                             user="Ann", current_version=1, now=NOW)
    loaded = first.loaded
    before = copy.deepcopy(loaded.source)
    history_lengths = [len(m.status_history) for m in loaded.model.metrics]
    with pytest.raises(InvalidInput):  # a curation's value must stay a list: refused after the edit
        apply_annotation(_as_stored(loaded.source),
                         Annotation("a", 2, (MetricEdit(metric="curated", value="bad", status="Fail"),
                                             MetricEdit(metric="m", status="Fail"))),
                         user="Ann", current_version=2, now=NOW, loaded=loaded)
    assert loaded.source == before
    assert [len(m.status_history) for m in loaded.model.metrics] == history_lengths
    assert dump_qc(loaded.model) == before


def _loaded(n: int, name: str = "m") -> Loaded:
    qc = load_qc(record("x", metrics=[metric(f"{name}{i}") for i in range(n)])["quality_control"])
    return Loaded(dump_qc(qc), qc, MetricIndex(qc.metrics))


def test_loaded_documents_answer_only_for_an_equal_document_and_stay_bounded():
    cache = LoadedDocuments(max_metrics=10)
    entry = _loaded(4)
    cache.put("a", entry)
    assert cache.get("a", _as_stored(entry.source)) is entry
    changed = _as_stored(entry.source)
    changed["metrics"][3]["value"] = 2.0
    assert cache.get("a", changed) is None  # an unequal document is loaded, not taken from here
    assert cache.get("b", entry.source) is None
    cache.put("b", _loaded(4))
    cache.get("a", entry.source)  # "a" used last: "b" goes first
    cache.put("c", _loaded(4))
    assert cache.get("b", cache_source := _loaded(4).source) is None and cache_source
    assert cache.get("a", entry.source) is entry and len(cache) == 2
    cache.put("big", _loaded(11))  # larger than the bound: not kept
    assert cache.get("big", _loaded(11).source) is None
    cache.put("a", None)
    assert cache.get("a", entry.source) is None


def _keys(store, name: str) -> list[str]:
    qc = load_qc(store.get(name).record["quality_control"])
    return [MetricIndex(qc.metrics).key(p) for p in range(len(qc.metrics))]


def test_an_annotation_after_another_workers_write_starts_from_the_stored_document(sql_store):
    """Two stores on one database are two workers. Worker A keeps the document it wrote; worker B
    then writes the asset; A's next annotation must apply to B's document, keeping B's change."""
    from portal.store.sql.store import SqlAssetStore

    sql_store.upsert_many([record("a", metrics=[metric(f"m{i}", "Pending") for i in range(3)])])
    other = SqlAssetStore(sql_store.engine, run_migrations=False)
    m0, m1, m2 = _keys(sql_store, "a")
    a = Actor("ann", "Ann")
    assert sql_store.annotate(Annotation("a", 1, (MetricEdit(key=m0, status="Pass"),)), user=a).applied
    assert sql_store.loaded.get(sql_store.get("a").id, sql_store.get("a").record["quality_control"])
    assert other.annotate(Annotation("a", 2, (MetricEdit(key=m1, status="Fail", value=7.0),)),
                          user=Actor("bob", "Bob")).applied
    result = sql_store.annotate(Annotation("a", 3, (MetricEdit(key=m2, status="Pass"),)), user=a)
    assert result.applied and result.version == 4
    qc = load_qc(sql_store.get("a").record["quality_control"])
    assert [m.value for m in qc.metrics] == [1.0, 7.0, 1.0]
    assert [[(e.evaluator, e.status) for e in m.status_history] for m in qc.metrics] == [
        [("Automated", "Pending"), ("Ann", "Pass")],
        [("Automated", "Pending"), ("Bob", "Fail")],
        [("Automated", "Pending"), ("Ann", "Pass")],
    ]
    # An ingest that rewrites the document: the next annotation sees the ingested document too.
    sql_store.upsert_many([record("a", metrics=[metric(f"m{i}", "Pending", value=9.0) for i in range(3)])])
    assert sql_store.annotate(Annotation("a", sql_store.get("a").version, (MetricEdit(key=m0, status="Fail"),)),
                              user=a).applied
    qc = load_qc(sql_store.get("a").record["quality_control"])
    assert [m.value for m in qc.metrics] == [9.0, 7.0, 9.0]  # Bob's value edit survives re-ingest (merge)


def test_annotations_from_the_loaded_document_do_not_validate_it_again(sql_store, monkeypatch):
    import portal.review.annotate as annotate

    sql_store.upsert_many([record("a", metrics=[metric(f"m{i}", "Pending") for i in range(5)])])
    keys = _keys(sql_store, "a")
    loads = []
    real_load = annotate.load_qc
    monkeypatch.setattr(annotate, "load_qc", lambda raw: loads.append(len(raw["metrics"])) or real_load(raw))
    for version, key in enumerate(keys, start=1):
        assert sql_store.annotate(Annotation("a", version, (MetricEdit(key=key, status="Pass"),)),
                                  user=Actor("ann", "Ann")).applied
    # The first annotation loads the ingested document; the others only re-validate the one
    # metric they edit (the part _revalidate loads).
    assert loads == [5] + [1] * 5
