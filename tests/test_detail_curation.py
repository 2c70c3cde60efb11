"""Curations from embedded curation GUIs, without a browser: which frames are bound to a
metric, the callback's server-side checks (right, shape, size, metric), and the
annotation service appending the curation with its history entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from components import ids
from components.asset.viewers import group_viewers
from portal import create_app
from portal.review.annotation_service import submit
from portal.views.asset import curation as curations
from portal.views.asset import edits as edit_state
from portal.views.asset.model import load_detail
from portal.views.asset.viewers import ReferenceGroup, Viewer
from tests.auth_helpers import SAME_ORIGIN, add_user, login
from tests.real_shapes import curation
from tests.records import metric, record
from tests.walk import iter_tree

KEY = "Sorting [ecephys, Processing, probe=A]"


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([record("sorted", metrics=[
        curation("Sorting", [{"v": 1}], tags={"probe": "A"}, reference="https://gui.example/app?probe=A"),
        metric("Yield", "Pass", value=3),
    ])])
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer")
    return app


@pytest.fixture
def store(app):
    return app.server.extensions["qc_portal"].store


# -- which frames speak for a metric ----------------------------------------------------------


def _group(metrics, embed="https://gui.example/app?probe=A"):
    return ReferenceGroup("r", (Viewer("link", "0-0", "app", embed, embed, embed=embed),), tuple(metrics))


def test_a_frame_is_bound_only_on_a_curation_host_and_for_one_curation_metric(store):
    detail = load_detail(store, "sorted")
    sorting, yield_ = detail.metrics
    frame = curations.curation_frame(_group([sorting]), frozenset({"gui.example"}))
    assert frame.key == KEY and frame.viewer == "0-0" and json.loads(frame.payload) == {"v": 1}
    assert curations.curation_frame(_group([sorting]), frozenset({"other.example"})) is None
    assert curations.curation_frame(_group([sorting]), frozenset()) is None
    assert curations.curation_frame(_group([yield_]), frozenset({"gui.example"})) is None
    assert curations.curation_frame(_group([sorting, sorting]), frozenset({"gui.example"})) is None
    ported = _group([sorting], "https://gui.example:8443/app")
    assert curations.curation_frame(ported, frozenset({"gui.example:8443"})) is not None
    box = next(n for n in iter_tree(group_viewers(_group([sorting]), frame))
               if "ref-curation" in (getattr(n, "className", "") or "").split())
    assert box.__dict__["data-curation-key"] == KEY and json.loads(box.__dict__["data-curation"]) == {"v": 1}


def test_a_curation_too_large_to_send_is_not_sent(store):
    sorting = load_detail(store, "sorted").metrics[0]
    big = sorting.__class__(**{**sorting.__dict__, "value": [{"blob": "x" * (curations.MAX_BYTES + 1)}]})
    assert curations.curation_frame(_group([big]), frozenset({"gui.example"})).payload is None
    assert not curations.acceptable({"blob": "x" * curations.MAX_BYTES})
    assert curations.acceptable({"ok": 1}) and not curations.acceptable(float("nan"))


# -- the callback, called over HTTP as the browser does ------------------------------------------


def _post(client, store, message, key=KEY):
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if any(i["id"] == ids.DETAIL_CURATION_IN for i in d["inputs"]))
    stored = store.get("sorted")
    detail = load_detail(store, "sorted")
    bases = [{"id": {"type": "detail-metric-base", "index": m.index}, "property": "data",
              "value": edit_state.metric_base(m, stored.version)} for m in detail.metrics]
    values = {ids.DETAIL_EDITS: {}, ids.DETAIL_ASSET: {"id": stored.id, "name": stored.name,
                                                       "version": stored.version}}
    state = [bases if isinstance(s["id"], str) and s["id"].startswith("{") else
             {"id": s["id"], "property": s["property"], "value": values[s["id"]]} for s in dep["state"]]
    body = {"output": dep["output"], "outputs": {"id": ids.DETAIL_EDITS, "property": "data"},
            "inputs": [{"id": ids.DETAIL_CURATION_IN, "property": "data", "value": message}],
            "changedPropIds": [f"{ids.DETAIL_CURATION_IN}.data"], "state": state}
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                           headers=SAME_ORIGIN)
    return response, stored.id


@pytest.mark.parametrize("who", [None, "vic"])
def test_viewers_and_anonymous_posts_record_nothing(app, store, who):
    client = app.server.test_client()
    if who:
        login(client, who)
    response, _ = _post(client, store, {"key": KEY, "data": {"v": 2}, "at": 1})
    assert response.status_code == 204  # PreventUpdate: nothing recorded


@pytest.mark.parametrize("message", [
    {"key": KEY, "data": {"blob": "x" * (curations.MAX_BYTES + 10)}},  # too large
    {"key": "Yield [ecephys, Raw data]", "data": {"v": 2}},  # not a curation metric
    {"key": "nope", "data": {"v": 2}},
    {"key": KEY},  # no data
    {"key": KEY, "data": {"v": 1}},  # the latest curation echoed back
    "not an object",
])
def test_malformed_large_or_misdirected_curations_are_refused(app, store, message):
    client = app.server.test_client()
    login(client, "ann")
    response, asset_id = _post(client, store, message)
    if response.status_code == 200:  # an echo is recorded as "no change"
        assert response.get_json()["response"][ids.DETAIL_EDITS]["data"] == {}
    else:
        assert response.status_code == 204


def test_an_annotators_curation_becomes_a_change(app, store):
    client = app.server.test_client()
    login(client, "ann")
    response, asset_id = _post(client, store, {"key": KEY, "data": {"v": 2}, "at": 1})
    assert response.status_code == 200, response.get_data(as_text=True)
    state = response.get_json()["response"][ids.DETAIL_EDITS]["data"][asset_id]
    assert [(c.key, c.field, c.new) for c in edit_state.changes(state)] == [(KEY, "curation", {"v": 2})]


# -- the annotation service ---------------------------------------------------------------------


def test_submitting_a_curation_appends_it_with_a_history_entry_and_audits_it(app, store):
    from portal.accounts.auth import User

    portal = app.server.extensions["qc_portal"]
    detail = load_detail(store, "sorted")
    base = edit_state.metric_base(detail.metrics[0], detail.version)
    annotation = edit_state.to_annotation(detail.id, edit_state.record_curation({}, base, {"v": 2}))
    before = datetime.now(UTC).replace(microsecond=0)
    result = submit(portal, User(portal.users.get("ann")), annotation)
    assert result.applied
    sorting = store.get("sorted").record["quality_control"]["metrics"][0]
    assert sorting["value"] == [{"v": 1}, {"v": 2}]
    [entry] = sorting["curation_history"]
    assert entry["curator"] == "Ann Reviewer"
    assert datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")) >= before
    assert [e for e in store.audit_log(asset="sorted") if e.action == "annotate"]
    # Made on the old version: a conflict on the value, nothing lost.
    again = submit(portal, User(portal.users.get("ann")), annotation)
    assert not again.applied and [c.field for c in again.conflicts] == ["value"]
    assert len(store.get("sorted").record["quality_control"]["metrics"][0]["curation_history"]) == 1
