"""Accounts, login/logout, the login gate, throttling, the secret key and the permission check."""

from __future__ import annotations

import logging
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from portal import create_app
from portal.accounts.auth import can, require
from portal.cli.main import main
from portal.context import build_portal
from portal.errors import ConfigError, Forbidden, InvalidInput
from portal.settings import load_settings
from tests.auth_helpers import PASSWORD, SAME_ORIGIN, add_user, login, logout

HTML = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def app(settings):
    return create_app(settings)


def test_login_sets_an_httponly_samesite_session_and_shows_the_user(app):
    add_user(app, "ada", "annotator", "Ada Lovelace")
    client = app.server.test_client()
    response = login(client, "ada")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("qc_portal_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "Ada Lovelace (annotator)" in layout and "Sign out" in layout
    assert "Audit log" not in layout  # admins only
    # A GET of /logout (a link, an <img> on another site) only asks; the form's POST signs out.
    asked = client.get("/logout")
    assert asked.status_code == 200 and 'method="post"' in asked.get_data(as_text=True)
    assert "Ada Lovelace" in client.get("/_dash-layout").get_data(as_text=True)
    assert logout(client).status_code == 302
    assert "Sign in" in client.get("/_dash-layout").get_data(as_text=True)


def test_admins_see_the_audit_link(app):
    add_user(app, "root", "admin", "Root Admin")
    client = app.server.test_client()
    login(client, "root")
    assert "Audit log" in client.get("/_dash-layout").get_data(as_text=True)


def test_secure_cookie_and_hsts_over_https(settings):
    app = create_app(settings.model_copy(update={"https": True}))
    add_user(app, "ada", "annotator")
    client = app.server.test_client()
    response = login(client, "ada")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize(("name", "password"), [("ada", "wrong password"), ("nobody", PASSWORD), ("", "")])
def test_failed_login_is_generic(app, name, password):
    add_user(app, "ada", "annotator")
    response = login(app.server.test_client(), name, password)
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "Wrong user name or password." in body
    assert PASSWORD not in body


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\\\evil.example",
                                    "/\t/evil.example"])
def test_login_never_redirects_off_site(app, target):
    add_user(app, "ada", "annotator")
    client = app.server.test_client()
    response = login(client, "ada", next=target)
    assert response.headers["Location"] == "/"
    ok = login(client, "ada", next="/asset/x")
    assert ok.headers["Location"] == "/asset/x"


def test_login_page_escapes_the_echoed_name(app):
    response = login(app.server.test_client(), "<script>alert(1)</script>", "x")
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_login_starts_a_fresh_session(app):
    add_user(app, "ada", "annotator")
    client = app.server.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, "ada")
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("_user_id")


def test_permission_rules(app):
    from portal.accounts.auth import Anonymous, User

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
    with pytest.raises(ValueError, match="unknown action"):
        can(admin, "delete everything")


# -- QC_PORTAL_REQUIRE_LOGIN -------------------------------------------------------------

@pytest.fixture
def closed_app(settings):
    return create_app(settings.model_copy(update={"require_login": True}))


