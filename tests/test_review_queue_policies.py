"""The review queue under a project's rules, over HTTP (the Dash callbacks, a real SQLite file):
fail reasons asked for and kept, `assignment=<id>` queues, and projects that need several
ratings (a key press is a rating: passed over for its rater, consensus appended once, a
repeat served and never appended, the time shown recorded)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from components import ids
from portal import create_app
from portal.accounts.auth import User
from portal.review import assignments
from portal.review.ratings import store_of
from portal.store.sql import reviews
from portal.store.sql.ratings import Policy
from tests.auth_helpers import add_user, login
from tests.dash_client import DashClient
from tests.records import metric, record

KEY1, KEY2 = "m1 [ecephys, Raw data]", "m2 [ecephys, Raw data]"


@pytest.fixture
def app(settings):
    app = create_app(settings)
    store = app.server.extensions["qc_portal"].store
    store.upsert_many([
        record("q1", project="Q", acquired="2025-01-01T00:00:00+00:00",
               metrics=[metric("m1", "Pending"), metric("m2", "Pending")]),
        record("q2", project="Q", acquired="2025-01-02T00:00:00+00:00", metrics=[metric("m1", "Pending")]),
        record("o1", project="Other", metrics=[metric("m1", "Pending")]),
    ])
    for name, role in (("ann", "annotator"), ("bob", "annotator"), ("root", "admin")):
        add_user(app, name, role, display_name=name.title())
    return app


def _portal(app):
    return app.server.extensions["qc_portal"]


def _client(app, who):
    client = app.server.test_client()
    login(client, who)
    return DashClient(client)


def _set_reasons(app, project, listed):
    with _portal(app).store.engine.begin() as connection:
        reviews.set_reasons(connection, project, listed, user="root", now=datetime.now(UTC))


def _page(dash: DashClient, search: str) -> str:
    router = next(d for d in dash.dependencies if d["output"].startswith("..") and "_pages_content" in d["output"])
    status, data = dash.call(router["output"], {"_pages_location.pathname": "/review",
                                                "_pages_location.search": search}, ["_pages_location.pathname"])
    assert status == 200
    return json.dumps(data)


def _state(app, asset="q1", key=KEY1, filters="project=Q") -> dict:
    stored = _portal(app).store.get(asset)
    qc = stored.record["quality_control"]
    name = key.split(" ")[0]
    seen = len(next(m for m in qc["metrics"] if m["name"] == name)["status_history"])
    return {"asset": asset, "asset_id": stored.id, "key": key, "version": stored.version, "seen_history": seen,
            "status": "Pending", "place": None, "filters": filters, "order": "oldest", "search": ""}


def _press(dash: DashClient, state: dict, action: str, **extra):
    output = next(d["output"] for d in dash.dependencies if any(i["id"] == ids.REVIEW_DECIDE for i in d["inputs"]))
    press = {"action": action, "at": time.time(), "item": [state["asset"], state["key"]], **extra}
    values = {f"{ids.REVIEW_DECIDE}.data": press, f"{ids.REVIEW_STATE}.data": state,
              f"{ids.REVIEW_SESSION}.data": None}
    status, data = dash.call(output, values, [f"{ids.REVIEW_DECIDE}.data"])
    assert status == 200, data
    return data["response"]


def _history(app, asset="q1", name="m1"):
    qc = _portal(app).store.get(asset).record["quality_control"]
    return next(m for m in qc["metrics"] if m["name"] == name)["status_history"]


# -- fail reasons ---------------------------------------------------------------------------


def test_the_item_offers_the_projects_reasons_and_a_fail_without_one_is_not_saved(app):
    _set_reasons(app, "Q", ["Drift", "Noisy channels"])
    dash = _client(app, "ann")
    page = _page(dash, "?project=Q")
    assert '"data-reasons": "2"' in page and "data-reason-panel" in page and "Noisy channels" in page
    response = _press(dash, _state(app), "fail")
    text = json.dumps(response)
    assert "asks for a reason with every Fail" in text and "Drift; Noisy channels" in text
    assert response[ids.REVIEW_STATE]["data"]["key"] == KEY1, "the item stays for the reason"
    assert len(_history(app)) == 1, "nothing was written"


def test_a_fail_with_a_reason_and_comment_is_saved_with_them(app):
    _set_reasons(app, "Q", ["Drift", "Noisy channels"])
    dash = _client(app, "ann")
    response = _press(dash, _state(app), "fail", reason="Noisy channels", comment="probe B, 40 channels")
    assert response[ids.REVIEW_STATE]["data"]["key"] == KEY2, "then the next item"
    entry = _history(app)[-1]
    assert entry["status"] == "Fail" and entry["evaluator"] == "Ann"
    kept = [e for e in reviews_of(app, "q1") if e.metric_key == KEY1]
    assert [(e.reason, e.comment, e.status) for e in kept] == [("Noisy channels", "probe B, 40 channels", "Fail")]
    assert "reason" not in json.dumps(_portal(app).store.get("q1").record["quality_control"]), \
        "never inside the document"


def test_a_reason_the_project_does_not_list_is_refused(app):
    _set_reasons(app, "Q", ["Drift"])
    dash = _client(app, "ann")
    text = json.dumps(_press(dash, _state(app), "fail", reason="Made up"))
    assert "is not one of project 'Q'" in text and len(_history(app)) == 1


def test_a_pass_needs_no_reason_and_a_project_without_reasons_needs_none(app):
    _set_reasons(app, "Q", ["Drift"])
    dash = _client(app, "ann")
    _press(dash, _state(app), "pass")
    assert _history(app)[-1]["status"] == "Pass"
    other = _state(app, "o1", KEY1, filters="project=Other")
    _press(dash, other, "fail")
    assert _history(app, "o1")[-1]["status"] == "Fail"


def reviews_of(app, asset):
    stored = _portal(app).store.get(asset)
    with _portal(app).store.engine.connect() as connection:
        return reviews.asset_entries(connection, stored.id)


# -- assignments ----------------------------------------------------------------------------


def _admin(app):
    return User(_portal(app).users.get("root"))


def _assign(app, filters="project=Q&modality=ecephys"):
    return assignments.create(_portal(app), _admin(app), "Q ephys", filters, ["ann"])


def test_an_assignments_queue_serves_its_filters_and_keeps_the_id_in_the_url(app):
    made = _assign(app, "project=Other")
    dash = _client(app, "ann")
    page = _page(dash, f"?assignment={made.id}")
    assert '"data-asset": "o1"' in page and "q1" not in page.split("data-review-item")[1][:2000]
    assert f"assignment={made.id}" in page, "the order links and position keep the assignment"
    response = _press(dash, _state(app, "o1", filters=f"assignment={made.id}"), "pass")
    assert response[ids.REVIEW_STATE]["data"] is not None
    assert "Nothing is Pending" in json.dumps(response) or "Nothing Pending" in json.dumps(response)
    assert assignments.get(_portal(app), _admin(app), made.id).progress.reviewed == 1


def test_a_closed_or_unknown_assignment_says_so(app):
    made = _assign(app)
    assignments.close(_portal(app), _admin(app), made.id)
    dash = _client(app, "ann")
    assert "was closed on" in _page(dash, f"?assignment={made.id}")
    assert "Assignment not found: 999" in _page(dash, "?assignment=999")
    assert "an assignment is a number" in _page(dash, "?assignment=abc")


# -- several ratings ------------------------------------------------------------------------


def _policy(app, **values):
    store_of(_portal(app)).set_policy("Q", Policy(**values), by="root")


def test_a_key_press_is_a_rating_passed_over_for_its_rater_and_two_agreeing_append_once(app):
    _policy(app, ratings_required=2)
    ann, bob = _client(app, "ann"), _client(app, "bob")
    page = _page(ann, "?project=Q")
    assert '"data-round-needed": "2"' in page
    response = _press(ann, _state(app), "pass", shown_ms=1234)
    assert "recorded as a rating" in json.dumps(response)
    assert len(_history(app)) == 1, "a rating is not a status entry"
    assert response[ids.REVIEW_STATE]["data"]["key"] == KEY2
    assert '"data-metric-key": "m1 [ecephys, Raw data]"' not in _page(ann, "?project=Q"), \
        "ann's rated item waits for others: not served to her again"
    assert '"data-metric-key": "m1 [ecephys, Raw data]"' in _page(bob, "?project=Q"), "bob still gets it"
    response = _press(bob, _state(app), "pass")
    assert "agreed by" in json.dumps(response)
    entries = _history(app)
    assert len(entries) == 2 and entries[-1]["status"] == "Pass" and entries[-1]["evaluator"] == "Ann, Bob"
    rows = store_of(_portal(app)).ratings_of(_portal(app).store.get("q1").id, KEY1)
    assert [r["rater"] for r in rows] == ["ann", "bob"]
    with _portal(app).users.engine.connect() as connection:
        from sqlalchemy import text
        shown = connection.execute(text("select shown_ms from ratings where rater = 'ann'")).scalar()
    assert shown == 1234


def test_ratings_that_disagree_wait_for_an_adjudicator(app):
    _policy(app, ratings_required=2)
    _press(_client(app, "ann"), _state(app), "pass")
    response = _press(_client(app, "bob"), _state(app), "fail")
    assert "disagree" in json.dumps(response) and len(_history(app)) == 1
    assert [d["key"] for d in store_of(_portal(app)).disputed("Q")] == [KEY1]


def test_in_a_blind_project_the_card_hides_others_ratings_until_you_rated(app):
    _policy(app, ratings_required=3, blind=True)
    _press(_client(app, "ann"), _state(app), "fail")
    bob = _client(app, "bob")
    page = _page(bob, "?project=Q")
    assert '"data-round-blind": "1"' in page and '"data-rater": "ann"' not in page
    root = _page(_client(app, "root"), "?project=Q")
    assert '"data-rater": "ann"' in root, "admins (adjudicators) see every rating"


def test_a_repeat_is_served_looking_pending_and_its_answer_is_never_appended(app, monkeypatch):
    _policy(app, ratings_required=2, repeat_fraction=0.5)
    ann, bob = _client(app, "ann"), _client(app, "bob")
    _press(ann, _state(app), "pass")
    _press(bob, _state(app), "pass")  # consensus on m1 of q1: appended once
    assert len(_history(app)) == 2
    # The draw is random (secrets): here it is made to always serve a repeat.
    monkeypatch.setattr("portal.views.review_ratings.secrets.randbelow", lambda n: 0)
    response = _press(ann, _state(app, "q1", KEY2), "pass")
    state = response[ids.REVIEW_STATE]["data"]
    assert (state["asset"], state["key"]) == ("q1", KEY1), "the decided metric, served again"
    shown = json.dumps(response[ids.REVIEW_ITEM]["children"])
    assert '"data-status": "Pending"' in shown and "status-history" not in shown and "repeat" not in shown.lower()
    assert state["resume"]["key"] == KEY2
    repeat_state = {**_state(app, "q1", KEY1), "resume": state["resume"]}
    monkeypatch.setattr("portal.views.review_ratings.secrets.randbelow", lambda n: 999_999)
    after = _press(ann, repeat_state, "fail")
    assert len(_history(app)) == 2, "a repeat is never appended"
    assert after[ids.REVIEW_STATE]["data"]["asset"] == "q2", "then the queue goes on after the interrupted item"
    rows = store_of(_portal(app)).ratings_of(_portal(app).store.get("q1").id, KEY1)
    assert [(r["rater"], r["status"], r["repeat"]) for r in rows][-1] == ("ann", "Fail", True)


# -- adjudication ---------------------------------------------------------------------------


def _dispute(app, asset="q1", key=KEY1):
    ann, bob = _client(app, "ann"), _client(app, "bob")
    _press(ann, _state(app, asset, key), "pass")
    _press(bob, _state(app, asset, key), "fail")


def test_the_adjudication_queue_serves_disputes_to_admins_and_leads_only(app):
    _policy(app, ratings_required=2, leads=("bob",))
    add_user(app, "cy", "annotator", display_name="Cy")
    _dispute(app)
    _dispute(app, "q2")
    cy_page = _page(_client(app, "cy"), "?adjudicate=1")
    assert "Only admins and a project's leads adjudicate" in cy_page and "data-review-item" not in cy_page
    page = _page(_client(app, "bob"), "?adjudicate=1&project=Q")
    assert "Adjudication queue" in page and '"data-adjudicate": "1"' in page
    assert '"data-review-progress": "1/2"' in page and '"data-rater": "ann"' in page


def test_an_adjudicators_key_is_appended_under_their_name_then_the_next_dispute(app):
    _policy(app, ratings_required=2)
    _dispute(app)
    _dispute(app, "q2")
    root = _client(app, "root")
    stored = _portal(app).store.get("q1")
    state = {"adjudicate": True, "asset": "q1", "asset_id": stored.id, "key": KEY1, "status": "Pending", "index": 0,
             "filters": "adjudicate=1", "order": "oldest", "search": ""}
    response = _press(root, state, "fail")
    entries = _history(app)
    assert entries[-1]["status"] == "Fail" and entries[-1]["evaluator"] == "Root" and len(entries) == 2
    after = response[ids.REVIEW_STATE]["data"]
    assert (after["asset"], after["adjudicate"]) == ("q2", True)
    assert "appended under your name" in json.dumps(response)
    # A forged press by an annotator who leads nothing is refused by the service, nothing written.
    ann_state = {**after}
    response = _press(_client(app, "ann"), ann_state, "pass")
    assert "Only admins" in json.dumps(response) and len(_history(app, "q2")) == 1
