"""Fail reasons and "Pass all Pending in this group" on the asset page, over HTTP (Flask test
client, a real SQLite file): the Submit callback stops a Fail without a required reason (nothing
saved, nothing lost), saves one with it (kept with its entry, shown in the history); the bulk
Pass writes one entry per Pending metric under the user's name and UTC time, in one annotation,
meets conflicts and the several-ratings policy without writing, and is refused to viewers and
anonymous visitors (direct POSTs included). Metric names repeat in every fixture."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from components import ids
from portal import create_app
from portal.errors import InvalidInput
from portal.review import reasons as review_reasons
from portal.review.annotation_service import submit as service_submit
from portal.store.protocol import Annotation, MetricEdit
from tests.auth_helpers import SAME_ORIGIN, add_user, login
from tests.review_shapes import (
    COORDS,
    DRIFT_A,
    DRIFT_B,
    NOISE_A,
    REASONS,
    SPIKES_A,
    YIELD_A,
    history,
    needs_two_ratings,
    probes,
    set_reasons,
)
from tests.walk import find_by_id, iter_tree, texts


@pytest.fixture
def app(settings):
    app = create_app(settings)
    portal = app.server.extensions["qc_portal"]
    portal.store.upsert_many([probes("reasoned", "Reasoned"), probes("plain", "Plain"), probes("paired", "Paired")])
    set_reasons(portal, "Reasoned")
    needs_two_ratings(portal, "Paired")
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    add_user(app, "root", "admin", display_name="Root Admin")
    return app


@pytest.fixture
def store(app):
    return app.server.extensions["qc_portal"].store


def _dependency(client, input_id: str) -> dict:
    deps = client.get("/_dash-dependencies").get_json()
    found = [d for d in deps if any(i["id"] == input_id for i in d["inputs"]) and not d.get("clientside_function")]
    assert len(found) == 1, [d["output"] for d in found]
    return found[0]


def _post(client, input_id: str, prop: str, value, states: dict):
    """POST the callback triggered by `input_id.prop` as the browser would (states by id)."""
    dep = _dependency(client, input_id)
    parts = dep["output"][2:-2].split("...") if dep["output"].startswith("..") else [dep["output"]]
    outputs = []
    for part in parts:
        component, name = re.sub(r"@[0-9a-f]+$", "", part).rsplit(".", 1)
        outputs.append({"id": component, "property": name})
    body = {
        "output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [{"id": i["id"], "property": i["property"], "value": value if i["id"] == input_id else None}
                   for i in dep["inputs"]],
        "state": [{"id": s["id"], "property": s["property"], "value": states.get(s["id"])} for s in dep["state"]],
        "changedPropIds": [f"{input_id}.{prop}"],
    }
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                       headers=SAME_ORIGIN)


def _client(app, who: str | None):
    client = app.server.test_client()
    if who:
        assert login(client, who).status_code == 302
    return client


def _asset(store, name: str) -> dict:
    stored = store.get(name)
    return {"id": stored.id, "name": stored.name, "version": stored.version, "notes": None,
            "project": stored.summary.project}


def _fail(store, name: str, key: str = DRIFT_B, **note) -> dict:
    stored = store.get(name)
    edit = {"key": key, "name": key.split(" [")[0], "status": "Fail", "seen_history": 1, "seen_status": "Pending",
            "version": stored.version, **note}
    return {stored.id: {"metrics": {key: edit}}}


def _submit(client, store, name: str, edits: dict):
    states = {ids.DETAIL_EDITS: edits, ids.DETAIL_ASSET: _asset(store, name), ids.DETAIL_REFRESH: 0}
    return _post(client, ids.DETAIL_SUBMIT, "n_clicks", 1, states)


def _layout(app, name: str, who: str | None = None, **query):
    from flask_login import login_user

    from callbacks.asset.page import layout
    from portal.accounts.auth import User

    with app.server.test_request_context(f"/asset/{name}"):
        if who:
            login_user(User(app.server.extensions["qc_portal"].users.get(who)))
        return layout(name=name, **query)


# -- choosing a fail reason ----------------------------------------------------------------------


def test_a_fail_without_a_required_reason_is_stopped_beside_its_metric_and_nothing_is_saved(app, store):
    client = _client(app, "ann")
    before = store.get("reasoned").version
    response = _submit(client, store, "reasoned", _fail(store, "reasoned"))
    assert response.status_code == 200
    out = response.get_json()["response"]
    assert out[ids.DETAIL_REASONS_MISSING]["data"] == [DRIFT_B]  # beside that metric (not its twin on ProbeA)
    message = json.dumps(out[ids.DETAIL_RESULT]["children"])
    assert "Nothing was saved: 1 Fail needs a reason" in message and "Drift too high" in message
    assert ids.DETAIL_EDITS not in out  # the edit stays in local storage, as it was
    assert store.get("reasoned").version == before and len(history(store, "reasoned", DRIFT_B)) == 1
    # A reason the project does not list is stopped too.
    response = _submit(client, store, "reasoned", _fail(store, "reasoned", reason="Bad vibes"))
    assert "'Bad vibes' is not one of the project's reasons" in response.get_data(as_text=True)
    assert store.get("reasoned").version == before


def test_the_server_still_refuses_a_fail_without_a_reason(app, store):
    from portal.accounts.auth import User

    portal = app.server.extensions["qc_portal"]
    annotation = Annotation(store.get("reasoned").id, store.get("reasoned").version,
                            (MetricEdit(key=DRIFT_B, status="Fail", seen_history=1),))
    with pytest.raises(InvalidInput, match="asks for a reason"):
        service_submit(portal, User(portal.users.get("ann")), annotation)


def test_a_fail_with_a_reason_is_saved_and_the_reason_shows_beside_its_entry(app, store):
    client = _client(app, "ann")
    before = datetime.now(UTC).replace(microsecond=0)
    response = _submit(client, store, "reasoned",
                       _fail(store, "reasoned", reason="Noisy channel", comment="  channel 12 hums  "))
    assert response.status_code == 200 and "Saved 2 changes" in response.get_data(as_text=True)  # status + comment
    assert response.get_json()["response"][ids.DETAIL_REASONS_MISSING]["data"] == []
    entry = history(store, "reasoned", DRIFT_B)[-1]
    assert (entry["evaluator"], entry["status"]) == ("Ann Reviewer", "Fail")
    assert datetime.fromisoformat(entry["timestamp"]).utcoffset().total_seconds() == 0
    assert datetime.fromisoformat(entry["timestamp"]) >= before
    assert history(store, "reasoned", DRIFT_A)[-1]["status"] == "Pending"  # the same-named metric is untouched
    [kept] = review_reasons.explained(store, store.get("reasoned").id)
    assert (kept.metric_key, kept.reason, kept.comment) == (DRIFT_B, "Noisy channel", "channel 12 hums")
    tree = _layout(app, "reasoned", "ann", node="ProbeB")
    card = next(n for n in iter_tree(tree) if getattr(n, "__dict__", {}).get("data-metric-key") == DRIFT_B)
    rows = [row for row in iter_tree(card) if getattr(row, "className", "") == "history-entry"]
    assert "Noisy channel" in texts(rows[0]) and "channel 12 hums" in texts(rows[0])  # newest first
    assert "Noisy channel" not in texts(rows[1])


def test_a_fail_set_by_a_choice_needs_no_reason(app, store):
    client = _client(app, "ann")
    stored = store.get("reasoned")
    edit = {"key": SPIKES_A, "name": "Spikes", "value": "Noisy", "seen_value": probes("x", "X")[
        "quality_control"]["metrics"][2]["value"], "seen_history": 1, "seen_status": "Pending",
        "version": stored.version}
    response = _submit(client, store, "reasoned", {stored.id: {"metrics": {SPIKES_A: edit}}})
    assert "Saved 2 changes" in response.get_data(as_text=True)  # the value and the Fail it sets
    assert history(store, "reasoned", SPIKES_A)[-1]["status"] == "Fail"


def test_no_reason_is_asked_where_the_project_lists_none(app, store):
    response = _submit(_client(app, "ann"), store, "plain", _fail(store, "plain"))
    assert "Saved 1 change" in response.get_data(as_text=True)


def test_reason_pickers_are_on_the_cards_annotators_can_fail_in_projects_with_reasons(app):
    tree = _layout(app, "reasoned", "ann", node="ProbeA")
    boxes = {n.__dict__["data-reason-for"] for n in find_by_id(tree, None, attr="data-reason-for")}
    assert boxes == {DRIFT_A, NOISE_A, YIELD_A}  # not the dropdown whose choice sets the status
    picker = next(n for n in iter_tree(tree) if getattr(n, "className", "") == "reason-picker")
    assert [o["value"] for o in picker.options] == REASONS and picker.searchable
    assert not find_by_id(_layout(app, "plain", "ann"), None, attr="data-reason-for")
    assert not find_by_id(_layout(app, "reasoned", "vic"), None, attr="data-reason-for")
    assert not find_by_id(_layout(app, "reasoned"), None, attr="data-reason-for")


# -- Pass all Pending in this group ---------------------------------------------------------------


def _bulk_data(tree) -> dict:
    [store_node] = [n for n in iter_tree(tree) if isinstance(getattr(n, "id", None), dict)
                    and n.id.get("type") == "detail-bulk-data"]
    return store_node.data


def _confirm(client, store, name: str, chosen: dict, edits: dict | None = None):
    states = {ids.DETAIL_BULK_CHOSEN: chosen, ids.DETAIL_EDITS: edits or {}, ids.DETAIL_ASSET: _asset(store, name),
              ids.DETAIL_REFRESH: 0}
    return _post(client, ids.DETAIL_BULK_CONFIRM, "n_clicks", 1, states)


def test_the_button_names_the_count_and_is_for_annotators_and_admins_only(app):
    tree = _layout(app, "plain", "ann", node="ProbeA")
    [bar] = find_by_id(tree, None, attr="data-bulk-node")
    assert bar.__dict__["data-bulk-count"] == "3" and "Pass all Pending in this group (3)" in texts(bar)
    assert "1 Pending metric whose status follows a choice is left to choose." in texts(bar)
    data = _bulk_data(tree)
    assert [m["key"] for m in data["metrics"]] == [DRIFT_A, NOISE_A, YIELD_A] and data["title"] == "ProbeA"
    assert find_by_id(_layout(app, "plain", "root", node="ProbeA"), None, attr="data-bulk-node")
    for who in ("vic", None):
        assert not find_by_id(_layout(app, "plain", who, node="ProbeA"), None, attr="data-bulk-node")
    # The filter does not change what the group's button passes.
    failing = _layout(app, "plain", "ann", show="Pending", node="(untagged)")
    assert [m["key"] for m in _bulk_data(failing)["metrics"]] == [COORDS, COORDS + " #2"]


def test_a_bulk_pass_writes_one_entry_per_pending_metric_in_one_annotation(app, store):
    client = _client(app, "ann")
    chosen = _bulk_data(_layout(app, "plain", "ann", node="ProbeA"))
    audit_before = len(store.audit_log(asset="plain"))
    before = datetime.now(UTC).replace(microsecond=0)
    response = _confirm(client, store, "plain", chosen)
    assert response.status_code == 200, response.get_data(as_text=True)
    out = response.get_json()["response"]
    assert "Passed 3 metrics in ProbeA." in json.dumps(out[ids.DETAIL_RESULT]["children"])
    assert out[ids.DETAIL_BULK_MODAL]["is_open"] is False
    assert out[ids.DETAIL_ASSET]["data"]["version"] == store.get("plain").version
    for key in (DRIFT_A, NOISE_A, YIELD_A):
        entries = history(store, "plain", key)
        assert len(entries) == 2 and (entries[-1]["evaluator"], entries[-1]["status"]) == ("Ann Reviewer", "Pass")
        at = datetime.fromisoformat(entries[-1]["timestamp"])
        assert at.utcoffset().total_seconds() == 0 and at >= before
    for key in (DRIFT_B, SPIKES_A, COORDS):  # the twin on ProbeB, the choice, other groups: untouched
        assert len(history(store, "plain", key)) == 1
    assert len(store.audit_log(asset="plain")) == audit_before + 1  # one annotation


def test_a_bulk_pass_over_someone_elses_decision_writes_nothing_and_keeps_the_passes(app, store):
    from portal.accounts.auth import User

    portal = app.server.extensions["qc_portal"]
    chosen = _bulk_data(_layout(app, "plain", "ann", node="ProbeA"))
    stored = store.get("plain")  # meanwhile someone fails Noise on ProbeA
    service_submit(portal, User(portal.users.get("root")),
                   Annotation(stored.id, stored.version, (MetricEdit(key=NOISE_A, status="Fail", seen_history=1),)))
    version = store.get("plain").version
    response = _confirm(_client(app, "ann"), store, "plain", chosen)
    out = response.get_json()["response"]
    assert "Someone else changed these" in json.dumps(out[ids.DETAIL_RESULT]["children"])
    assert [c["key"] for c in out[ids.DETAIL_CONFLICTS]["data"]["items"]] == [NOISE_A]
    kept = out[ids.DETAIL_EDITS]["data"][stored.id]["metrics"]
    assert {k: e["status"] for k, e in kept.items()} == {DRIFT_A: "Pass", NOISE_A: "Pass", YIELD_A: "Pass"}
    assert store.get("plain").version == version and len(history(store, "plain", DRIFT_A)) == 1


def test_a_project_needing_several_ratings_refuses_the_bulk_pass(app, store):
    chosen = _bulk_data(_layout(app, "paired", "ann", node="ProbeA"))
    version = store.get("paired").version
    response = _confirm(_client(app, "ann"), store, "paired", chosen)
    text = response.get_data(as_text=True)
    assert "Nothing was passed: project Paired needs 2 agreeing ratings per metric" in text
    assert store.get("paired").version == version


def test_the_bulk_pass_waits_for_unsaved_changes(app, store):
    chosen = _bulk_data(_layout(app, "plain", "ann", node="ProbeA"))
    version = store.get("plain").version
    response = _confirm(_client(app, "ann"), store, "plain", chosen, edits=_fail(store, "plain"))
    assert "Submit or discard your changes above first" in response.get_data(as_text=True)
    assert store.get("plain").version == version


@pytest.mark.parametrize("who", [None, "vic"])
def test_viewers_and_anonymous_posts_cannot_bulk_pass(app, store, who):
    chosen = _bulk_data(_layout(app, "plain", "ann", node="ProbeA"))
    version = store.get("plain").version
    response = _confirm(_client(app, who), store, "plain", chosen)
    text = response.get_data(as_text=True)
    assert ("Sign in as an annotator" in text) if who is None else ("Your role (viewer) may not annotate" in text)
    assert "Passed" not in text and store.get("plain").version == version
    assert len(history(store, "plain", DRIFT_A)) == 1


@pytest.mark.parametrize("bad", [None, {}, {"metrics": []}, {"version": 1, "metrics": [{"key": 3}]},
                                 {"version": True, "metrics": [{"key": DRIFT_A, "name": "Drift", "n": 1}]},
                                 {"version": 1, "metrics": [{"key": DRIFT_A, "name": "Drift", "n": 1}] * 2}])
def test_malformed_bulk_data_writes_nothing(app, store, bad):
    version = store.get("plain").version
    response = _confirm(_client(app, "ann"), store, "plain", bad)
    assert "Nothing was passed" in response.get_data(as_text=True) and store.get("plain").version == version
