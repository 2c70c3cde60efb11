"""Signing out ends the session on the server; the login throttle counts atomically;
API booleans are booleans. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests

from portal import create_app
from portal.accounts.throttle import USER_POLICY
from portal.settings import load_settings
from tests.api_helpers import bearer, make_token, seed
from tests.auth_helpers import SAME_ORIGIN, add_user, login, logout
from tests.live_server import LivePortal

COOKIE = "qc_portal_session"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def settings_db(request, tmp_path):
    """Settings over a scratch data dir, on SQLite or on a fresh PostgreSQL database."""
    extra = {"database": request.getfixturevalue("pg_url")} if request.param == "postgresql" else {}
    return load_settings(data_dir=tmp_path / "data", secret_key="test-secret", **extra)


@pytest.fixture
def app(settings_db, tmp_path):
    app = create_app(settings_db)
    seed(app, tmp_path / "assets")
    return app


def _store(app):
    return app.server.extensions["qc_portal"].store


# -- sign-out ----------------------------------------------------------------------------

def test_a_cookie_copied_before_logout_no_longer_works(app):
    add_user(app, "ada", "annotator", "Ada Lovelace")
    browser = app.server.test_client()
    assert login(browser, "ada").status_code == 302
    stolen = browser.get_cookie(COOKIE).value
    thief = app.server.test_client()
    thief.set_cookie(COOKIE, stolen)
    assert thief.get("/api/v1/me").get_json()["name"] == "ada"  # the copy works while the session lives

    assert logout(browser).status_code == 302

    assert thief.get("/api/v1/me").status_code == 401
    change = {"version": 1, "changes": [{"metric": "drift", "status": "Fail"}]}
    write = thief.post("/api/v1/assets/a/annotations", json=change, headers=SAME_ORIGIN)
    assert write.status_code == 401
    assert _store(app).get("a").version == 1  # nothing applied
    assert "Ada Lovelace" not in thief.get("/_dash-layout").get_data(as_text=True)
    # Signing in again starts a new session that works; the old copy still does not.
    assert login(browser, "ada").status_code == 302
    assert browser.get("/api/v1/me").status_code == 200
    assert thief.get("/api/v1/me").status_code == 401


def test_signing_out_leaves_tokens_alone(app):
    headers = bearer(make_token(app, "ada", "annotator", "Ada Lovelace"))
    browser = app.server.test_client()
    login(browser, "ada")
    logout(browser)
    assert app.server.test_client().get("/api/v1/me", headers=headers).status_code == 200


def test_a_session_from_before_the_epoch_existed_keeps_working_until_sign_out(app):
    """Sessions made by the previous release carry no epoch: they count as epoch 0."""
    add_user(app, "ada", "annotator")
    browser = app.server.test_client()
    login(browser, "ada")
    with browser.session_transaction() as session:
        session.pop("qc_portal_epoch")
    assert browser.get("/api/v1/me").status_code == 200
    logout(browser)
    assert browser.get("/api/v1/me").status_code == 401


# -- the login throttle ------------------------------------------------------------------

class _Frozen:
    """A clock that does not move: the test is about counting, not about time."""

    now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self):
        return self.now


def _count_checks(app) -> list[int]:
    checks: list[int] = []
    users = app.server.extensions["qc_portal"].users
    verify = users.verify
    lock = threading.Lock()

    def counted(name, password):
        with lock:
            checks.append(1)
        return verify(name, password)

    users.verify = counted  # the instance the login route holds
    app.server.extensions["qc_portal_throttle"].clock = _Frozen()
    return checks


def _parallel_guesses(apps, n: int = 24) -> list[int]:
    def guess(i):
        client = apps[i % len(apps)].server.test_client()
        return login(client, "ada", f"wrong guess {i}").status_code

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(guess, range(n)))


def test_parallel_wrong_passwords_get_exactly_the_free_checks(app):
    add_user(app, "ada", "annotator")
    checks = _count_checks(app)
    statuses = _parallel_guesses([app])
    assert len(checks) == USER_POLICY.free == 5, statuses
    assert sorted(statuses) == [401] * 5 + [429] * 19


@pytest.mark.postgres
def test_two_instances_over_one_postgresql_share_the_count(pg_url, tmp_path):
    apps = [create_app(load_settings(data_dir=tmp_path / f"i{i}", secret_key="s", database=pg_url))
            for i in range(2)]
    add_user(apps[0], "ada", "annotator")
    checks = _count_checks(apps[0])
    second = _count_checks(apps[1])
    statuses = _parallel_guesses(apps)
    assert len(checks) + len(second) == 5 and statuses.count(401) == 5, statuses


def test_a_right_password_takes_its_attempt_back(app):
    add_user(app, "ada", "annotator")
    app.server.extensions["qc_portal_throttle"].clock = _Frozen()
    client = app.server.test_client()
    for _ in range(4):
        assert login(client, "ada", "guess").status_code == 401
    assert login(client, "ada").status_code == 302  # the 5th attempt, right: not blocked, counters cleared
    for _ in range(5):
        assert login(client, "ada", "guess").status_code == 401
    assert login(client, "ada").status_code == 429


def _allowed_checks(elapsed: float) -> int:
    """Checks the policy allows in `elapsed` seconds of guessing: the free ones, then one per
    block that has run out (1 s, 2 s, 4 s, ...)."""
    allowed, block, waited = USER_POLICY.free, 1.0, 0.0
    while waited + block <= elapsed:
        waited += block
        allowed += 1
        block *= 2
    return allowed


def test_parallel_wrong_passwords_against_gunicorn_workers(tmp_path):
    """Two gunicorn workers with threads: the count holds across processes."""
    data = tmp_path / "data"
    portal = create_app(load_settings(data_dir=data, secret_key="live-test-secret-of-at-least-32-characters"))
    add_user(portal, "ada", "annotator")
    server = LivePortal(data, workers=2, threads=8).start()
    try:
        def guess(i):
            return requests.post(f"{server.url}/login", data={"username": "ada", "password": f"guess {i}"},
                                 headers=SAME_ORIGIN, timeout=60, allow_redirects=False).status_code

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=24) as pool:
            statuses = list(pool.map(guess, range(24)))
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    assert set(statuses) <= {401, 429}, statuses
    assert USER_POLICY.free <= statuses.count(401) <= _allowed_checks(elapsed), (statuses, elapsed)


# -- booleans ----------------------------------------------------------------------------

@pytest.mark.parametrize("force", ["yes", "true", 1, 0, "1", None, [], {}])
def test_force_must_be_a_real_boolean(app, force):
    headers = bearer(make_token(app, "ada", "annotator"))
    body = {"version": 1, "changes": [{"metric": "drift", "status": "Fail"}], "force": force}
    answer = app.server.test_client().post("/api/v1/assets/a/annotations", json=body, headers=headers)
    assert answer.status_code == 422, answer.get_json()
    assert "force" in answer.get_json()["message"]
    assert _store(app).get("a").version == 1


@pytest.mark.parametrize("force", [True, False])
def test_true_and_false_are_booleans(app, force):
    headers = bearer(make_token(app, "ada", "annotator"))
    body = {"version": 1, "changes": [{"metric": "drift", "status": "Fail"}], "force": force}
    answer = app.server.test_client().post("/api/v1/assets/a/annotations", json=body, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["applied"] is True
