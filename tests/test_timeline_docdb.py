"""A metric's timeline with the DocDB store (the local gateway): the audit log and review entries
live in the portal's bookkeeping database, so the timeline has them; what it cannot know (changes
made in DocDB itself) is said, and a record DocDB holds that the portal never wrote has only its
status history — never a traceback."""

from __future__ import annotations

from components import ids
from portal import create_app
from portal.accounts.auth import User
from portal.accounts.users import UserStore
from portal.qc import load_qc
from portal.qc.identity import MetricIndex
from portal.review import reasons
from portal.settings import load_settings
from portal.store.protocol import Actor, Annotation, MetricEdit
from portal.views.timeline import load_timeline, selector
from tests.dash_client import DashClient
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record


def _doc(reference: str) -> dict:
    return record("d1", project="Alpha", metrics=[metric("x", "Pending", reference=reference, tags={"probe": "A"}),
                                                  metric("x", "Pass", reference="b.png", tags={"probe": "B"})])


def test_annotations_reasons_and_reingests_over_docdb(store):
    store.upsert_many([_doc("a.png")])
    users = UserStore(store.engine)
    admin = User(users.add("root", "admin", "pw-rootrootroot", display_name="Root"))
    reasons.set_project_reasons(store, admin, "Alpha", ["Drift"])
    stored = store.get("d1")
    key = MetricIndex(load_qc(stored.record["quality_control"]).metrics).keys[0]
    edit = MetricEdit(key=key, status="Fail", reason="Drift", value=5.0)
    assert store.annotate(Annotation(stored.id, stored.version, (edit,)), user=Actor("ada", "Ada")).applied
    assert [r.action for r in store.upsert_many([_doc("a2.png")])] == ["updated"]
    found = load_timeline(store, "d1", selector(key, None))
    assert [(e.kind, e.who) for e in found.events] == [("reference", "ingest"), ("value", "Ada"), ("status", "Ada"),
                                                       ("status", "Automated")]
    assert found.events[2].reason == "Drift"
    assert (found.events[0].old, found.events[0].new) == ("a.png", "a2.png")
    assert (found.origin.how, found.origin.reference, found.origin.value) == ("created", "a.png", 1.0)
    (said,) = found.missing
    assert "DocDB" in said and "not in the portal's audit log" in said


def test_a_record_the_portal_never_wrote_has_its_status_history_and_says_so(fresh_gateway, tmp_path):
    fresh_gateway.collection.insert_one({"_id": "r1", **record("outside", metrics=[metric("y", "Fail")])})
    app = create_app(load_settings(data_dir=tmp_path / "data", secret_key="x", store=fresh_gateway.store_url()))
    client = app.server.test_client()
    response = client.get("/api/v1/assets/outside/metrics/timeline", query_string={"metric": "y"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(e["kind"], e["status"], e["via"]) for e in body["events"]] == [("status", "Fail", "document")]
    assert body["origin"] == {"at": None, "how": "none", "known": False, "who": None, "value": 1.0,
                              "reference": None, "value_chars": None}
    assert any("DocDB" in text for text in body["missing"])
    page = client.get("/asset/outside/timeline?metric=y", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert client.get("/asset/outside/timeline?metric=zz", headers={"Accept": "text/html"}).status_code == 404
    status, data = DashClient(client).call("_pages_content.children", {
        "_pages_location.pathname": "/asset/outside/timeline", "_pages_location.search": "?metric=y"},
        ["_pages_location.pathname"])
    shown = str(data["response"]["_pages_content"]["children"])
    assert status == 200 and ids.TIMELINE_ORIGIN in shown and "audit log has nothing on this asset" in shown
