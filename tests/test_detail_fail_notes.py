"""A Fail's reason and comment in the browser's edit state (portal.views.asset.fail_notes,
portal.views.asset.edits) and the bulk Pass view (portal.views.asset.bulk): a reason belongs
to an unsaved explicit Fail, is previewed and sent with it, and the preview still lists exactly
what Submit reports; a bulk Pass names each Pending metric by key, on the version seen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dash import html

from components.asset.annotate import change_summary
from portal.errors import InvalidInput
from portal.views.asset import bulk
from portal.views.asset import edits as edit_state
from tests.walk import texts

KEY = "Drift [ecephys, Raw data, probe=ProbeB]"
BASE = {"key": KEY, "name": "Drift", "kind": "number", "status": "Pending", "n": 1, "value": 2.5, "shown": 2.5,
        "choice": False, "version": 3}


def test_a_reason_and_comment_go_with_an_unsaved_fail_only():
    state = edit_state.record({}, BASE, status="Fail", reason="  Noisy   channel ", comment=" hums ")
    edit = state["metrics"][KEY]
    assert (edit["reason"], edit["comment"]) == ("Noisy channel", "hums")
    assert edit_state.record(state, BASE, reason=None)["metrics"][KEY].get("reason") is None
    assert edit_state.record(state, BASE, comment="  ")["metrics"][KEY].get("comment") is None
    passed = edit_state.record(state, BASE, status="Pass")["metrics"][KEY]
    assert "reason" not in passed and "comment" not in passed
    # A reason alone is no edit, and a Pending -> Pending round trip leaves nothing.
    assert edit_state.is_empty(edit_state.record({}, BASE, reason="Noisy channel"))
    assert edit_state.is_empty(edit_state.record(state, BASE, status="Pending"))


def test_the_reason_and_comment_are_sent_previewed_and_checked():
    state = edit_state.record({}, BASE, status="Fail", reason="Noisy channel", comment="hums")
    [edit] = edit_state.to_annotation("a", state).edits
    assert (edit.key, edit.status, edit.reason, edit.comment) == (KEY, "Fail", "Noisy channel", "hums")
    status, comment = edit_state.changes(state)
    assert (status.field, status.reason) == ("status", "Noisy channel")
    assert (comment.field, comment.new) == ("comment", "hums")
    _, counter, preview = change_summary([status, comment])
    assert "(reason: Noisy channel)" in texts(preview) and "hums" in texts(preview)
    assert texts(html.Div(counter)) == "2 unsaved changes"
    _, counter, preview = change_summary(edit_state.changes(edit_state.record({}, BASE, status="Fail")),
                                         frozenset({KEY}))
    assert "1 Fail needs a reason" in texts(html.Div(counter)) and "(needs a reason)" in texts(preview)
    for bad in ({"reason": 3}, {"comment": ["x"]}, {"comment": "x" * 10_001}, {"reason": "x" * 201}):
        forged = {"metrics": {KEY: {**state["metrics"][KEY], **bad}}}
        with pytest.raises(InvalidInput):
            edit_state.to_annotation("a", forged)
    not_fail = {"metrics": {KEY: {**state["metrics"][KEY], "status": "Pass"}}}  # a forged reason on a Pass
    assert edit_state.to_annotation("a", not_fail).edits[0].reason is None


def test_missing_reasons():
    listed = ["Drift too high", "Noisy channel"]
    bare = edit_state.record({}, BASE, status="Fail")
    assert [c.key for c in edit_state.missing_reasons(bare, listed)] == [KEY]
    assert edit_state.missing_reasons(bare, []) == []  # the project lists none: none is needed
    stale = edit_state.record({}, BASE, status="Fail", reason="Gone")
    assert [c.reason for c in edit_state.missing_reasons(stale, listed)] == ["Gone"]
    assert edit_state.missing_reasons(edit_state.record({}, BASE, status="Fail", reason="Noisy channel"), listed) == []


def test_the_preview_lists_what_submit_reports_with_reasons_and_comments():
    from portal.review.annotate import apply_annotation
    from tests.review_shapes import probes

    record = probes("a", "P")
    twin = {**BASE, "key": "Drift [ecephys, Raw data, probe=ProbeA]", "value": 1.5, "shown": 1.5}
    state = edit_state.record({}, BASE, status="Fail", reason="Noisy channel", comment="hums")
    state = edit_state.record(state, twin, status="Fail", reason="Drift too high")
    annotation = edit_state.to_annotation("a", state)
    outcome = apply_annotation(record["quality_control"], annotation, user="Ann", current_version=3,
                               now=datetime.now(UTC))
    assert sorted((c.key, c.field) for c in edit_state.changes(state)) == sorted(
        (c["key"], c["field"]) for c in outcome.changes)
    assert {(e["key"], e["reason"], e["comment"]) for e in outcome.entries} == {
        (KEY, "Noisy channel", "hums"), (twin["key"], "Drift too high", None)}


# -- the bulk Pass view ---------------------------------------------------------------------------


def test_a_bulk_pass_takes_the_pending_metrics_set_by_hand(tmp_path):
    from tests.review_shapes import DRIFT_A, NOISE_A, YIELD_A, probes

    detail = _detail(tmp_path, probes("a", "P"))
    view = bulk.bulk_pass([m for m in detail.metrics if m.tags.get("probe") == "ProbeA"], node="ProbeA",
                          title="ProbeA", version=detail.version)
    assert [key for key, _, _ in view.metrics] == [DRIFT_A, NOISE_A, YIELD_A] and view.left == 1
    assert bulk.question(view.data()) == "Pass 3 Pending metrics in ProbeA?"
    assert bulk.question({**view.data(), "node": ""}) == "Pass 3 Pending metrics of this asset?"
    annotation = bulk.to_annotation("id-a", view.data())
    assert [(e.key, e.status, e.seen_history) for e in annotation.edits] == [
        (DRIFT_A, "Pass", 1), (NOISE_A, "Pass", 1), (YIELD_A, "Pass", 1)]
    assert annotation.base_version == detail.version
    # As unsaved edits (after a conflict) they submit the same passes.
    again = edit_state.to_annotation("id-a", bulk.as_edits(view.data()))
    assert [(e.key, e.status, e.seen_history) for e in again.edits] == [
        (e.key, e.status, e.seen_history) for e in annotation.edits]


def _detail(folder, record):
    """The asset page's view-model of one record, through a real SQLite store."""
    from portal.store.sql.engine import make_engine
    from portal.store.sql.store import SqlAssetStore
    from portal.views.asset.model import load_detail

    store = SqlAssetStore(make_engine(f"sqlite:///{folder / 'p.db'}"))
    store.upsert_many([record])
    return load_detail(store, record["name"], with_derived=False)


def test_the_bulk_pass_waits_for_unsaved_edits():
    assert bulk.blocked({}) is None and bulk.blocked(None) is None
    waiting = bulk.blocked(edit_state.record({}, BASE, status="Fail"))
    assert waiting.startswith("Submit or discard your changes above first")
