"""A metric's timeline over a real SQLite file: the view-model (portal.views.timeline), the page
`/asset/<name>/timeline?key=` (Flask test client and Dash's page callback) and the REST API
`GET /api/v1/assets/{name}/metrics/timeline`."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from components import ids
from portal import create_app
from portal.accounts.auth import User
from portal.review import reasons
from portal.review.annotation_service import submit
from portal.review.metrics_merge import read_payload
from portal.store.protocol import Actor, Annotation, MetricEdit
from portal.views.timeline import load_timeline, selector
from tests.api_helpers import bearer, make_token
from tests.auth_helpers import add_user, login
from tests.dash_client import DashClient
from tests.records import metric, record
from tests.walk import find_by_id, texts

KEY_A = "drift [ecephys, Raw data, probe=A]"
KEY_B = "drift [ecephys, Raw data, probe=B]"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _record(folder, reference_a: str) -> dict:
    rec = record("ecephys_1", _id="id-1", project="Alpha", metrics=[
        metric("drift", "Pending", tags={"probe": "A"}, value=12.5, reference=reference_a),
        metric("drift", "Pass", tags={"probe": "B"}, value=3.0, reference="fig_B.png"),
        metric("rms", "Pass", value=0.5),
    ])
    rec["location"] = str(folder)
    return rec


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An asset whose `drift` (probe A) was annotated twice (a Fail with a reason and a value,
    then a Pass) and re-ingested with another reference; `drift` (probe B) was left alone."""
    from portal.settings import load_settings

    data = tmp_path_factory.mktemp("timeline")
    app = create_app(load_settings(data_dir=data, secret_key="timeline-tests"))
    portal = app.server.extensions["qc_portal"]
    folder = data / "assets" / "ecephys_1"
    folder.mkdir(parents=True)
    for name in ("fig_A.png", "fig_A_v2.png", "fig_B.png"):
        (folder / name).write_bytes(PNG)
    assert [r.action for r in portal.store.upsert_many([_record(folder, "fig_A.png")])] == ["created"]
    root = User(add_user(app, "root", "admin", display_name="Root Admin"))
    ann = User(add_user(app, "ann", "annotator", display_name="Ann Reviewer"))
    bo = User(add_user(app, "bo", "annotator", display_name="Bo Reviewer"))
    add_user(app, "vic", "viewer")
    with app.server.test_request_context():
        reasons.set_project_reasons(portal.store, root, "Alpha", ["Drift too high", "Noisy"])
        first = submit(portal, ann, Annotation("ecephys_1", 1, (MetricEdit(
            key=KEY_A, status="Fail", reason="Drift too high", comment="look at t=40 s", value=20.0),)))
        assert first.applied
        assert submit(portal, bo, Annotation("ecephys_1", first.version, (MetricEdit(key=KEY_A, status="Pass"),))
                      ).applied
    assert [r.action for r in portal.store.upsert_many([_record(folder, "fig_A_v2.png")], actor="nightly-ingest")
            ] == ["updated"]
    return app


def _store(app):
    return app.server.extensions["qc_portal"].store


def _timeline(app, key=KEY_A, **kwargs):
    with app.server.test_request_context():
        return load_timeline(_store(app), "ecephys_1", selector(key, None), **kwargs)


# -- the view-model ------------------------------------------------------------------------


def test_every_event_newest_first_with_who_and_when_in_utc(app):
    found = _timeline(app)
    kinds = [(e.kind, e.who, e.status) for e in found.events]
    assert kinds == [("reference", "nightly-ingest", None), ("status", "Bo Reviewer", "Pass"),
                     ("value", "Ann Reviewer", None), ("status", "Ann Reviewer", "Fail"),
                     ("status", "Automated", "Pending")]
    times = [e.at for e in found.events]
    assert times == sorted(times, reverse=True)
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)
    reference, passed, value, failed, first = found.events
    assert (reference.old, reference.new, reference.via) == ("fig_A.png", "fig_A_v2.png", "ingest")
    assert (value.old, value.new, value.via) == (12.5, 20.0, "annotation")
    assert (failed.reason, failed.comment, failed.via) == ("Drift too high", "look at t=40 s", "annotation")
    assert (passed.reason, passed.comment, passed.via) == (None, None, "annotation")
    assert first.via == "document"  # in the document as ingested: no portal write added it
    assert (found.metric, found.key, found.status, found.value, found.reference) == (
        "drift", KEY_A, "Pass", 20.0, "fig_A_v2.png")
    assert found.missing == ()


