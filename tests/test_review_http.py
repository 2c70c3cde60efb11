"""The review queue over HTTP: who may decide (a direct POST to the Dash callback included),
what a decision writes, and bad presses (stale item, unknown action) answered without a trace."""

from __future__ import annotations

import json
import time

import pytest

from components import ids
from portal import create_app
from tests.auth_helpers import add_user, login
from tests.dash_client import DashClient
from tests.records import metric, record


@pytest.fixture
def app(settings):
    app = create_app(settings)
    store = app.server.extensions["qc_portal"].store
    store.upsert_many([record("q1", project="Q", metrics=[metric("m1", "Pending"), metric("m2", "Pending")])])
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    return app


def _store(app):
    return app.server.extensions["qc_portal"].store


def _dependency(dash: DashClient, store_id: str) -> str:
    found = [d["output"] for d in dash.dependencies if any(i["id"] == store_id for i in d["inputs"])]
    assert len(found) == 1, found
    return found[0]


def _state(app, key: str = "m1 [ecephys, Raw data]") -> dict:
    stored = _store(app).get("q1")
    return {"asset": "q1", "asset_id": stored.id, "key": key, "version": stored.version, "seen_history": 1,
            "status": "Pending", "place": None, "filters": "project=Q", "order": "oldest", "search": ""}


def _press(dash: DashClient, app, store_id: str, action: str, state: dict | None = None, item=None):
    state = state or _state(app)
    press = {"action": action, "at": time.time(), "item": item or [state["asset"], state["key"]]}
    output = _dependency(dash, store_id)
    values = {f"{store_id}.data": press, f"{ids.REVIEW_STATE}.data": state, f"{ids.REVIEW_SESSION}.data": None}
    return dash.call(output, values, [f"{store_id}.data"])


def _history(app, name: str = "m1"):
    qc = _store(app).get("q1").record["quality_control"]
    return next(m for m in qc["metrics"] if m["name"] == name)["status_history"]


@pytest.mark.parametrize("who", [None, "vic"])
def test_viewers_and_anonymous_posts_are_refused_and_write_nothing(app, who):
    client = app.server.test_client()
    if who:
        login(client, who)
    dash = DashClient(client)
    version = _store(app).get("q1").version
    status, data = _press(dash, app, ids.REVIEW_DECIDE, "pass")
    body = json.dumps(data or {})
    assert "review-item" not in (data or {}).get("response", {}), "a refused press must not render an item"
    assert ("Sign in" in body) if who is None else ("may not annotate" in body), body
    assert _store(app).get("q1").version == version and len(_history(app)) == 1
    assert status in (200, 204)


def test_the_review_page_tells_viewers_they_cannot_review(app):
    client = app.server.test_client()
    login(client, "vic")
    dash = DashClient(client)
    router = next(d for d in dash.dependencies if d["output"].startswith("..") and "_pages_content" in d["output"])
    values = {"_pages_location.pathname": "/review", "_pages_location.search": "?project=Q"}
    status, data = dash.call(router["output"], values, ["_pages_location.pathname"])
    text = json.dumps(data)
    assert status == 200 and "may not review" in text and "data-review-item" not in text


def test_an_annotators_press_saves_one_entry_under_their_name_and_shows_the_next(app):
    client = app.server.test_client()
    login(client, "ann")
    dash = DashClient(client)
    status, data = _press(dash, app, ids.REVIEW_DECIDE, "fail")
    assert status == 200
    entries = _history(app)
    assert len(entries) == 2 and entries[-1]["status"] == "Fail" and entries[-1]["evaluator"] == "Ann Reviewer"
    assert entries[-1]["timestamp"].endswith(("+00:00", "Z"))
    state = data["response"][ids.REVIEW_STATE]["data"]
    assert state["key"] == "m2 [ecephys, Raw data]"
    session = data["response"][ids.REVIEW_SESSION]["data"]
    assert session["decisions"][-1]["to"] == "Fail" and session["done"] == 1


def test_a_press_for_an_item_no_longer_shown_is_dropped(app):
    client = app.server.test_client()
    login(client, "ann")
    dash = DashClient(client)
    status, _ = _press(dash, app, ids.REVIEW_DECIDE, "pass", item=["q1", "some other key"])
    assert status == 204 and len(_history(app)) == 1  # PreventUpdate: nothing done


def test_an_unknown_action_does_nothing(app):
    client = app.server.test_client()
    login(client, "ann")
    dash = DashClient(client)
    for store_id in (ids.REVIEW_DECIDE, ids.REVIEW_MOVE):
        status, _ = _press(dash, app, store_id, "explode")
        assert status == 204
    assert len(_history(app)) == 1


def test_a_stale_version_meets_a_conflict_in_place(app):
    client = app.server.test_client()
    login(client, "ann")
    dash = DashClient(client)
    stale = _state(app)
    _press(dash, app, ids.REVIEW_DECIDE, "pass")  # decided once: version + 1, history 2
    status, data = _press(dash, app, ids.REVIEW_DECIDE, "fail", state=stale)
    assert status == 200
    text = json.dumps(data["response"][ids.REVIEW_ITEM])
    assert "Ann Reviewer set Pass" in text and "was not saved" in text
    assert [e["status"] for e in _history(app)] == ["Pending", "Pass"]


def test_an_unknown_position_in_the_url_starts_over_with_a_note(app):
    client = app.server.test_client()
    login(client, "ann")
    dash = DashClient(client)
    router = next(d for d in dash.dependencies if d["output"].startswith("..") and "_pages_content" in d["output"])
    values = {"_pages_location.pathname": "/review", "_pages_location.search": "?at=nope&key=x&order=sideways"}
    status, data = dash.call(router["output"], values, ["_pages_location.pathname"])
    text = json.dumps(data)
    assert status == 200 and "no longer there" in text and "Ignored order" in text
    assert '"data-asset": "q1"' in text
