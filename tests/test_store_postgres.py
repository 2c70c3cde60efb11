"""The store contract on a real PostgreSQL server started by the test setup."""

from __future__ import annotations

import threading
import time

import pytest

from portal.errors import StoreUnavailable
from portal.store.protocol import Annotation, MetricEdit
from portal.store.sql.engine import make_engine
from portal.store.sql.store import SqlAssetStore
from tests.records import metric, record
from tests.store_contract import StoreContract, SummaryContract

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(pg_url):
    engine = make_engine(pg_url)
    yield SqlAssetStore(engine)
    engine.dispose()


class TestPostgresStore(StoreContract):
    pass


def test_documents_are_jsonb(store):
    store.upsert_many([record("a")])
    with store.engine.connect() as connection:
        kind = connection.exec_driver_sql(
            "SELECT data_type FROM information_schema.columns WHERE table_name='assets' AND column_name='document'"
        ).scalar_one()
    assert kind == "jsonb"


def test_parallel_annotations_lose_nothing(store):
    """Eight reviewers annotate eight metrics of one asset at once; every entry lands."""
    names = [f"m{i}" for i in range(8)]
    store.upsert_many([record("a", metrics=[metric(n, "Pending") for n in names])])
    errors = []

    def annotate(name):
        try:
            result = store.annotate(Annotation("a", 1, (MetricEdit(name, "Pass", seen_history=1),)), user=name)
            assert result.applied
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=annotate, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    qc = store.get("a").record["quality_control"]
    assert {m["status_history"][-1]["evaluator"] for m in qc["metrics"]} == set(names)
    assert store.get("a").version == 9


def test_unreachable_server_fails_fast_with_a_clear_message():
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot use the database postgresql") as caught:
        SqlAssetStore(make_engine("postgresql+psycopg://u:secret@127.0.0.1:9/db", timeout=2))
    assert time.monotonic() - started < 10
    assert "secret" not in str(caught.value)


class TestPostgresSummaries(SummaryContract):
    pass