def test_the_origin_is_the_creation_with_the_value_and_reference_as_ingested(app):
    origin = _timeline(app).origin
    assert (origin.how, origin.known, origin.who, origin.value, origin.reference) == (
        "created", True, "ingest", 12.5, "fig_A.png")
    assert origin.at.tzinfo is not None and origin.at < _timeline(app).events[0].at


def test_metrics_of_one_name_keep_their_own_timelines(app):
    other = _timeline(app, KEY_B)
    assert [(e.kind, e.status) for e in other.events] == [("status", "Pass")]
    assert (other.origin.value, other.origin.reference, other.reference) == (3.0, "fig_B.png", "fig_B.png")
    assert other.tags == {"probe": "B"}


def test_references_as_they_were_resolve_through_the_asset_folder(app):
    from portal.references.route import resolvers

    with app.server.test_request_context():
        found = load_timeline(_store(app), "ecephys_1", selector(KEY_A, None), resolvers=resolvers(app.server))
    (old,) = found.links["fig_A.png"]
    assert (old.kind, old.url, old.error) == ("image", "/references/ecephys_1/fig_A.png", None)
    assert found.links["fig_A_v2.png"][0].url == "/references/ecephys_1/fig_A_v2.png"


def test_a_pipelines_entry_is_attributed_to_the_account_that_pushed_it(tmp_path, settings):
    app = create_app(settings)
    store = _store(app)
    store.upsert_many([record("a1", metrics=[metric("noise", "Pending", reference="n1.png")])])
    pushed = metric("noise", "Pass", reference="n2.png", value=2.0,
                    history=[{"evaluator": "Automated", "status": "Pass", "timestamp": "2025-06-01T00:00:00+00:00"}])
    store.add_metrics("a1", read_payload([pushed]), user=Actor("etl", "ETL pipeline", service=True))
    found = load_timeline(store, "a1", selector(None, "noise"))
    assert [(e.kind, e.who, e.via, e.by) for e in found.events] == [
        ("value", "ETL pipeline", "push", None), ("reference", "ETL pipeline", "push", None),
        ("status", "Automated", "push", "ETL pipeline"), ("status", "Automated", "document", None)]
    assert (found.origin.value, found.origin.reference) == (1.0, "n1.png")


def test_writes_from_before_timelines_are_a_gap_said_so(tmp_path, settings):
    """A re-ingest audited without `metrics` (as every one was before timelines): what came
    before it is not known, and the origin says so instead of guessing."""
    from sqlalchemy import update

    from portal.store.sql.tables import audit_log

    app = create_app(settings)
    store = _store(app)
    store.upsert_many([record("a1", metrics=[metric("noise", "Pending", value=1.0)])])
    store.upsert_many([record("a1", metrics=[metric("noise", "Pending", value=2.0)])])
    with store.engine.begin() as connection:  # the update row as older portals wrote it
        connection.execute(update(audit_log).where(audit_log.c.action == "update").values(detail={"source": None}))
    found = load_timeline(store, "a1", selector(None, "noise"))
    assert [e.kind for e in found.events] == ["status"]
    update_at = store.audit_log(asset="a1")[0].at
    assert (found.origin.how, found.origin.known, found.origin.at) == ("audited", False, update_at)
    assert found.origin.value == 2.0  # what it has been since then, not a guess at before


