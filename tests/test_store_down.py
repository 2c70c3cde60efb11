"""The database goes away under a running portal: every route answers 503 (never 500) and
no answer names the database (URL, user, host, port, file path, driver message).

PostgreSQL: a server of this test's own, stopped while the app runs. SQLite: the file
replaced by a folder (it cannot be opened) or by garbage (not a database); as root a
chmod would not stop SQLite, so the file itself is taken away.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from portal import create_app
from portal.settings import load_settings
from tests.api_helpers import bearer, make_token, seed
from tests.auth_helpers import SAME_ORIGIN, login
from tests.dash_client import DashClient

HTML = {"Accept": "text/html,application/xhtml+xml"}


def _requests(token: str) -> list[tuple[str, str, str, dict]]:
    """(label, client, method+path, kwargs): `session` is a signed-in browser, `anon` a visitor."""
    body = {"version": 1, "changes": [{"metric": "drift", "status": "Pass"}]}
    return [
        ("token auth", "anon", "GET /api/v1/me", {"headers": bearer(token)}),
        ("token qc", "anon", "GET /api/v1/assets/a/qc", {"headers": bearer(token)}),
        ("anonymous qc", "anon", "GET /api/v1/assets/a/qc", {}),
        ("summary", "anon", "GET /api/v1/summary", {}),
        ("assets", "anon", "GET /api/v1/assets", {}),
        ("session me", "session", "GET /api/v1/me", {}),
        ("login", "anon", "POST /login", {"data": {"username": "ada", "password": "not the password"},
                                           "headers": SAME_ORIGIN}),
        ("login page form", "anon", "POST /login", {"data": {"username": "ada", "password": "not the password"},
                                                     "headers": {**SAME_ORIGIN, **HTML}}),
        ("references", "anon", "GET /references/a/figure.png", {}),
        ("session references", "session", "GET /references/a/figure.png", {}),
        ("annotation by token", "anon", "POST /api/v1/assets/a/annotations", {"json": body,
                                                                               "headers": bearer(token)}),
        ("annotation by session", "session", "POST /api/v1/assets/a/annotations",
         {"json": body, "headers": SAME_ORIGIN}),
        ("push by token", "anon", "POST /api/v1/assets/a/qc/metrics",
         {"json": {"metrics": []}, "headers": bearer(token)}),
        ("session layout", "session", "GET /_dash-layout", {}),
        ("export", "anon", "GET /export/assets.csv", {}),
    ]


def _secrets(url: str, extra: tuple[str, ...] = ()) -> list[str]:
    """What no answer may carry: the URL and its parts, driver words."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    parts = [url, parsed.render_as_string(hide_password=True), *extra, "psycopg", "sqlite", "OperationalError",
             "Traceback", "connection refused", "Connection refused", "unable to open"]
    if parsed.host:
        parts += [parsed.host, f":{parsed.port}", str(parsed.port), f"{parsed.username}@"]
    if parsed.database and parsed.get_backend_name() == "sqlite":
        parts += [parsed.database, Path(parsed.database).name]
    return parts


def _check_down(app, session, token: str, url: str, extra: tuple[str, ...] = ()) -> None:
    clients = {"session": session, "anon": app.server.test_client()}
    secrets = _secrets(url, extra)
    seen = {}
    for label, who, target, kwargs in _requests(token):
        method, path = target.split(" ", 1)
        response = clients[who].open(path, method=method, **kwargs)
        text = response.get_data(as_text=True)
        seen[label] = response.status_code
        leaked = [s for s in secrets if s and s in text]
        assert not leaked, f"{label}: {response.status_code} leaks {leaked}: {text[:300]}"
        if label == "login page form":
            assert response.mimetype == "text/html", label
        else:
            assert response.mimetype == "application/json", f"{label}: {text[:200]}"
            assert set(response.get_json()) == {"error", "message"}, label
        assert "did not answer" in text, f"{label}: {text[:200]}"
    assert set(seen.values()) == {503}, seen
    # The page itself is Dash's static shell (it reads nothing); its layout request is the 503 above.
    page = session.get("/asset/a", headers=HTML)
    assert page.status_code in (200, 503) and not [s for s in secrets if s in page.get_data(as_text=True)]
    # A Dash callback of a signed-in user (the user loader needs the database) and of a visitor.
    for who in ("session", "anon"):
        dash = DashClient.__new__(DashClient)
        dash.client = clients[who]
        dash.dependencies = app.server.test_client().get("/_dash-dependencies").get_json()
        body = dash.body("overview-grid.getRowsResponse", {"overview-grid.getRowsRequest": {
            "startRow": 0, "endRow": 50, "sortModel": [], "filterModel": {}}}, ["overview-grid.getRowsRequest"])
        response = clients[who].post("/_dash-update-component", data=body, content_type="application/json",
                                     headers=SAME_ORIGIN)
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 503), (who, response.status_code, text[:300])
        assert "did not answer" in text, (who, text[:300])
        assert not [s for s in secrets if s and s in text], (who, text[:300])


def _app(tmp_path: Path, database: str | None = None):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="test-secret",
                             **({"database": database} if database else {}))
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    token = make_token(app, "ada", "annotator", "Ada Lovelace")
    session = app.server.test_client()
    assert login(session, "ada").status_code == 302
    assert session.get("/api/v1/me").status_code == 200
    return app, session, token


@pytest.mark.postgres
def test_postgresql_stopped_under_a_running_app(tmp_path, caplog):
    from tests.pg import PostgresServer, pg_bin

    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    server = PostgresServer().start()  # its own: the session's server must keep running
    try:
        url = server.create_database("down")
        app, session, token = _app(tmp_path, url)
        server._run(str(server.bin / "pg_ctl"), "-D", str(server.data), "-m", "immediate", "stop")
        _check_down(app, session, token, url)
    finally:
        server.stop()
    # The operator still learns what happened: the log has the details.
    assert "did not answer" in caplog.text and "127.0.0.1" in caplog.text


def _sqlite_path(app) -> Path:
    return Path(app.server.extensions["qc_portal"].users.engine.url.database)


def _take_away(app, path: Path) -> None:
    """Remove the file (and WAL files); open connections are dropped so the next one reopens."""
    app.server.extensions["qc_portal"].users.engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_sqlite_file_that_cannot_be_opened(tmp_path):
    app, session, token = _app(tmp_path)
    path = _sqlite_path(app)
    _take_away(app, path)
    path.mkdir()  # a folder where the file was: "unable to open database file"
    try:
        _check_down(app, session, token, str(app.server.extensions["qc_portal"].users.engine.url),
                    extra=(str(tmp_path),))
    finally:
        shutil.rmtree(path)


def test_sqlite_file_that_is_not_a_database(tmp_path):
    app, session, token = _app(tmp_path)
    path = _sqlite_path(app)
    _take_away(app, path)
    path.write_bytes(b"this is not a database " * 200)
    _check_down(app, session, token, str(app.server.extensions["qc_portal"].users.engine.url),
                extra=(str(tmp_path), "file is not a database"))


def test_the_error_shape_is_locked(tmp_path):
    """A 503 outside the API has exactly the API's error shape."""
    app, session, token = _app(tmp_path)
    _take_away(app, _sqlite_path(app))
    _sqlite_path(app).mkdir()
    response = app.server.test_client().get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert json.loads(response.get_data()) == {"error": "Store unavailable",
                                               "message": "the database did not answer; try again in a moment."}