def test_require_login_sends_pages_to_the_login_and_refuses_the_rest(closed_app):
    add_user(closed_app, "vic", "viewer")
    client = closed_app.server.test_client()
    page = client.get("/asset/x?node=a", headers=HTML)
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=/asset/x?node%3Da"
    for path in ("/_dash-layout", "/_dash-dependencies", "/references/x/a.png", "/export/assets.csv"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["message"] == "Sign in to use the QC Portal."
    assert client.post("/_dash-update-component", json={}).status_code == 401
    # What the login page itself needs stays reachable.
    for path in ("/login", "/healthz", "/assets/00-bootstrap.min.css"):
        assert client.get(path).status_code == 200, path
    with closed_app.server.test_request_context():
        from portal.accounts.auth import Anonymous

        assert not can(Anonymous(), "view")
    login(client, "vic")
    assert client.get("/_dash-layout").status_code == 200
    signed_in = client.get("/asset/x", headers=HTML)
    # Served now, not redirected: the page itself (404: there is no asset "x").
    assert signed_in.status_code == 404 and "_dash-config" in signed_in.get_data(as_text=True)


# -- throttling ----------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def clock(app):
    clock = Clock()
    app.server.extensions["qc_portal_throttle"].clock = clock
    return clock


def test_brute_force_is_slowed_per_user_and_address(app, clock):
    add_user(app, "ada", "annotator")
    client = app.server.test_client()
    for _ in range(5):
        assert login(client, "ada", "guess").status_code == 401
    # Blocked now: even the right password gets no answer, with the same message for everyone.
    blocked = login(client, "ada")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in blocked.get_data(as_text=True)
    unknown = [login(client, "ghost", "guess").status_code for _ in range(6)]
    assert unknown == [401] * 5 + [429]  # an unknown name is throttled alike: no hint it does not exist
    # Another address is not blocked for this user.
    other = client.post("/login", data={"username": "ada", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.9.9.9"}, headers=SAME_ORIGIN)
    assert other.status_code == 302
    # Each further failure doubles the wait.
    clock.now += timedelta(seconds=2)
    assert login(client, "ada", "guess").status_code == 401
    assert int(login(client, "ada").headers["Retry-After"]) == 2
    clock.now += timedelta(seconds=3)
    assert login(client, "ada").status_code == 302  # success clears the (user, address) counter
    clock.now += timedelta(seconds=3600)
    assert login(app.server.test_client(), "ada", "guess").status_code == 401


def test_the_address_counter_slows_a_spray_over_many_names(app, clock):
    client = app.server.test_client()
    statuses = [login(client, f"user{i}", "guess").status_code for i in range(31)]
    assert statuses[:30] == [401] * 30 and statuses[30] == 429


def test_the_counters_live_in_the_database(app, clock, settings):
    """A second instance on the same database sees the first one's counters."""
    add_user(app, "ada", "annotator")
    for _ in range(5):
        login(app.server.test_client(), "ada", "guess")
    other = create_app(settings)
    other.server.extensions["qc_portal_throttle"].clock = clock
    assert login(other.server.test_client(), "ada").status_code == 429


def test_passwords_are_never_logged(app, caplog, clock, tmp_path, monkeypatch):
    caplog.set_level(logging.DEBUG)
    add_user(app, "ada", "annotator")
    client = app.server.test_client()
    login(client, "ada", "wrong-but-secret-1")
    login(client, "wrong-but-secret-2", PASSWORD)  # a password typed into the name field
    login(client, "ada")
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path))
    CliRunner().invoke(main, ["users", "add", "bob", "--role", "viewer", "--password-stdin"],
                       input="cli-secret-password\n")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "failed sign-in for 'ada'" in logged and "login: ada" in logged
    for secret in ("wrong-but-secret-1", "wrong-but-secret-2", PASSWORD, "cli-secret-password"):
        assert secret not in logged


def test_no_secret_in_any_response(settings):
    app = create_app(settings.model_copy(update={"secret_key": "s3cr3t-signing-key-value"}))
    account = add_user(app, "root", "admin")
    client = app.server.test_client()
    login(client, "root")
    engine = app.server.extensions["qc_portal"].users.engine
    with engine.connect() as connection:
        from sqlalchemy import select

        from portal.store.sql.tables import users

        digest = connection.execute(select(users.c.password_hash).where(users.c.id == account.id)).scalar()
    bodies = [client.get(path).get_data(as_text=True)
              for path in ("/", "/_dash-layout", "/_dash-dependencies", "/login", "/logout", "/healthz")]
    for secret in ("s3cr3t-signing-key-value", digest, PASSWORD):
        assert not any(secret in body for body in bodies)


# -- accounts ------------------------------------------------------------------------------

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
    assert users.verify("x", "wrong password") is None


def test_single_sign_on_accounts_are_found_by_identity_never_by_name(app):
    users = app.server.extensions["qc_portal"].users
    local = users.add("ada", "viewer", PASSWORD)
    first = users.sign_in_external("https://idp", "sub-1", name="ada", display_name="Ada (SSO)", role="annotator")
    assert first.id != local.id and first.name == "ada-2" and first.role == "annotator"
    again = users.sign_in_external("https://idp", "sub-1", name="ada", display_name="Ada L.", role="viewer")
    assert again.id == first.id and again.display_name == "Ada L." and again.role == "viewer"
    other_issuer = users.sign_in_external("https://other", "sub-1", name="ada", display_name="A", role="viewer")
    assert other_issuer.id not in (local.id, first.id) and other_issuer.name == "ada-3"
    assert users.verify("ada-2", "") is None  # no password: SSO accounts cannot use the form
    users.remove("ada-2")
    recreated = users.sign_in_external("https://idp", "sub-1", name="ada", display_name="Ada", role="viewer")
    assert recreated.id != first.id


def test_users_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path))
    build_portal(load_settings())  # the portal exists (users refuses to create its database)
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


def test_users_cli_prompts_for_the_password_twice(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path))
    build_portal(load_settings())
    added = CliRunner().invoke(main, ["users", "add", "cy", "--role", "admin"],
                               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    assert PASSWORD not in added.output


# -- the secret key ------------------------------------------------------------------------

def test_the_secret_key_is_required_outside_demo_mode(tmp_path):
    with pytest.raises(ConfigError) as caught:
        create_app(load_settings(data_dir=tmp_path))
    assert "QC_PORTAL_SECRET_KEY is not set" in caught.value.message and "\n" not in caught.value.message
    assert not (tmp_path / "secret_key").exists()


def test_serve_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "qc-portal: error: " + __import__("portal.accounts.secret", fromlist=["MISSING"]).MISSING]


def test_demo_mode_generates_a_private_key_once(tmp_path):
    first = create_app(load_settings(data_dir=tmp_path, demo=True))
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = create_app(load_settings(data_dir=tmp_path, demo=True))
    assert first.server.secret_key == second.server.secret_key == path.read_text().strip()
