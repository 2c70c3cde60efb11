"""Completeness over HTTP: the project page's section (counts, missing, extra; "not available"
on DocDB), and the settings page's upload (admins save, a bad file is said in place and
changes nothing, anyone else is refused on a direct POST)."""

from __future__ import annotations

import base64
import json

import pytest

from components import ids
from portal import create_app
from portal.cli.assign import Operator
from portal.review import completeness
from portal.review.expected_files import parse_expected
from portal.settings import load_settings
from tests.auth_helpers import add_user
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record
from tests.test_completeness import EXPECTED_CSV, project_assets
from tests.test_project_settings_http import dash_as, nodes, page, text

ADMIN = Operator("root", "Root")


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many(project_assets())
    add_user(app, "root", "admin", display_name="Root Admin")
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    return app


def _store(app):
    return app.server.extensions["qc_portal"].store


def project_page(app, who=None) -> dict:
    status, data = dash_as(app, who).call("_pages_content.children", {"_pages_location.pathname": "/project/Alpha",
                                                                      "_pages_location.search": ""},
                                          ["_pages_location.pathname"])
    assert status == 200
    return data["response"]["_pages_content"]["children"]


def section(tree) -> dict | None:
    found = [n for n in nodes(tree) if isinstance(n, dict) and n.get("props", {}).get("data-section")
             == "completeness" and n.get("type") == "Div"]
    return found[0] if found else None


def counts(node) -> dict[str, str]:
    return {n["props"]["data-count"]: text(n["props"]["children"][0]) for n in nodes(node)
            if isinstance(n, dict) and "data-count" in n.get("props", {})}


def test_the_project_page_shows_expected_present_with_qc_reviewed_and_the_missing(app):
    assert section(project_page(app)) is None  # nothing tracked: no section
    completeness.set_expected_sessions(_store(app), ADMIN, "Alpha", parse_expected("e.csv", EXPECTED_CSV))
    found = section(project_page(app, "vic"))
    assert found is not None
    assert counts(found) == {"expected": "7", "present": "4", "with-qc": "3", "reviewed": "2", "extra": "1"}
    missing = [n for n in nodes(found) if isinstance(n, dict) and "data-missing" in n.get("props", {})]
    assert missing[0]["props"]["data-missing"] == "3"
    assert "subject 100 on 2025-01-04" in text(found) and "session ecephys_3_0" in text(found)


def test_the_project_page_over_docdb_says_not_available(fresh_gateway, tmp_path):
    app = create_app(load_settings(data_dir=tmp_path / "data", secret_key="x",
                                   store=fresh_gateway.store_url() + "&create=true"))
    store = _store(app)
    store.upsert_many([record("d1", project="Alpha", metrics=[metric("x", "Pass")])])
    completeness.set_expected_sessions(store, ADMIN, "Alpha", parse_expected("e.csv", "session\nd1\nd2\n"))
    found = section(project_page(app))
    assert found is not None and "not available on this store" in text(found)
    assert "Traceback" not in json.dumps(found)


def upload(dash, name: str, content: bytes | None, project="Alpha"):
    contents = None if content is None else "data:text/csv;base64," + base64.b64encode(content).decode()
    return dash.call(f"{ids.SETTINGS_EXPECTED_MESSAGE}.children",
                     {f"{ids.SETTINGS_EXPECTED_UPLOAD}.contents": contents,
                      f"{ids.SETTINGS_EXPECTED_UPLOAD}.filename": name, f"{ids.SETTINGS_PROJECT}.data": project},
                     [f"{ids.SETTINGS_EXPECTED_UPLOAD}.contents"])


def test_an_admin_uploads_the_list_and_a_bad_file_changes_nothing(app):
    admin = dash_as(app, "root")
    tree = page(admin)
    assert any(n.get("props", {}).get("id") == ids.SETTINGS_EXPECTED_UPLOAD for n in nodes(tree))
    status, data = upload(admin, "expected.csv", EXPECTED_CSV.encode())
    assert status == 200, data
    said = data["response"][ids.SETTINGS_EXPECTED_MESSAGE]["children"]
    assert said["props"]["data-outcome"] == "saved"
    assert "Read 7 rows from expected.csv" in text(said) and "4 present" in text(said)
    assert data["response"][ids.SETTINGS_EXPECTED_SUMMARY]["children"].startswith("7 expected sessions tracked")
    status, data = upload(admin, "bad.csv", b"subject,date\n1,2025-01-02\n2,tomorrow\n")
    said = data["response"][ids.SETTINGS_EXPECTED_MESSAGE]["children"]
    assert said["props"]["data-outcome"] == "error" and "line 3: date 'tomorrow' is not YYYY-MM-DD" in text(said)
    assert ids.SETTINGS_EXPECTED_SUMMARY not in data["response"]
    assert completeness.expected_count(_store(app), "Alpha") == 7
    status, data = upload(admin, "x.csv", b"session\na\n", project="Nope")
    assert "Project not found" in json.dumps(data)
    # Everyone else reads the list's size, with no upload.
    tree = page(dash_as(app, "vic"))
    assert "7 expected sessions tracked" in text(tree)
    assert not any(isinstance(n, dict) and n.get("props", {}).get("id") == ids.SETTINGS_EXPECTED_UPLOAD
                   for n in nodes(tree))


@pytest.mark.parametrize("who", [None, "vic", "ann"])
def test_a_direct_post_from_anyone_but_an_admin_is_refused_and_changes_nothing(app, who):
    status, data = upload(dash_as(app, who), "expected.csv", EXPECTED_CSV.encode())
    body = json.dumps(data)
    assert ("Sign in as an admin" if who is None else "may not admin") in body, body[:300]
    assert ids.SETTINGS_EXPECTED_MESSAGE not in (data or {}).get("response", {})
    assert completeness.expected_count(_store(app), "Alpha") == 0
