"""The event log: every write path records its events (who, when, asset, metric key) in its own
transaction, and `GET /api/v1/events` pages through them by cursor (SQLite; PostgreSQL's
concurrent writers are tests/test_events_postgres.py). DocDB stores record theirs too."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.store.protocol import Actor, Annotation, MetricEdit
from portal.store.sql.events import EVENT_TYPES
from tests.api_helpers import bearer, make_token
from tests.docdb_fixtures import *  # noqa: F403
from tests.docdb_fixtures import docdb_store
from tests.records import metric, record

DESCRIPTION = {
    "creation_time": "2025-01-01T00:00:00Z",
    "institution": {"name": "Allen Institute for Neural Dynamics", "abbreviation": "AIND"},
    "funding_source": [{"funder": {"name": "Allen Institute", "abbreviation": "AI"}}],
    "data_level": "raw", "investigators": [{"name": "Ada Lovelace"}], "project_name": "Alpha",
    "modalities": [{"name": "Extracellular electrophysiology", "abbreviation": "ecephys"}], "subject_id": "123",
}


@pytest.fixture
def app(tmp_path):
    from portal.settings import load_settings

    return create_app(load_settings(data_dir=tmp_path / "data", secret_key="events-tests", webhook_deliver=False))


def all_events(client, headers, **params) -> list[dict]:
    """Every event, read page by page with the cursor (and the pages' sizes checked)."""
    out, cursor = [], ""
    for _ in range(1000):
        answer = client.get("/api/v1/events", query_string={"after": cursor, **params}, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        page = answer.get_json()
        out.extend(page["events"])
        if not page["events"]:
            assert page["next_cursor"] == cursor or cursor == ""
            return out
        cursor = page["next_cursor"]
    raise AssertionError("the cursor never reached the end")


def kinds(events) -> list[tuple]:
    return [(e["type"], e["asset"], e["metric"], e["user"]) for e in events]


def test_each_write_path_records_its_events(app):
    client = app.server.test_client()
    pipe = bearer(make_token(app, "pipe", "pipeline", "Pipe"))
    ann = bearer(make_token(app, "ann", "annotator", "Ann Reviewer"))
    store = app.server.extensions["qc_portal"].store

    assert client.put("/api/v1/assets/ecephys_1", json={"data_description": DESCRIPTION}, headers=pipe).status_code \
        == 201
    pushed = client.post("/api/v1/assets/ecephys_1/qc/metrics", headers=pipe, json={"metrics": [
        metric("drift", "Fail", tags={"probe": "A"}), metric("drift", "Pass", tags={"probe": "B"})]})
    assert pushed.status_code == 200, pushed.get_json()
    version = client.get("/api/v1/assets/ecephys_1/qc", headers=ann).get_json()["version"]
    changes = [{"key": "drift [ecephys, Raw data, probe=B]", "status": "Fail", "comment": "noisy"},
               {"key": "drift [ecephys, Raw data, probe=A]", "status": "Pass"}]
    done = client.post("/api/v1/assets/ecephys_1/annotations", headers=ann,
                       json={"version": version, "changes": changes, "notes": "looked"})
    assert done.status_code == 200, done.get_json()
    # Refused writes record nothing: a stale version with a conflicting change, a push as another evaluator.
    stale = client.post("/api/v1/assets/ecephys_1/annotations", headers=ann,
                        json={"version": version, "changes": [{"key": "drift [ecephys, Raw data, probe=A]",
                                                               "status": "Fail", "seen_history": 1}]})
    assert stale.status_code == 409
    assert client.post("/api/v1/assets/ecephys_1/qc/metrics", headers=ann,
                       json={"metrics": [metric("other", "Fail")]}).status_code == 403
    # Ingest: a new asset with a failing metric; then a re-ingest adding one metric and failing another.
    first = record("ecephys_2", metrics=[metric("rms", "Fail"), metric("noise", "Pass")])
    store.upsert_many([first], actor="nightly")
    second = record("ecephys_2", metrics=[metric("rms", "Fail"),
                                          metric("noise", "Fail", timestamp="2025-01-03T00:00:00+00:00"),
                                          metric("new", "Pending")])
    assert store.upsert(second, actor="nightly").action == "updated"
    store.delete_asset("ecephys_2", user="root")
    store.restore_asset("ecephys_2", user="root")
    store.rename_asset("ecephys_2", "ecephys_2b", user="root")

    events = all_events(client, ann)
    A, B = "drift [ecephys, Raw data, probe=A]", "drift [ecephys, Raw data, probe=B]"
    assert kinds(events) == [
        ("asset_created", "ecephys_1", None, "pipe"),
        ("metric_added", "ecephys_1", A, "pipe"), ("metric_failed", "ecephys_1", A, "pipe"),
        ("metric_added", "ecephys_1", B, "pipe"),
        ("annotation", "ecephys_1", B, "ann"), ("annotation", "ecephys_1", A, "ann"),
        ("annotation", "ecephys_1", None, "ann"), ("metric_failed", "ecephys_1", B, "ann"),
        ("asset_created", "ecephys_2", None, "nightly"), ("metric_failed", "ecephys_2", "rms [ecephys, Raw data]",
                                                          "nightly"),
        ("metric_failed", "ecephys_2", "noise [ecephys, Raw data]", "nightly"),
        ("metric_added", "ecephys_2", "new [ecephys, Raw data]", "nightly"),
        ("asset_deleted", "ecephys_2", None, "root"), ("asset_restored", "ecephys_2", None, "root"),
        ("asset_renamed", "ecephys_2b", None, "root"),
    ]
    by_type = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    note = next(e for e in by_type["annotation"] if e["metric"] is None)
    assert note["detail"]["changes"] == [{"field": "notes", "old": None, "new": "looked"}]
    on_b = next(e for e in by_type["annotation"] if e["metric"] == B)
    assert on_b["detail"] == {"changes": [{"field": "status", "old": "Pass", "new": "Fail"},
                                          {"field": "comment", "old": None, "new": "noisy"}],
                              "evaluator": "Ann Reviewer"}
    assert by_type["metric_failed"][1]["detail"] == {"previous": "Pass", "by": "annotation"}
    assert by_type["asset_created"][1]["detail"] == {"status": "Fail", "metrics": 2, "fail": 1, "pending": 0}
    assert by_type["asset_renamed"][0]["detail"] == {"from": "ecephys_2", "to": "ecephys_2b"}
    assert all(e["at"].endswith("Z") for e in events)
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert len({e["cursor"] for e in events}) == len(events)


def test_paging_types_and_cursors(app):
    client = app.server.test_client()
    viewer = bearer(make_token(app, "vic", "viewer"))  # any signed-in account may read the log
    store = app.server.extensions["qc_portal"].store
    store.upsert_many([record(f"asset_{i}", metrics=[metric("m", "Fail" if i % 2 else "Pass")]) for i in range(7)])
    everything = all_events(client, viewer)
    assert [e["type"] for e in everything].count("asset_created") == 7
    assert [e["type"] for e in everything].count("metric_failed") == 3
    for limit in (1, 2, 3, 1000):  # the same events, each once, whatever the page size
        assert all_events(client, viewer, limit=limit) == everything
    failed = all_events(client, viewer, type="metric_failed")
    assert [e["id"] for e in failed] == [e["id"] for e in everything if e["type"] == "metric_failed"]
    assert all_events(client, viewer, type=["metric_failed", "asset_created"]) == everything
    assert all_events(client, viewer, type="metric_failed,asset_created") == everything

    # A filtered page that is not full moves the cursor past the other events too.
    page = client.get("/api/v1/events?type=asset_deleted", headers=viewer).get_json()
    assert page["events"] == [] and page["next_cursor"] == everything[-1]["cursor"]
    # From the middle: exactly what follows.
    middle = everything[4]["cursor"]
    page = client.get(f"/api/v1/events?after={middle}&limit=1000", headers=viewer).get_json()
    assert page["events"] == everything[5:]
    # At the end: nothing, and the same cursor back (poll with it).
    page = client.get(f"/api/v1/events?after={everything[-1]['cursor']}", headers=viewer).get_json()
    assert page == {"events": [], "next_cursor": everything[-1]["cursor"]}
    store.delete_asset("asset_0", user="root")
    page = client.get(f"/api/v1/events?after={everything[-1]['cursor']}", headers=viewer).get_json()
    assert [e["type"] for e in page["events"]] == ["asset_deleted"]


@pytest.mark.parametrize(("query", "message"), [
    ("after=12", "cursor"), ("after=x-1", "cursor"), ("after=1-2-3", "cursor"),
    ("type=nope", "unknown event type 'nope'"), ("type=annotation,nope", "unknown event type"),
    ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=-1", "limit"), ("limit=abc", "limit"),
    ("cursor=1-1", "unknown query parameter: cursor"),
])
def test_bad_queries_are_422(app, query, message):
    client = app.server.test_client()
    token = bearer(make_token(app, "ann", "annotator"))
    answer = client.get(f"/api/v1/events?{query}", headers=token)
    assert answer.status_code == 422 and message in answer.get_json()["message"], answer.get_json()


def test_only_signed_in_accounts_read_the_log(app):
    client = app.server.test_client()
    anonymous = client.get("/api/v1/events")
    assert anonymous.status_code == 401 and set(anonymous.get_json()) == {"error", "message"}
    assert client.get("/api/v1/events", headers=bearer("qcp_not-a-token")).status_code == 401


def test_event_types_are_the_documented_ones():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Events and webhooks", 1)[1].split("\n## ", 1)[0]
    for kind in EVENT_TYPES:
        assert f"`{kind}`" in section, kind


def test_docdb_writes_record_events_and_lifecycle_is_refused(fresh_gateway, tmp_path):  # noqa: F811
    from portal.errors import Conflict
    from portal.events import feed
    from portal.review.metrics_merge import read_payload

    store = docdb_store(fresh_gateway, tmp_path, create=False)
    fresh_gateway.collection.insert_one({**record("ecephys_d", _id="d-1", metrics=[metric("m", "Pass")]),
                                         "_id": "d-1"})
    store.annotate(Annotation("ecephys_d", 1, (MetricEdit("m", status="Fail", seen_history=1),)),
                   user=Actor("ann", "Ann"))
    store.add_metrics("ecephys_d", read_payload({"metrics": [metric("extra", "Pending", evaluator="Ann")]}),
                      user=Actor("ann", "Ann"))
    assert store.upsert_many([record("ecephys_d", _id="d-1", metrics=[metric("m", "Pass"),
                                                                      metric("file", "Fail")])])[0].action == "updated"
    found = feed.page(store.engine).events
    assert [(e.type, e.metric, e.user) for e in found] == [
        ("annotation", "m [ecephys, Raw data]", "ann"), ("metric_failed", "m [ecephys, Raw data]", "ann"),
        ("metric_added", "extra [ecephys, Raw data]", "ann"),
        ("metric_added", "file [ecephys, Raw data]", "ingest"), ("metric_failed", "file [ecephys, Raw data]", "ingest"),
    ]
    for refused in (lambda: store.delete_asset("ecephys_d", user="root"),
                    lambda: store.restore_asset("ecephys_d", user="root"),
                    lambda: store.rename_asset("ecephys_d", "other", user="root")):
        with pytest.raises(Conflict, match="DocDB, AIND's system of record"):
            refused()
    with pytest.raises(Conflict, match="not in DocDB"):
        store.create_asset("ecephys_new", {"data_description": {"name": "ecephys_new"}}, user="pipe")
    assert store.create_asset("ecephys_d", {"data_description": store.get("ecephys_d").record["data_description"]},
                              user="pipe").action == "unchanged"
    with pytest.raises(Conflict, match="another data description"):
        store.create_asset("ecephys_d", {"data_description": {"name": "ecephys_d", "project_name": "X"}}, user="p")
    assert store.deleted_assets() == [] and store.renamed_to("ecephys_d") is None

    inserting = docdb_store(fresh_gateway, tmp_path / "b", create=True)
    made = inserting.create_asset("ecephys_new", {"data_description": {"name": "ecephys_new", "project_name": "P"}},
                                  user="pipe")
    assert made.action == "created" and fresh_gateway.collection.find_one({"name": "ecephys_new"}) is not None
    assert [(e.type, e.asset, e.user) for e in feed.page(inserting.engine).events] == [
        ("asset_created", "ecephys_new", "pipe")]

