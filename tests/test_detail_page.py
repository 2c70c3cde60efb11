"""The asset page over HTTP (Flask test client): layouts, the annotation service, and
direct POSTs to the write callback (refused on the server for viewers and anonymous users)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from components import ids
from portal import create_app
from portal.errors import Forbidden
from portal.review.annotation_service import submit
from portal.store.protocol import Annotation, MetricEdit
from portal.views.asset import edits as edit_state
from portal.views.asset.model import load_detail
from tests.auth_helpers import add_user, login
from tests.dash_client import DashClient, output_value
from tests.records import metric, record
from tests.walk import find_by_id, iter_tree, texts


@pytest.fixture
def app(settings):
    app = create_app(settings)
    store = app.server.extensions["qc_portal"].store
    store.upsert_many([
        record("ecephys_1", _id="id-1", notes="first notes", metrics=[
            metric("drift", "Pending", tags={"probe": "A"}, value=12.5),
            metric("rms", "Pass", tags={"probe": "B"}, value=0),
            metric("untagged one", "Fail"),
        ]),
        record("broken", qc={"metrics": [{"name": "x"}], "default_grouping": []}),
        record("bare", qc=False),
    ])
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer")
    return app


@pytest.fixture
def store(app):
    return app.server.extensions["qc_portal"].store


def page_layout(app, name, **query):
    from callbacks.asset.page import layout

    with app.server.test_request_context(f"/asset/{name}"):
        return layout(name=name, **query)


def test_unknown_asset(app):
    tree = page_layout(app, "nope")
    assert "Asset not found: nope" in texts(tree)


def test_unreadable_document_shows_the_domain_reason(app, store):
    tree = page_layout(app, "broken")
    assert "cannot be read" in texts(tree)
    assert store.get("broken").summary.qc_error in texts(tree)


def test_asset_without_qc(app):
    assert "no quality control" in texts(page_layout(app, "bare"))


def test_page_by_name_and_by_id(app):
    for key in ("ecephys_1", "id-1", "ecephys%5F1"):
        tree = page_layout(app, key)
        root = find_by_id(tree, ids.DETAIL_PAGE)[0]
        assert root.__dict__["data-asset"] == "ecephys_1"
    tree = page_layout(app, "ecephys_1")
    assert "first notes" in [n.value for n in find_by_id(tree, ids.DETAIL_NOTES)]
    project = [n for n in iter_tree(tree) if getattr(n, "className", "") == "project-link"][0]
    assert project.href == "/project/Alpha"


def test_navigator_has_an_untagged_node_and_shows_the_first_leaf(app):
    tree = page_layout(app, "ecephys_1", group="probe")
    nodes = [n.__dict__["data-node"] for n in find_by_id(tree, None, attr="data-node")]
    assert nodes == ["", "A", "B", "(untagged)"]
    cards = [n.__dict__["data-metric"] for n in find_by_id(tree, None, attr="data-metric")]
    assert cards == ["drift"]


def test_url_chooses_grouping_filter_and_node(app):
    tree = page_layout(app, "ecephys_1", group="probe", node="(untagged)")
    assert [n.__dict__["data-metric"] for n in find_by_id(tree, None, attr="data-metric")] == ["untagged one"]
    tree = page_layout(app, "ecephys_1", group="none", show="Pending")
    assert [n.__dict__["data-metric"] for n in find_by_id(tree, None, attr="data-metric")] == ["drift"]


def test_read_only_for_anonymous_visitors(app):
    tree = page_layout(app, "ecephys_1")
    root = find_by_id(tree, ids.DETAIL_PAGE)[0]
    assert root.__dict__["data-can-edit"] == "false"
    assert find_by_id(tree, ids.DETAIL_NOTES)[0].disabled is True


# -- the annotation service -----------------------------------------------------------------------


def test_service_writes_with_the_server_side_name_and_utc_time(app, store):
    from portal.accounts.auth import User

    portal = app.server.extensions["qc_portal"]
    user = User(portal.users.get("ann"))
    before = datetime.now(UTC)
    version = store.get("ecephys_1").version
    edit = MetricEdit("drift", status="Fail", seen_history=1)
    result = submit(portal, user, Annotation("ecephys_1", version, (edit,)))
    assert result.applied
    history = store.get("ecephys_1").record["quality_control"]["metrics"][0]["status_history"]
    assert history[-1]["evaluator"] == "Ann Reviewer" and history[-1]["status"] == "Fail"
    stamp = datetime.fromisoformat(history[-1]["timestamp"].replace("Z", "+00:00"))
    assert stamp.utcoffset().total_seconds() == 0 and stamp >= before.replace(microsecond=0)


@pytest.mark.parametrize("who", ["vic", None, "anonymous"])
def test_service_refuses_viewers_and_anonymous_and_writes_nothing(app, store, who):
    from portal.accounts.auth import Anonymous, User

    portal = app.server.extensions["qc_portal"]
    user = {"vic": lambda: User(portal.users.get("vic")), None: lambda: None, "anonymous": Anonymous}[who]()
    before = store.get("ecephys_1")
    with pytest.raises(Forbidden):
        submit(portal, user, Annotation("ecephys_1", before.version, (MetricEdit("drift", status="Fail"),)))
    assert store.get("ecephys_1").version == before.version
    assert not [e for e in store.audit_log(asset="ecephys_1") if e.action == "annotate"]


# -- direct POSTs to the write callback -------------------------------------------------------------


def _callback(client, input_id):
    deps = client.get("/_dash-dependencies").get_json()
    return next(d for d in deps if any(i["id"] == input_id for i in d["inputs"]))


def _outputs(spec: str) -> list[dict]:
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    out = []
    for part in parts:
        component, prop = part.rsplit(".", 1)
        out.append({"id": component, "property": prop})
    return out


def post_submit(client, edits, asset):
    dep = _callback(client, ids.DETAIL_SUBMIT)
    state_values = {ids.DETAIL_EDITS: edits, ids.DETAIL_ASSET: asset, ids.DETAIL_REFRESH: 0}
    body = {
        "output": dep["output"],
        "outputs": _outputs(dep["output"]),
        "inputs": [{"id": ids.DETAIL_SUBMIT, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{ids.DETAIL_SUBMIT}.n_clicks"],
        "state": [{"id": s["id"], "property": s["property"], "value": state_values[s["id"]]} for s in dep["state"]],
    }
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                       headers={"Sec-Fetch-Site": "same-origin"})


DRIFT = "drift [ecephys, Raw data, probe=A]"  # the metric's key (portal.qc.identity)


def _edits(store, status="Fail"):
    stored = store.get("ecephys_1")
    state = {"metrics": {DRIFT: {"key": DRIFT, "name": "drift", "status": status, "seen_history": 1,
                                 "seen_status": "Pending", "version": stored.version}}}
    asset = {"id": stored.id, "name": stored.name, "version": stored.version, "notes": "first notes"}
    return {stored.id: state}, asset


@pytest.mark.parametrize("who", [None, "vic"])
def test_direct_post_to_the_write_callback_is_refused(app, store, who):
    client = app.server.test_client()
    if who:
        assert login(client, who).status_code == 302
    edits, asset = _edits(store)
    before = store.get("ecephys_1").version
    response = post_submit(client, edits, asset)
    body = response.get_data(as_text=True)
    assert "Sign in as an annotator" in body or "may not annotate" in body
    assert store.get("ecephys_1").version == before
    history = store.get("ecephys_1").record["quality_control"]["metrics"][0]["status_history"]
    assert [h["status"] for h in history] == ["Pending"]


def test_annotator_post_writes_and_reports_conflicts(app, store):
    client = app.server.test_client()
    login(client, "ann")
    edits, asset = _edits(store)
    response = post_submit(client, edits, asset)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Saved 1 change" in response.get_data(as_text=True)
    history = store.get("ecephys_1").record["quality_control"]["metrics"][0]["status_history"]
    assert history[-1]["evaluator"] == "Ann Reviewer"
    # The same (now stale) edits again: a conflict with the entry just written; nothing lost.
    again = post_submit(client, edits, asset)
    text = again.get_data(as_text=True)
    assert "Someone else changed these" in text and "Re-apply mine" in text
    assert len(store.get("ecephys_1").record["quality_control"]["metrics"][0]["status_history"]) == 2


# -- the navigator follows the unsaved edits, and only them (issue 19) ----------------------------

NAV_CHANGED = [f"{ids.DETAIL_EDITS}.data"]


def _navigate(client, asset: dict, edits: dict | None, counted: str | None):
    dash = DashClient(client)
    return dash.call(f"{ids.DETAIL_NAV}.children", {
        f"{ids.DETAIL_GROUPING}.value": ["probe"], f"{ids.DETAIL_FILTER}.value": "all",
        f"{ids.DETAIL_REFRESH}.data": 0, f"{ids.DETAIL_EDITS}.data": edits, f"{ids.DETAIL_NODE}.data": "A",
        f"{ids.DETAIL_ASSET}.data": asset, f"{ids.DETAIL_NAV_COUNTED}.data": counted}, NAV_CHANGED)


def _unsaved_marks(data) -> list:
    tree = json.dumps(output_value(data, ids.DETAIL_NAV, "children"))
    return tree.split('"data-unsaved": ')[1:]


def test_the_navigator_is_redrawn_only_when_the_edits_it_counts_change(app, store):
    client = app.server.test_client()
    assert login(client, "ann").status_code == 302
    detail = load_detail(store, "ecephys_1")
    asset = {"id": detail.id, "name": detail.name, "version": detail.version, "notes": None, "project": "Alpha"}
    # Local storage answering on load with nothing for this asset: the page's navigator stands.
    assert _navigate(client, asset, {}, None)[0] == 204
    assert _navigate(client, asset, {"another asset": {"metrics": {}}}, None)[0] == 204
    # A status edit: redrawn, counting it, and the page keeps what it now counts.
    drift = next(m for m in detail.metrics if m.name == "drift")
    state = edit_state.record({}, edit_state.metric_base(drift, detail.version), status="Fail")
    status, data = _navigate(client, asset, {detail.id: state}, None)
    assert status == 200 and _unsaved_marks(data)
    counted = output_value(data, ids.DETAIL_NAV_COUNTED, "data")
    assert counted == edit_state.counted(state) and counted
    # The same edits again (another tab's copy, a comment typed): nothing to redraw.
    assert _navigate(client, asset, {detail.id: state}, counted)[0] == 204
    # The edit undone: redrawn with the saved counts.
    status, data = _navigate(client, asset, {}, counted)
    assert status == 200 and not _unsaved_marks(data)
    assert output_value(data, ids.DETAIL_NAV_COUNTED, "data") is None