def test_unknown_asset_key_and_ambiguous_names(app):
    from portal.errors import InvalidInput, NotFound

    store = _store(app)
    with pytest.raises(NotFound, match="Asset not found"):
        load_timeline(store, "nope", selector(KEY_A, None))
    with pytest.raises(NotFound, match="does not exist"):
        load_timeline(store, "ecephys_1", selector("drift [ecephys, Raw data, probe=Z]", None))
    with pytest.raises(InvalidInput, match="matches 2 metrics"):
        load_timeline(store, "ecephys_1", selector(None, "drift"))
    assert selector(None, " ") is None
    with pytest.raises(InvalidInput, match="name the metric"):
        load_timeline(store, "ecephys_1", None)
    with pytest.raises(NotFound, match="Asset not found"):
        load_timeline(store, "nope", None)
    assert load_timeline(store, "id-1", selector(None, "rms")).key == "rms [ecephys, Raw data]"


# -- the page ------------------------------------------------------------------------------


def _page(app, search: str, who: str | None = None, path: str = "/asset/ecephys_1/timeline"):
    client = app.server.test_client()
    if who:
        assert login(client, who).status_code == 302
    status, data = DashClient(client).call("_pages_content.children",
                                           {"_pages_location.pathname": path, "_pages_location.search": search},
                                           ["_pages_location.pathname"])
    assert status == 200
    return data["response"]["_pages_content"]["children"]


def _walk_text(tree) -> str:
    return str(tree)


@pytest.mark.parametrize("who", [None, "vic", "ann"])
def test_every_reader_reads_the_page(app, who):
    from urllib.parse import urlencode

    page = _walk_text(_page(app, "?" + urlencode({"key": KEY_A}), who))
    assert ids.TIMELINE_PAGE in page and ids.TIMELINE_ORIGIN in page
    for text in ("Bo Reviewer", "Ann Reviewer", "Drift too high", "look at t=40 s", "nightly-ingest", "12.5",
                 "20.0", "probe: A", " UTC", "/references/ecephys_1/fig_A.png", "/references/ecephys_1/fig_A_v2.png",
                 "created by ingest, as ingested"):
        assert text in page, text
    assert "Forbidden" not in page
    assert "'data-metric-key': 'drift [ecephys, Raw data, probe=A]'" in page
    assert "/asset/ecephys_1?node=ecephys" in page  # back to the asset page, at the metric's node


def test_the_page_component_tree(app):
    from components.timeline import timeline_page

    tree = timeline_page(_timeline(app))
    (table,) = find_by_id(tree, ids.TIMELINE_EVENTS)
    rows = [n for n in find_by_id(table, None, "data-kind")]
    assert [r.__dict__["data-kind"] for r in rows] == ["reference", "status", "value", "status", "status"]
    assert "Ann Reviewer" in texts(rows[3]) and "Drift too high" in texts(rows[3])
    (back,) = find_by_id(tree, ids.TIMELINE_BACK)
    assert back.href == "/asset/ecephys_1?node=ecephys"


@pytest.mark.parametrize(("search", "message"), [
    ("?key=nope", "Metric not found"), ("", "Metric not found"), ("?metric=drift", "matches 2 metrics")])
def test_unknown_or_ambiguous_metric_panels(app, search, message):
    page = _walk_text(_page(app, search))
    assert message in page and ids.TIMELINE_EVENTS not in page
    assert "Back to ecephys_1" in page


def test_unknown_asset_panel(app):
    page = _walk_text(_page(app, "?key=x", path="/asset/nope/timeline"))
    assert "Asset not found" in page and "Back to the overview" in page


@pytest.mark.parametrize(("path", "status"), [
    (f"/asset/ecephys_1/timeline?key={KEY_A}", 200), ("/asset/id-1/timeline?metric=rms", 200),
    ("/asset/ecephys_1/timeline?key=nope", 404), ("/asset/nope/timeline?key=x", 404),
    ("/asset/ecephys_1/timeline", 404), ("/asset/ecephys_1", 200),
])
def test_http_statuses(app, path, status):
    response = app.server.test_client().get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, path


