"""Results kept while the store is unchanged (portal.views.remembered, issue 19).

The overview's counts, its filter options, a grid block, a project page (its view and its
components) and an asset page's detail are reused only
while the database's Freshness token is unchanged. The oracle is the same view computed
afresh. Every write path a user has (an annotation, an ingest, a delete), made by this
process or by another one (another engine, as another gunicorn worker), must show at once;
a read (the readiness probe's schema check) must not throw everything away. SQLite and
PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from plotly.io.json import to_json_plotly
from sqlalchemy import event

from callbacks import project as project_page
from portal.demo import build_records
from portal.store.protocol import Annotation, MetricEdit
from portal.store.sql.engine import make_engine, schema_state
from portal.store.sql.paging import PageCache
from portal.store.sql.store import SqlAssetStore
from portal.views import grid, overview, remembered
from portal.views.asset import model
from portal.views.filters_url import parse_query
from tests.records import metric, record

BLOCK = {"startRow": 0, "endRow": 100, "sortModel": [{"colId": "pending", "sort": "desc"}], "filterModel": {}}


@pytest.fixture(scope="module", autouse=True)
def _dash_app(tmp_path_factory):
    """A portal app: the project page's components build their links with Dash's path prefix."""
    from portal import create_app
    from portal.settings import load_settings

    return create_app(load_settings(data_dir=tmp_path_factory.mktemp("kept-app"), secret_key="kept-tests"))


@pytest.fixture
def store(sql_url):
    store = SqlAssetStore(make_engine(sql_url))
    store.upsert_many([*build_records(40), record("kept_one", project="Kept", metrics=[
        metric("a", "Pending", value=1.0), metric("b", "Pass", value=2.0)])])
    yield store
    store.engine.dispose()


def _views(store) -> dict:
    """What the overview, its filter bar, the grid's first block and a project page show (kept when unchanged)."""
    parsed = parse_query("?status=Pending")
    return {"overview": overview.overview_view(store, parsed), "all": overview.overview_view(store, parse_query("")),
            "filters": overview.filter_options(store), "grid": grid.page_request(store, parsed.query, BLOCK),
            "detail": model.load_detail(store, "kept_one"),
            "project page": to_json_plotly(project_page.kept_page(store, "Kept"))}


def _fresh(store) -> dict:
    """The same, computed afresh (the oracle)."""
    parsed = parse_query("?status=Pending")
    return {"overview": overview._overview_view(store, parsed),
            "all": overview._overview_view(store, parse_query("")), "filters": overview._filter_options(store),
            "grid": grid._block(store, parsed.query, grid.sort_from_model(BLOCK["sortModel"]), 0, 100, False),
            "detail": model._load_detail(store, "kept_one", True),
            "project page": to_json_plotly(project_page.build_page(store, "Kept"))}


def _statements(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_: seen.append(statement))
    return seen


def test_the_same_views_again_read_only_the_token(store):
    """A second overview, filter bar, grid block and project page: the token is read, no table is."""
    first = _views(store)
    assert first == _fresh(store)
    seen = _statements(store.engine)
    assert _views(store) == first
    assert seen, "the token is read every time"
    assert all(s == "BEGIN" or "data_version" in s.lower() or "pg_current_snapshot" in s for s in seen), seen


def test_annotations_ingests_and_deletes_show_at_once(store, sql_url):
    """Each write, by this process or by another one, is in the very next view (never a kept, stale one)."""
    other = SqlAssetStore(make_engine(sql_url), run_migrations=False)

    def status(s, value):
        edit = MetricEdit(metric="a", status=value, reason="Drift" if value == "Fail" else None)
        s.annotate(Annotation("kept_one", s.get("kept_one").version, (edit,)), user="ada")

    writes = [
        (store, lambda s: status(s, "Fail")),
        (other, lambda s: s.upsert(record("kept_two", project="Kept", metrics=[metric("c", "Pending", value=3.0)]))),
        (store, lambda s: s.delete_asset("kept_two", user="ada")),
        (other, lambda s: status(s, "Pending")),
        (store, lambda s: s.restore_asset("kept_two", user="ada")),
        (other, lambda s: s.delete_asset("kept_two", user="ada")),
    ]
    try:
        for writer, write in writes:
            before = _views(store)
            write(writer)
            after = _views(store)
            assert after == _fresh(store)
            assert after != before  # the write changed what a user sees, and the view shows it
    finally:
        other.engine.dispose()


def test_a_post_dated_status_entry_shows_when_it_comes_due(store):
    """An asset page read before a history's later entry is due is not served once it is due:
    statuses are read at the time asked, so the clock changes them with no write at all."""
    due = datetime.now(UTC) + timedelta(seconds=1.5)
    store.upsert(record("kept_later", project="Kept", metrics=[metric("m", history=[
        {"evaluator": "Automated", "status": "Pending", "timestamp": "2025-01-02T00:00:00+00:00"},
        {"evaluator": "ada", "status": "Pass", "timestamp": due.isoformat()}])]))
    before = model.load_detail(store, "kept_later")
    assert [m.status for m in before.metrics] == ["Pending"]
    assert model.load_detail(store, "kept_later") is before  # kept: nothing has changed yet
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.1)
    after = model.load_detail(store, "kept_later")
    assert [m.status for m in after.metrics] == ["Pass"]
    assert after.changes_at is None and after == model._load_detail(store, "kept_later", True)


def test_a_readiness_probe_keeps_what_was_kept(store):
    """The load balancer's /readyz (a schema check) is a read: the token does not move."""
    before = store.snapshot()
    with store.engine.connect() as connection:
        assert schema_state(connection)[0] == "current"
    assert store.snapshot() == before


def test_a_store_that_cannot_tell_computes_every_time():
    """snapshot() None (DocDB): nothing is reused; a token: reused until it changes."""

    class Tokens:
        def __init__(self, token):
            self.token = token

        def snapshot(self):
            return self.token

    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    blind = Tokens(None)
    assert [remembered.remembered(blind, "overview", "k", compute) for _ in range(3)] == [1, 2, 3]
    seeing = Tokens("t1")
    assert [remembered.remembered(seeing, "overview", "k", compute) for _ in range(3)] == [4, 4, 4]
    seeing.token = "t2"
    assert remembered.remembered(seeing, "overview", "k", compute) == 5
    assert remembered.remembered(seeing, "grid", "k", compute) == 6  # kinds are kept apart


def test_what_a_write_made_stale_is_freed_at_once():
    """Kept values of an old token are dropped when a value for a new token is stored (a
    500-metric asset's detail is ~1 MB: sixteen stale ones used to stay until pushed out)."""
    import gc
    import weakref

    class Kept:
        pass

    cache = PageCache(16)
    old = Kept()
    cache.put("a", 1, old)
    cache.put("b", 1, Kept())
    assert cache.get("a", 1) is old and len(cache) == 2
    gone = weakref.ref(old)
    del old
    fresh = Kept()
    cache.put("a", 2, fresh)  # a commit happened: the token moved on
    gc.collect()
    assert gone() is None and len(cache) == 1
    assert cache.get("b", 2) is None and cache.get("a", 2) is fresh
    assert cache.get("a", 1) is None  # a request still holding the old token gets nothing
