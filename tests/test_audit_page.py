"""The audit log page `/audit` over HTTP: admins read who changed what and when, filtered
by user and asset; everyone else is told it is forbidden."""

from __future__ import annotations

import pytest

from components import ids
from portal import create_app
from portal.accounts.auth import User
from portal.review.annotation_service import submit
from portal.store.protocol import Annotation, MetricEdit
from tests.auth_helpers import add_user, login
from tests.dash_client import DashClient
from tests.records import metric, record


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from portal.settings import load_settings

    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("audit"), secret_key="audit-tests"))
    portal = app.server.extensions["qc_portal"]
    portal.store.upsert_many([record("ecephys_1", _id="id-1", metrics=[metric("drift", "Pending")]),
                              record("ecephys_2", _id="id-2", metrics=[metric("noise", "Pending")])],
                             actor="ingest-bot")
    ann = User(add_user(app, "ann", "annotator", display_name="Ann Reviewer"))
    bo = User(add_user(app, "bo", "annotator", display_name="Bo Reviewer"))
    add_user(app, "vic", "viewer")
    add_user(app, "root", "admin", display_name="Root Admin")
    with app.server.test_request_context():
        submit(portal, ann, Annotation("ecephys_1", 1, (MetricEdit("drift", status="Fail", seen_history=1),)))
        submit(portal, bo, Annotation("ecephys_2", 1, (MetricEdit("noise", status="Pass", seen_history=1),),
                                      notes="<script>alert('notes')</script>"))
    return app


def audit_page(app, who: str | None, search: str = "") -> str:
    client = app.server.test_client()
    if who:
        assert login(client, who).status_code == 302
    dash = DashClient(client)
    status, data = dash.call("_pages_content.children",
                             {"_pages_location.pathname": "/audit", "_pages_location.search": search},
                             ["_pages_location.pathname"])
    assert status == 200
    return str(data["response"]["_pages_content"]["children"])


@pytest.mark.parametrize("who", [None, "vic", "ann"])
def test_only_admins_read_the_audit_log(app, who):
    page = audit_page(app, who)
    assert "Forbidden" in page and "Only admins can read the audit log" in page
    assert "Ann Reviewer" not in page and "drift" not in page


def test_admins_see_who_changed_what_and_when(app):
    page = audit_page(app, "root")
    assert ids.AUDIT_TABLE in page
    for text in ("Ann Reviewer", "Bo Reviewer", "ingest-bot", "ecephys_1", "ecephys_2", "annotate", "create",
                 "drift · status", "Pending → Fail", "noise · status", "asset · notes"):
        assert text in page, text
    # Values are data in components: the notes' script is text, never markup.
    assert "<script>alert('notes')</script>" in page and "dangerously" not in page


def test_filters_by_user_and_asset(app):
    by_user = audit_page(app, "root", "?user=ann")  # the account, not the display name
    assert "Ann Reviewer" in by_user and "Bo Reviewer" not in by_user and "ecephys_2" not in by_user
    by_asset = audit_page(app, "root", "?asset=ecephys_2")
    assert "Bo Reviewer" in by_asset and "Ann Reviewer" not in by_asset and "ingest-bot" in by_asset
    by_id = audit_page(app, "root", "?asset=id-2&user=bo&limit=500")
    assert "Bo Reviewer" in by_id and "ingest-bot" not in by_id
    nothing = audit_page(app, "root", "?user=nobody")
    assert "No change matches these filters" in nothing


def test_the_filter_form_keeps_the_filters_in_the_url(app):
    page = audit_page(app, "root", "?user=Ann%20Reviewer&limit=999")
    assert ids.AUDIT_FILTER in page and "'method': 'get'" in page
    assert "'name': 'user'" in page and "'value': 'Ann Reviewer'" in page
    assert "'value': '100'" in page  # an unknown limit falls back to the smallest


def test_the_first_request_leaves_no_trace_in_what_everyone_receives(app, tmp_path):
    """Dash builds its validation layout (sent to every visitor in the page config) during
    the app's first request: an admin's first request must not put their name or the
    audit log into it."""
    from portal.settings import load_settings

    settings = app.server.extensions["qc_portal"].settings
    signer = app.server.test_client()
    login(signer, "root")
    cookie = signer.get_cookie("qc_portal_session").value
    fresh = create_app(load_settings(data_dir=settings.data_dir, database=settings.database,
                                     secret_key="audit-tests"))
    admin = fresh.server.test_client()
    admin.set_cookie("qc_portal_session", cookie, domain="localhost")
    assert "Root Admin" in admin.get("/_dash-layout").get_data(as_text=True)  # the very first request
    for client in (fresh.server.test_client(), admin):
        index = client.get("/").get_data(as_text=True)
        assert "Root Admin" not in index and "Ann Reviewer" not in index and "drift · status" not in index
        assert "Only admins can read the audit log" in index  # the audit page's harmless stand-in