def test_the_page_follows_require_login(tmp_path):
    from portal.settings import load_settings

    gated = create_app(load_settings(data_dir=tmp_path / "gated", secret_key="gated", require_login=True))
    _store(gated).upsert_many([record("a1", metrics=[metric("noise")])])
    add_user(gated, "vic", "viewer")
    client = gated.server.test_client()
    assert client.get("/asset/a1/timeline?metric=noise", headers={"Accept": "text/html"}).status_code == 302
    assert client.get("/api/v1/assets/a1/metrics/timeline?metric=noise").status_code == 401
    assert login(client, "vic").status_code == 302
    assert client.get("/asset/a1/timeline?metric=noise", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/api/v1/assets/a1/metrics/timeline?metric=noise").status_code == 200


# -- the API ---------------------------------------------------------------------------------


def test_the_api_shape(app):
    client = app.server.test_client()
    token = make_token(app, "reader", "viewer")
    response = client.get("/api/v1/assets/ecephys_1/metrics/timeline", query_string={"key": KEY_A},
                          headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert {"asset", "key", "metric", "events", "origin", "missing"} <= set(body)
    assert (body["asset"], body["key"], body["metric"], body["status"]) == ("ecephys_1", KEY_A, "drift", "Pass")
    assert [e["kind"] for e in body["events"]] == ["reference", "status", "value", "status", "status"]
    reference, passed, value, failed, _ = body["events"]
    assert (reference["old"], reference["new"], reference["who"]) == ("fig_A.png", "fig_A_v2.png", "nightly-ingest")
    assert (failed["reason"], failed["comment"], failed["who"]) == ("Drift too high", "look at t=40 s", "Ann Reviewer")
    assert (value["old"], value["new"]) == (12.5, 20.0)
    assert passed["at"].endswith("Z") or passed["at"].endswith("+00:00")
    assert body["origin"]["how"] == "created" and body["origin"]["reference"] == "fig_A.png"
    assert "ann" not in {e["who"] for e in body["events"]}  # display names, never account names


@pytest.mark.parametrize(("query", "status"), [
    ({"key": "nope"}, 404), ({"metric": "drift"}, 422), ({}, 422), ({"key": KEY_A, "colour": "red"}, 422),
    ({"metric": "rms"}, 200), ({"key": KEY_B, "metric": "drift"}, 200), ({"key": KEY_B, "metric": "rms"}, 404),
])
def test_the_api_errors(app, query, status):
    response = app.server.test_client().get("/api/v1/assets/ecephys_1/metrics/timeline", query_string=query)
    assert response.status_code == status, response.get_json()
    if status != 200:
        assert set(response.get_json()) == {"error", "message"}
    missing = app.server.test_client().get("/api/v1/assets/nope/metrics/timeline", query_string={"key": KEY_A})
    assert missing.status_code == 404


def test_the_api_is_described(app):
    spec = app.server.test_client().get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/assets/{name}/metrics/timeline"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"name", "key", "metric"}
    assert "TimelineOut" in spec["components"]["schemas"]


def test_times_are_utc(app):
    assert all(e.at.astimezone(UTC) == e.at for e in _timeline(app).events)


def test_comments_without_a_status_and_pushes_from_before_timelines(settings):
    from sqlalchemy import update

    from portal.store.sql.tables import audit_log

    app = create_app(settings)
    store = _store(app)
    store.upsert_many([record("a1", metrics=[metric("noise", "Pending", reference="n1.png")])])
    version = store.get("a1").version
    store.annotate(Annotation("a1", version, (MetricEdit("noise", comment="flat line at the end"),)),
                   user=Actor("cy", "Cy Reviewer"))
    store.add_metrics("a1", read_payload([metric("noise", "Pending", reference="n2.png")]),
                      user=Actor("etl", "ETL pipeline", service=True))
    with store.engine.begin() as connection:  # the push as older portals audited it: no `metrics`
        row = connection.execute(audit_log.select().where(audit_log.c.action == "add_metrics")).one()
        detail = {k: v for k, v in row.detail.items() if k != "metrics"}
        connection.execute(update(audit_log).where(audit_log.c.id == row.id).values(detail=detail))
    found = load_timeline(store, "a1", selector(None, "noise"))
    assert [(e.kind, e.who) for e in found.events] == [("replaced", "ETL pipeline"), ("comment", "Cy Reviewer"),
                                                       ("status", "Automated")]
    assert found.events[1].comment == "flat line at the end"
    assert (found.origin.how, found.origin.known, found.origin.reference) == ("audited", False, "n2.png")
