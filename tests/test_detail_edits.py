"""The browser's edit state (portal.views.asset.edits) and what widgets start from
(portal.views.asset.shown): edits are keyed by metric key, recorded only when a widget moves
away from what it was rendered with, and become MetricEdits naming exactly one metric."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from portal.errors import InvalidInput
from portal.store.protocol import UNSET
from portal.views.asset import edits as edit_state
from portal.views.asset.shown import shown_value
from tests.real_shapes import checkbox, dropdown

KEY = "drift [ecephys, Raw data, probe=A]"
BASE = {"key": KEY, "name": "drift", "kind": "number", "status": "Pending", "n": 1, "value": 12.5, "shown": 12.5,
        "choice": False, "version": 3}


def choice_base(kind: str, value: dict, key: str = "m [ecephys, Raw data]") -> dict:
    return {"key": key, "name": "m", "kind": kind, "status": "Pending", "n": 1, "value": value,
            "shown": shown_value(kind, value).value, "choice": True, "version": 2}


# -- what a widget starts from ------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "value", "shown", "marked"), [
    ("checkbox", checkbox(""), [], True),
    ("checkbox", checkbox(None), [], True),
    ("checkbox", checkbox("Noise"), ["Noise"], True),
    ("checkbox", checkbox("Ghost"), [], True),
    ("checkbox", checkbox(["Noise", "Ghost"]), ["Noise"], True),
    ("checkbox", checkbox(["Noise"]), ["Noise"], False),
    ("checkbox", checkbox([]), [], False),
    ("dropdown", dropdown(""), None, False),  # not chosen yet: nothing to mark
    ("dropdown", dropdown(None), None, False),
    ("dropdown", dropdown("Noisy"), "Noisy", False),
    ("dropdown", dropdown("Good (legacy)"), None, True),
    ("dropdown", dropdown(True, options=(1, 2)), None, True),  # True is not the option 1
    ("number", 0, 0, False),
    ("string", "", "", False),
    ("bool", False, False, False),
])
def test_shown_value(kind, value, shown, marked):
    result = shown_value(kind, value)
    assert result.value == shown and type(result.value) is type(shown)
    assert (result.note is not None) == marked and result.editable


def test_notes_show_the_stored_value_as_it_is():
    assert shown_value("checkbox", checkbox("")).note == (
        "stored value: '' — not a list of options; unchanged unless you choose")
    assert shown_value("dropdown", dropdown("x" * 200)).note.startswith("stored value: 'xxx")
    assert len(shown_value("dropdown", dropdown("x" * 200)).note) < 160


def test_options_of_an_unexpected_shape_are_read_only():
    result = shown_value("dropdown", dropdown("a", options=({"a": 1}, "b")))
    assert not result.editable and "unexpected" in result.note


# -- recording ---------------------------------------------------------------------------------


def test_record_and_revert_edits():
    state = edit_state.record({}, BASE, status="Fail")
    edit = state["metrics"][KEY]
    assert edit["status"] == "Fail" and edit["seen_history"] == 1 and edit["key"] == KEY and edit["name"] == "drift"
    state = edit_state.record(state, BASE, value=13)
    assert state["metrics"][KEY]["value"] == 13 and state["metrics"][KEY]["seen_value"] == 12.5
    state = edit_state.record(state, BASE, value=12.5)
    state = edit_state.record(state, BASE, status="Pending")
    assert edit_state.is_empty(state)
    assert edit_state.is_empty(edit_state.record({}, BASE, value=None))  # an emptied number input


@pytest.mark.parametrize(("kind", "value", "widget"), [
    ("checkbox", checkbox(""), []),
    ("checkbox", checkbox("Noise"), ["Noise"]),
    ("checkbox", checkbox(["Noise", "Ghost"]), ["Noise"]),
    ("dropdown", dropdown("Good (legacy)"), None),
    ("dropdown", dropdown(""), None),
])
def test_a_widget_showing_what_it_was_rendered_with_is_no_edit(kind, value, widget):
    base = choice_base(kind, value)
    assert edit_state.is_empty(edit_state.record({}, base, value=widget))
    assert edit_state.current({}, base, "value") == widget


def test_acting_on_a_marked_widget_is_an_edit_and_keeps_what_was_stored_as_seen():
    base = choice_base("checkbox", checkbox(""))
    state = edit_state.record({}, base, value=["Motion"])
    edit = state["metrics"][base["key"]]
    assert edit["value"] == ["Motion"] and edit["seen_value"] == checkbox("")
    assert edit_state.implied_status(base, ["Motion"]) == "Fail"
    assert edit_state.is_empty(edit_state.record(state, base, value=[]))  # unchecked again
    annotation = edit_state.to_annotation("a", state)
    assert annotation.edits[0].value == ["Motion"] and annotation.edits[0].status is None


def test_a_bool_is_not_a_number():
    base = {**BASE, "kind": "number", "value": 1, "shown": 1}
    assert not edit_state.is_empty(edit_state.record({}, base, value=True))
    assert edit_state.is_empty(edit_state.record({}, base, value=1.0))


def test_same_named_metrics_are_edited_apart():
    a = {**BASE, "key": "drift [ecephys, Raw data, probe=A]"}
    b = {**BASE, "key": "drift [ecephys, Raw data, probe=B]"}
    state = edit_state.record(edit_state.record({}, a, status="Fail"), b, status="Pass")
    edits = edit_state.to_annotation("x", state).edits
    assert [(e.key, e.metric, e.status) for e in edits] == [(a["key"], "drift", "Fail"), (b["key"], "drift", "Pass")]


def test_states_keyed_by_name_from_before_keys_are_ignored_not_submitted():
    old = {"metrics": {"drift": {"value": [], "seen_history": 1, "seen_value": "", "version": 1}}}
    assert edit_state.is_empty(old) and edit_state.changes(old) == []
    with pytest.raises(InvalidInput):
        edit_state.to_annotation("x", old)
    assert edit_state.edit_of(old, "drift") == {}
    mixed = edit_state.record(old, BASE, status="Fail")
    assert list(mixed["metrics"]) == [KEY]  # the old entry is dropped on the next edit
    assert edit_state.is_empty({"metrics": "garbage"}) and edit_state.is_empty(None)
    assert edit_state.is_empty({"metrics": {KEY: {"key": KEY, "seen_history": 1, "version": 1}}})  # no field


def test_to_annotation_uses_the_oldest_version_and_validates():
    state = {"metrics": {"a": {"key": "a", "name": "a", "status": "Fail", "seen_history": 2, "version": 5},
                         "b": {"key": "b", "value": 3, "seen_value": 1, "seen_history": 1, "version": 4}},
             "notes": "n", "seen_notes": None, "notes_version": 6}
    annotation = edit_state.to_annotation("x", state)
    assert annotation.base_version == 4 and annotation.notes == "n"
    assert annotation.edits[0].value is UNSET and annotation.edits[0].key == "a"
    assert annotation.edits[1].seen_value == 1 and annotation.edits[1].metric is None
    for bad in (None, {}, {"metrics": {"a": {"key": "a", "status": "Maybe", "seen_history": 1, "version": 1}}},
                {"metrics": {"a": {"key": "a", "status": "Fail", "seen_history": -1, "version": 1}}},
                {"metrics": {"a": {"key": "a", "status": "Fail", "seen_history": 1, "version": "1"}}},
                {"metrics": {"a": {"key": "a", "name": 3, "status": "Fail", "seen_history": 1, "version": 1}}}):
        with pytest.raises(InvalidInput):
            edit_state.to_annotation("x", bad)


def test_keep_mine_and_drop_mine_match_conflicts_by_key():
    state = {"metrics": {KEY: {"key": KEY, "name": "drift", "status": "Pass", "seen_history": 1, "version": 3}}}
    conflict = {"metric": "drift", "key": KEY, "field": "status", "theirs": [{"status": "Fail", "evaluator": "Bo"}],
                "yours": "Pass", "version": 4}
    kept = edit_state.keep_mine(state, conflict)
    assert kept["metrics"][KEY]["seen_history"] == 2 and kept["metrics"][KEY]["version"] == 4
    assert state["metrics"][KEY]["seen_history"] == 1  # not mutated
    assert edit_state.is_empty(edit_state.drop_mine(state, conflict))
    other = {**conflict, "key": "drift [ecephys, Raw data, probe=B]"}
    assert edit_state.keep_mine(state, other) == edit_state.drop_mine(state, other) == state
    notes = {"metrics": {}, "notes": "mine", "seen_notes": "old", "notes_version": 1}
    notes_conflict = {"metric": "", "key": "", "field": "notes", "theirs": "theirs", "yours": "mine", "version": 2}
    assert edit_state.keep_mine(notes, notes_conflict)["seen_notes"] == "theirs"
    assert edit_state.is_empty(edit_state.drop_mine(notes, notes_conflict))


def test_changes_preview():
    state = {"metrics": {KEY: {"key": KEY, "name": "drift", "status": "Fail", "seen_status": "Pending",
                               "seen_history": 1, "version": 1}},
             "notes": "new", "seen_notes": "old", "notes_version": 1}
    assert [(c.metric, c.key, c.field, c.old, c.new) for c in edit_state.changes(state)] == [
        ("", "", "notes", "old", "new"), ("drift", KEY, "status", "Pending", "Fail")]


def test_metric_base_keeps_the_shown_value():
    from types import SimpleNamespace

    metric = SimpleNamespace(key=KEY, name="drift", kind="checkbox", status="Pending", history=(1,),
                             value=checkbox(""), shown=shown_value("checkbox", checkbox("")), choice_sets_status=True)
    base = edit_state.metric_base(metric, 7)
    assert base["shown"] == [] and base["value"] == checkbox("") and base["key"] == KEY and base["version"] == 7
    json.dumps(base)  # it lives in the browser


# -- curations from an embedded GUI ------------------------------------------------------------


def curation_base(values: list) -> dict:
    return {"key": "Sorting [ecephys, Processing]", "name": "Sorting", "kind": "curation", "status": "Pass", "n": 1,
            "value": values, "shown": values, "choice": False, "version": 5}


def test_a_curation_becomes_a_change_appended_to_what_was_seen():
    base = curation_base([{"v": 1}])
    state = edit_state.record_curation({}, base, {"v": 2})
    [change] = edit_state.changes(state)
    assert (change.field, change.old, change.new) == ("curation", {"v": 1}, {"v": 2})
    [edit] = edit_state.to_annotation("x", state).edits
    assert edit.value == [{"v": 1}, {"v": 2}] and edit.seen_value == [{"v": 1}] and edit.key == base["key"]
    newer = edit_state.record_curation(state, base, {"v": 3})  # the newest unsaved one wins
    assert edit_state.to_annotation("x", newer).edits[0].value == [{"v": 1}, {"v": 3}]


def test_a_gui_echoing_the_latest_curation_is_no_change():
    assert edit_state.is_empty(edit_state.record_curation({}, curation_base([{"v": 1}]), {"v": 1}))
    text = json.dumps({"v": 1})
    assert edit_state.is_empty(edit_state.record_curation({}, curation_base([text]), {"v": 1}))


def test_curations_stored_as_json_text_stay_json_text():
    base = curation_base([json.dumps({"v": 1})])
    state = edit_state.record_curation({}, base, {"v": 2})
    value = edit_state.to_annotation("x", state).edits[0].value
    assert isinstance(value[1], str) and json.loads(value[1]) == {"v": 2}


def test_a_curation_conflict_reapplied_appends_after_theirs_and_dropped_goes():
    base = curation_base([{"v": 1}])
    state = edit_state.record_curation({}, base, {"v": 2})
    conflict = {"metric": "Sorting", "key": base["key"], "field": "value", "theirs": [{"v": 1}, {"v": "theirs"}],
                "yours": [{"v": 1}, {"v": 2}], "version": 6}
    kept = edit_state.keep_mine(state, conflict)
    annotation = edit_state.to_annotation("x", kept)
    assert annotation.edits[0].value == [{"v": 1}, {"v": "theirs"}, {"v": 2}] and annotation.base_version == 6
    assert edit_state.is_empty(edit_state.drop_mine(state, conflict))


def test_the_preview_counts_the_status_a_choice_sets_as_submit_writes_it(tmp_path):
    """Every change the preview lists is one Submit reports, and no other (the annotation
    service is the oracle: the counter and the "Saved N" message agree)."""
    from portal.review.annotate import apply_annotation
    from portal.store.sql.engine import make_engine
    from portal.store.sql.store import SqlAssetStore
    from tests.records import metric, record

    store = SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'p.db'}"))
    store.upsert_many([record("a", metrics=[
        metric("choice", "Pending", value=dropdown("")), metric("plain", "Pending", value=dropdown("", status=())),
        metric("n", "Pending", value=2.0), metric("both", "Pending", value=dropdown(""))])])
    stored = store.get("a")
    keys = {m["name"]: k for m, k in zip(stored.record["quality_control"]["metrics"],
                                        ["choice [ecephys, Raw data]", "plain [ecephys, Raw data]",
                                         "n [ecephys, Raw data]", "both [ecephys, Raw data]"], strict=True)}
    state = {}
    for name, kind, value in (("choice", "dropdown", dropdown("")), ("plain", "dropdown", dropdown("", status=())),
                              ("n", "number", 2.0), ("both", "dropdown", dropdown(""))):
        base = {"key": keys[name], "name": name, "kind": kind, "status": "Pending", "n": 1, "value": value,
                "shown": shown_value(kind, value).value, "choice": bool(value.get("status")) if kind != "number"
                else False, "version": stored.version}
        state = edit_state.record(state, base, value={"choice": "Noisy", "plain": "Normal", "n": 3.0,
                                                      "both": "Normal"}[name])
        if name == "both":
            state["metrics"][keys[name]]["status"] = "Fail"  # a status set by hand wins over the choice's
    previewed = edit_state.changes(state)
    annotation = edit_state.to_annotation(stored.id, state)
    outcome = apply_annotation(stored.record["quality_control"], annotation, user="Ann",
                               current_version=stored.version, now=datetime.now(UTC))
    assert len(previewed) == len(outcome.changes) == 6
    assert sorted((c.key, c.field) for c in previewed) == sorted((c["key"], c["field"]) for c in outcome.changes)
    statuses = {c["key"]: c["new"] for c in outcome.changes if c["field"] == "status"}
    assert {c.key: c.new for c in previewed if c.field == "status"} == statuses
    assert [(c.key, c.field) for c in previewed if c.implied] == [(keys["choice"], "status")]
    assert edit_state.unsaved_statuses(state) == {keys["choice"]: "Fail", keys["both"]: "Fail"}
    assert edit_state.edited_keys(state) == set(keys.values())
