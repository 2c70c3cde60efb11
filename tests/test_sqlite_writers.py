"""Writers on SQLite wait their turn behind another writer (an ingest, a reviewer) instead of
failing with "database is locked": a transaction that reads before it writes, and a write
transaction whose BEGIN IMMEDIATE SQLite refuses at once.

The other writer is a plain sqlite3 connection holding the write lock for a moment, as
another process would.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert

from portal.accounts.users import UserStore
from portal.store.sql.engine import make_engine
from portal.store.sql.store import SqlAssetStore
from portal.store.sql.tables import audit_log
from portal.store.sql.transactions import write_tx

HOLD_S = 0.4


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "portal.db"
    SqlAssetStore(make_engine(f"sqlite:///{path}"))  # the migrated database
    return path


def _hold_write_lock(path, held: threading.Event):
    """Another writer: takes the write lock, keeps it HOLD_S seconds, commits."""
    def run():
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(HOLD_S)
        raw.execute("COMMIT")
        raw.close()
    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(5)
    return thread


def test_a_transaction_that_reads_then_writes_waits_for_the_other_writer(path):
    # UserStore.add reads (is the name taken?) before it inserts: with a deferred BEGIN,
    # SQLite refuses the upgrade to a write at once while another connection writes.
    users = UserStore(make_engine(f"sqlite:///{path}"))
    other = _hold_write_lock(path, threading.Event())
    started = time.monotonic()
    users.add("ada", "annotator", "correct horse battery", "Ada")
    waited = time.monotonic() - started
    other.join()
    assert users.get("ada") is not None
    assert waited >= HOLD_S * 0.5  # it waited for the lock rather than going around it


def test_begin_immediate_refused_at_once_is_tried_again(path):
    # busy_timeout=0 makes SQLite answer "database is locked" at once, as CI once saw it do
    # behind a busy timeout; the write must still happen once the other writer is done.
    engine = make_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", lambda raw, _record: raw.execute("PRAGMA busy_timeout=0"))
    other = _hold_write_lock(path, threading.Event())
    with write_tx(engine) as connection:
        connection.execute(insert(audit_log).values(
            at=datetime.now(UTC), user="ada", asset_id="a", asset_name="a", action="test",
            detail={}))
    other.join()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM audit_log WHERE action = 'test'").fetchone()[0] == 1
