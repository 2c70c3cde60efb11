"""Accounts, login/logout and the permission check (the minimal auth the pages build on)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from portal import create_app
from portal.auth import can, require
from portal.cli import main
from portal.errors import Forbidden, InvalidInput
from tests.auth_helpers import PASSWORD, add_user, login


@pytest.fixture
def app(settings):
    return create_app(settings)


def test_login_sets_an_httponly_samesite_session_and_shows_the_user(app):
    add_user(app, "ada", "annotator", "Ada Lovelace")
    client = app.server.test_client()
    response = login(client, "ada")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Ada Lovelace (annotator)" in layout and "Sign out" in layout
    client.get("/logout")
    assert "Sign in" in client.get("/_dash-layout").get_data(as_text=True)


@pytest.mark.parametrize(("name", "password"), [("ada", "wrong password"), ("nobody", PASSWORD), ("", "")])
def test_failed_login_is_generic(app, name, password):
    add_user(app, "ada", "annotator")
    response = login(app.server.test_client(), name, password)
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "Wrong user name or password." in body
    assert PASSWORD not in body


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\\\evil.example"])
def test_login_never_redirects_off_site(app, target):
    add_user(app, "ada", "annotator")
    client = app.server.test_client()
    response = client.post("/login", data={"username": "ada", "password": PASSWORD, "next": target})
    assert response.headers["Location"] == "/"
    ok = client.post("/login", data={"username": "ada", "password": PASSWORD, "next": "/asset/x"})
    assert ok.headers["Location"] == "/asset/x"


def test_login_page_escapes_the_echoed_name(app):
    response = login(app.server.test_client(), "<script>alert(1)</script>", "x")
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_permission_rules(app):
    from portal.auth import Anonymous, User

    users = app.server.extensions["qc_portal"].users
    viewer = User(users.add("v", "viewer", PASSWORD))
    annotator = User(users.add("a", "annotator", PASSWORD))
    admin = User(users.add("root", "admin", PASSWORD))
    anonymous = Anonymous()
    assert [can(u, "view") for u in (anonymous, viewer, annotator, admin)] == [True] * 4
    assert [can(u, "annotate") for u in (anonymous, viewer, annotator, admin)] == [False, False, True, True]
    assert [can(u, "admin") for u in (anonymous, viewer, annotator, admin)] == [False, False, False, True]
    with pytest.raises(Forbidden, match="Sign in"):
        require("annotate", user=anonymous)
    with pytest.raises(Forbidden, match="viewer"):
        require("annotate", user=viewer)
    assert require("annotate", user=annotator) is annotator


def test_user_store_rules(app):
    users = app.server.extensions["qc_portal"].users
    with pytest.raises(InvalidInput, match="role must be"):
        users.add("x", "god", PASSWORD)
    with pytest.raises(InvalidInput, match="at least 8"):
        users.add("x", "viewer", "short")
    users.add("x", "viewer", PASSWORD)
    with pytest.raises(InvalidInput, match="already exists"):
        users.add("x", "viewer", PASSWORD)
    assert users.verify("x", PASSWORD).last_login_at is not None


def test_users_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path))
    run = CliRunner()
    added = run.invoke(main, ["users", "add", "bob", "--role", "viewer", "--display-name", "Bob B",
                              "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output
    assert run.invoke(main, ["users", "set-role", "bob", "annotator"]).exit_code == 0
    listed = run.invoke(main, ["users", "list"]).output
    assert "bob\tannotator\tBob B" in listed
    assert run.invoke(main, ["users", "remove", "bob"]).exit_code == 0
    missing = run.invoke(main, ["users", "remove", "bob"])
    assert missing.exit_code == 1 and "no user named 'bob'" in missing.output
