"""/healthz and /readyz: cheap, unauthenticated, and /readyz says when this instance
cannot work (a database behind this release, a PostgreSQL that is down, DocDB down)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from portal import create_app
from portal.settings import load_settings
from tests.docdb_fixtures import *  # noqa: F403
from tests.pg import PostgresServer


def _engine(app):
    return app.server.extensions["qc_portal"].users.engine


def _set_revision(app, revision: str | None) -> None:
    with _engine(app).begin() as connection:
        if revision is None:
            connection.execute(text("DELETE FROM alembic_version"))
        else:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


@pytest.fixture
def client(settings):
    return create_app(settings).server.test_client()


def test_ready_on_a_current_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready" and "reason" not in body
    database = body["checks"]["database"]
    assert database["ok"] is True and database["schema"] == "current" and database["ms"] >= 0
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("revision", ["0005", None])
def test_not_ready_when_the_schema_is_behind(settings, revision):
    app = create_app(settings)
    _set_revision(app, revision)
    response = app.server.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready" and "behind" in body["reason"]
    assert body["checks"]["database"]["schema"] == "behind" and body["checks"]["database"]["revision"] == revision
    assert app.server.test_client().get("/healthz").status_code == 200  # alive all the same


def test_ready_when_a_newer_release_has_migrated(settings):
    # A rolling deployment: the first new instance migrated; the old ones keep serving.
    app = create_app(settings)
    _set_revision(app, "9999")
    response = app.server.test_client().get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"]["database"]["schema"] == "ahead"


def test_probes_need_no_sign_in_even_when_login_is_required(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="x", require_login=True)
    client = create_app(settings).server.test_client()
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 302
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_probes_are_cheap(client):
    client.get("/readyz")
    started = time.perf_counter()
    for _ in range(20):
        assert client.get("/readyz").status_code == 200
    assert (time.perf_counter() - started) / 20 < 0.05  # two small queries, not a page


@pytest.mark.postgres
def test_not_ready_while_postgresql_is_down(tmp_path):
    if PostgresServer().bin is None:
        pytest.skip("PostgreSQL server binaries not installed")
    server = PostgresServer().start()  # its own server: stopping the session's would break other tests
    try:
        settings = load_settings(data_dir=tmp_path / "data", secret_key="x", database=server.create_database("ready"),
                                 db_timeout=2)
        client = create_app(settings).server.test_client()
        assert client.get("/readyz").status_code == 200
        server.stop()
        started = time.perf_counter()
        response = client.get("/readyz")
        assert time.perf_counter() - started < 5
        assert response.status_code == 503
        body = response.get_json()
        assert body["reason"] == "the database does not answer" and body["checks"]["database"]["ok"] is False
        assert str(server.port) not in response.get_data(as_text=True)  # details go to the log, not to callers
        assert client.get("/healthz").status_code == 200
    finally:
        server.stop()


def test_not_ready_while_the_docdb_gateway_fails(fresh_gateway, tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="x", store=fresh_gateway.store_url(),
                             docdb_timeout=2)
    client = create_app(settings).server.test_client()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"]["store"]["ok"] is True
    fresh_gateway.faults.fail = 100
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == "the asset store does not answer"
    assert response.get_json()["checks"]["database"]["ok"] is True
