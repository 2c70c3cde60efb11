"""portal.qc.diff: what a re-ingest or push changed in each metric's value and reference (the
audit rows metric timelines read), and how /audit shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import html

from components.audit import what_changed
from portal.qc.diff import MAX_KEPT, audit_detail, metric_changes
from portal.store.protocol import AuditEntry
from tests.api_helpers import V1_EVALUATION_DOC
from tests.records import metric, record
from tests.walk import texts


def _qc(*metrics) -> dict:
    return record("a", metrics=list(metrics))["quality_control"]


def test_values_and_references_by_key_and_added_metrics():
    before = _qc(metric("drift", tags={"probe": "A"}, reference="a.png"), metric("drift", tags={"probe": "B"}))
    after = _qc(metric("drift", tags={"probe": "A"}, reference="a2.png", value=2.0),
                metric("drift", tags={"probe": "B"}), metric("new"))
    assert metric_changes(before, after) == [
        {"key": "drift [ecephys, Raw data, probe=A]", "metric": "drift", "field": "value", "old": 1.0, "new": 2.0},
        {"key": "drift [ecephys, Raw data, probe=A]", "metric": "drift", "field": "reference", "old": "a.png",
         "new": "a2.png"},
        {"key": "new [ecephys, Raw data]", "metric": "new", "field": "added", "old": None, "new": None},
    ]
    assert metric_changes(before, before) == []
    assert [c["field"] for c in metric_changes(None, before)] == ["added", "added"]


def test_equal_values_in_another_form_are_no_change_and_large_ones_keep_their_size():
    nan = float("nan")
    assert metric_changes(_qc(metric("m", value=nan)), _qc(metric("m", value=nan))) == []
    assert metric_changes(_qc(metric("m", value={"a": 1, "b": 2})), _qc(metric("m", value={"b": 2, "a": 1}))) == []
    big = list(range(MAX_KEPT))
    (change,) = metric_changes(_qc(metric("m", value=1)), _qc(metric("m", value=big)))
    assert change["old"] == 1 and change["new"] is None and change["new_chars"] > MAX_KEPT


def test_layouts_compare_after_normalising_and_unreadable_documents_say_nothing():
    changed = dict(V1_EVALUATION_DOC, evaluations=[dict(V1_EVALUATION_DOC["evaluations"][0], metrics=[
        dict(V1_EVALUATION_DOC["evaluations"][0]["metrics"][0], value=11)])])
    (change,) = metric_changes(V1_EVALUATION_DOC, changed)
    assert (change["key"], change["old"], change["new"]) == ("frames [behavior-videos, Raw data, evaluation=Video]",
                                                             10, 11)
    assert metric_changes({"metrics": "x"}, _qc(metric("m"))) is None
    assert audit_detail({"metrics": "x"}, _qc(metric("m"))) == {}
    assert audit_detail(None, None) == {"metrics": []}


def test_the_audit_page_lists_them_with_the_source():
    entry = AuditEntry(datetime.now(UTC), "ingest", "id", "a", "update", {"source": "/data/a", "metrics": [
        {"key": "k", "metric": "drift", "field": "reference", "old": "a.png", "new": "a2.png"},
        {"key": "n", "metric": "new", "field": "added", "old": None, "new": None}]})
    shown = texts(html.Div(what_changed(entry)))
    assert "from /data/a" in shown and "drift · reference" in shown and "a.png → a2.png" in shown
    assert "new · added" in shown and "null" not in shown
