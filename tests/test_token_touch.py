"""A token's "last used" write is best effort: a locked database never fails (or stalls)
the request, and it is written at most once a minute per token."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, update

from portal import create_app
from portal.settings import load_settings
from portal.store.sql.api_tables import api_tokens
from tests.api_helpers import bearer, make_token, seed


def _app(tmp_path, database: str | None = None):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="test-secret",
                             **({"database": database} if database else {}))
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    return app


def _engine(app):
    return app.server.extensions["qc_portal"].users.engine


def _last_used(app):
    from sqlalchemy import select

    with _engine(app).connect() as connection:
        return connection.execute(select(api_tokens.c.last_used_at)).scalar()


def test_a_locked_sqlite_database_does_not_fail_token_requests(tmp_path):
    app = _app(tmp_path)
    headers = bearer(make_token(app, "ada", "annotator"))
    holder = sqlite3.connect(_engine(app).url.database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock (an ingest, a batch)
    try:
        started = time.monotonic()
        answer = app.server.test_client().get("/api/v1/me", headers=headers)
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert elapsed < 2, elapsed  # not the 10 s busy timeout
    assert _last_used(app) is None  # not recorded this time, and that is fine
    # Retried a few seconds later (not at every request), when it records it; the pooled
    # connection waits for locks as long as before.
    touched = app.server.extensions["qc_portal_tokens"]._touched
    assert app.server.test_client().get("/api/v1/me", headers=headers).status_code == 200
    assert _last_used(app) is None
    touched.update({key: value - timedelta(seconds=6) for key, value in touched.items()})
    assert app.server.test_client().get("/api/v1/me", headers=headers).status_code == 200
    assert _last_used(app) is not None
    with _engine(app).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


@pytest.mark.postgres
def test_a_locked_token_row_on_postgresql_does_not_stall_requests(pg_url, tmp_path):
    app = _app(tmp_path, pg_url)
    headers = bearer(make_token(app, "ada", "annotator"))
    hold = threading.Event()
    release = threading.Event()

    def locker():
        with _engine(app).begin() as connection:  # holds the row until told to let go
            connection.execute(update(api_tokens).values(name="renamed"))
            hold.set()
            release.wait(30)

    thread = threading.Thread(target=locker)
    thread.start()
    try:
        assert hold.wait(10)
        started = time.monotonic()
        answer = app.server.test_client().get("/api/v1/me", headers=headers)
        elapsed = time.monotonic() - started
    finally:
        release.set()
        thread.join(30)
    assert answer.status_code == 200 and elapsed < 2, (answer.status_code, elapsed)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_last_use_is_written_at_most_once_a_minute(request, tmp_path, backend):
    app = _app(tmp_path, request.getfixturevalue("pg_url") if backend == "postgresql" else None)
    headers = bearer(make_token(app, "ada", "annotator"))
    writes = []

    @event.listens_for(_engine(app), "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            writes.append(statement)

    def call(_):
        return app.server.test_client().get("/api/v1/me", headers=headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(call, range(40))) == {200}
    assert len(writes) == 1, writes
    # A minute later (as the database sees it) the next request writes it once more.
    with _engine(app).begin() as connection:
        connection.execute(update(api_tokens).values(last_used_at=datetime.now(UTC) - timedelta(minutes=2)))
    app.server.extensions["qc_portal_tokens"]._touched.clear()  # another process would not remember either
    writes.clear()
    assert call(0) == 200 and call(1) == 200
    assert len(writes) == 1
