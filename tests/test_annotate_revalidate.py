"""An annotation re-validates only the metrics it edits (portal.review.annotate._revalidate):
what it returns and writes must be what re-loading the whole edited document gives, and an
edit the schema refuses is refused with the same message, naming the metric as the document
numbers it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from portal.errors import InvalidInput
from portal.qc import dump_qc, load_qc, value_kind
from portal.qc.identity import MetricIndex
from portal.qc.summary import summarise
from portal.review.annotate import apply_annotation
from portal.store.edits import Annotation, MetricEdit
from tests.real_shapes import curation, real_shapes, shared_fixtures
from tests.records import metric, record

NOW = datetime(2025, 11, 1, tzinfo=UTC)


def _annotations(qc: dict):
    """A notes edit, then per metric a Fail, a comment and a value edit of its kind, then every
    metric at once in reverse order."""
    loaded = load_qc(qc)
    index = MetricIndex(loaded.metrics)
    yield Annotation("x", 1, (), notes="new notes")
    for position, m in enumerate(loaded.metrics):
        key = index.key(position)
        yield Annotation("x", 1, (MetricEdit(key=key, status="Fail"),))
        yield Annotation("x", 1, (MetricEdit(key=key, comment="looked at it"),))
        kind = value_kind(m.value)
        if kind == "dropdown":
            yield from (Annotation("x", 1, (MetricEdit(key=key, value=o),)) for o in m.value.get("options") or [])
        elif kind == "checkbox":
            yield Annotation("x", 1, (MetricEdit(key=key, value=list(m.value.get("options") or [])[:2]),))
        elif kind == "number":
            yield Annotation("x", 1, (MetricEdit(key=key, value=3.5, status="Pass"),))
    yield Annotation("x", 1, tuple(MetricEdit(key=index.key(p), status="Pending")
                                   for p in reversed(range(len(loaded.metrics)))), notes="z")


@pytest.mark.parametrize("document", real_shapes() + shared_fixtures(), ids=lambda r: r.get("name", "?"))
def test_the_model_returned_is_the_edited_document_loaded_whole(document):
    checked = 0
    for annotation in _annotations(document["quality_control"]):
        outcome = apply_annotation(copy.deepcopy(document["quality_control"]), annotation, user="Ann",
                                   current_version=1, now=NOW)
        if outcome.model is None:
            continue
        whole = load_qc(outcome.quality_control)
        assert dump_qc(outcome.model) == dump_qc(whole) == outcome.quality_control
        edited = {**document, "quality_control": outcome.quality_control}
        assert summarise(edited, loaded=outcome.model) == summarise(edited, loaded=whole) == summarise(edited)
        checked += 1
    assert checked  # every document takes at least its notes edit


def test_a_refused_edit_names_an_unnamed_metric_by_its_number_in_the_document():
    qc = record("r", metrics=[metric("a"), metric("", value=1.0), curation("", [], tags={"p": "x"}),
                              curation("c", [])])["quality_control"]
    keys = MetricIndex(load_qc(qc).metrics).keys
    with pytest.raises(InvalidInput, match=r"metric #2: value: Input should be a valid list"):
        apply_annotation(copy.deepcopy(qc), Annotation("x", 1, (MetricEdit(key=keys[2], value="bad"),)),
                         user="Ann", current_version=1, now=NOW)
    # Two refused edits: the first in document order is named, as a whole load names it.
    both = Annotation("x", 1, (MetricEdit(key=keys[3], value="bad"), MetricEdit(key=keys[2], value="bad")))
    with pytest.raises(InvalidInput, match=r"metric #2: .*\(and 1 more error\)"):
        apply_annotation(copy.deepcopy(qc), both, user="Ann", current_version=1, now=NOW)
