"""Grid paging (issue 19): keyset and far-end pages equal OFFSET pages; the grid's JSON is unchanged.

The oracle is the listing as it was before: an OFFSET page of the sort index and a
count(*) of the matching rows, turned into JSON by the old row builder (copied below).
Every sort column x both directions x several filters, over demo data plus rows with
NULLs and ties in the sort columns, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from portal.demo import build_records
from portal.store.protocol import SORTABLE, AssetQuery, Sort
from portal.store.sql import filters, paging
from portal.store.sql.engine import make_engine
from portal.store.sql.store import _ROW_COLUMNS, SqlAssetStore
from portal.store.sql.tables import assets
from portal.views.grid import derived_counts, modality_statuses, page_request
from tests.records import record

QUERIES = [
    AssetQuery(),
    AssetQuery(status=("Fail", "Pending")),
    AssetQuery(text="_2"),
    AssetQuery(level=("raw",)),
    AssetQuery(modality=("ecephys",)),
    AssetQuery(pending=True),
]
SORTS = [Sort(field, descending) for field in SORTABLE for descending in (False, True)]


def _odd_records() -> list[dict]:
    """Rows with NULLs in the nullable sort columns and ties in every one of them."""
    records = []
    for n in range(12):
        rec = record(f"odd_{n:02d}", project=None if n % 3 == 0 else "Tie", subject=None if n % 4 == 0 else "7",
                     acquired=None if n % 2 == 0 else "2025-03-01T00:00:00+00:00")
        if n % 5 == 0:
            rec["data_description"]["data_level"] = None
        records.append(rec)
    return records


def _make(url: str) -> SqlAssetStore:
    store = SqlAssetStore(make_engine(url))
    store.upsert_many([*build_records(90), *_odd_records()])
    return store


@pytest.fixture
def store(sql_url):
    store = _make(sql_url)
    yield store
    store.engine.dispose()


def oracle(store, query: AssetQuery, sort: Sort, offset: int, limit: int):
    """The page as list_assets read it before issue 19: OFFSET of the sort index, and count(*)."""
    clause = filters.where(query)
    with store.engine.connect() as connection:
        order = filters.order_by(sort, connection.dialect.name)
        ids = select(assets.c.id).where(clause).order_by(*order).offset(offset).limit(limit)
        rows = connection.execute(select(*_ROW_COLUMNS).where(assets.c.id.in_(ids.scalar_subquery()))
                                  .order_by(*order)).all()
        total = connection.execute(select(func.count()).select_from(assets).where(clause)).scalar_one()
    return [tuple(r) for r in rows], total


def listed(store, query, sort, offset, limit):
    page = store.list_assets(query, sort, offset, limit)
    return [r.name for r in page.rows], page.total


def expected(store, query, sort, offset, limit):
    rows, total = oracle(store, query, sort, offset, limit)
    return [r[1] for r in rows], total


@pytest.fixture
def seeks(monkeypatch):
    """How many pages were read by keyset (paging.seek) since the test began."""
    calls = []
    original = paging.seek

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(paging, "seek", counting)
    return calls


def test_sequential_scroll_down_and_up_equals_offset_pages(store, seeks):
    for query in QUERIES:
        for sort in SORTS:
            total = expected(store, query, sort, 0, 1)[1]
            for offset in range(0, total + 7, 7):  # down, block after block (the grid's order)
                assert listed(store, query, sort, offset, 7) == expected(store, query, sort, offset, 7), \
                    (query, sort, offset)
            for offset in range(total - total % 7, -1, -7):  # back up from the end
                assert listed(store, query, sort, offset, 7) == expected(store, query, sort, offset, 7), \
                    (query, sort, offset)
    assert len(seeks) > 1000  # the blocks after the first were read by keyset, not OFFSET


def test_random_jumps_and_the_far_end_equal_offset_pages(store):
    rng = random.Random(19)
    for query in QUERIES:
        for sort in SORTS:
            total = expected(store, query, sort, 0, 1)[1]
            for _ in range(6):
                offset, limit = rng.randrange(0, total + 3), rng.choice((1, 5, 13, 100))
                assert listed(store, query, sort, offset, limit) == expected(store, query, sort, offset, limit)
            last = max(0, total - 10)
            assert listed(store, query, sort, last, 10) == expected(store, query, sort, last, 10)


def test_keys_across_the_nulls_of_the_sort_column(store, seeks):
    """Blocks whose boundary row has a NULL sort value, and blocks that cross from values to NULLs."""
    for field in ("acquired", "project", "subject_id", "level", "last_review"):
        for descending in (False, True):
            sort = Sort(field, descending)
            total = expected(store, AssetQuery(), sort, 0, 1)[1]
            for size in (1, 2, 3, 11):
                for offset in range(0, total, size):
                    assert listed(store, AssetQuery(), sort, offset, size) == \
                        expected(store, AssetQuery(), sort, offset, size), (sort, size, offset)
    assert seeks


def test_writes_between_blocks_are_seen(store):
    """An insert, a delete, a rename and a changed sort value before the boundary: the next block is still right."""
    sort, renames = Sort("name", False), iter(range(100))
    writes = [
        lambda: store.upsert(record("aaa_first")),
        lambda: store.delete_asset(listed(store, AssetQuery(), sort, 0, 1)[0][0], user="t"),
        lambda: store.rename_asset(listed(store, AssetQuery(), sort, 2, 1)[0][0], f"zzz_{next(renames)}", user="t"),
        lambda: store.upsert(record("aab_second", project="Beta")),
        lambda: store.restore_asset("aaa_first", user="t") if store.is_deleted("aaa_first") else None,
    ]
    for sort in (Sort("name", False), Sort("acquired", True), Sort("project", False)):
        for write in writes:
            assert listed(store, AssetQuery(), sort, 0, 10) == expected(store, AssetQuery(), sort, 0, 10)
            write()
            assert listed(store, AssetQuery(), sort, 10, 10) == expected(store, AssetQuery(), sort, 10, 10)


def test_a_write_by_another_process_between_blocks_is_seen(store, sql_url):
    """Another engine (as another gunicorn worker or instance) writes: this process's cache must not serve it stale."""
    other = SqlAssetStore(make_engine(sql_url), run_migrations=False)
    try:
        for n, sort in enumerate((Sort("name", False), Sort("acquired", True))):
            for offset in (0, 10):
                assert listed(store, AssetQuery(), sort, offset, 10) == expected(store, AssetQuery(), sort, offset, 10)
            other.upsert(record(f"aaa_{n}", acquired="2030-01-01T00:00:00+00:00"))
            assert listed(store, AssetQuery(), sort, 20, 10) == expected(store, AssetQuery(), sort, 20, 10)
            last = listed(store, AssetQuery(), sort, 0, 1)[1] - 10
            assert listed(store, AssetQuery(), sort, last, 10) == expected(store, AssetQuery(), sort, last, 10)
    finally:
        other.engine.dispose()


def test_totals_equal_count_star(store):
    projects = store.facets()["project"]
    queries = [*QUERIES, AssetQuery(project=tuple(projects[:2])), AssetQuery(project=(projects[0],), level=("raw",)),
               AssetQuery(modality=("(none)",)), AssetQuery(modality=("ecephys", "behavior")),
               AssetQuery(status=("Pass",), modality=("behavior",)), AssetQuery(subject=("7",))]
    for query in queries:
        assert store.list_assets(query, Sort(), 0, 1).total == oracle(store, query, Sort(), 0, 1)[1], query


# -- the grid's JSON: unchanged by the cheaper row building --------------------------------------------------


def _old_row_json(row) -> dict:
    """portal.views.grid.row_json over rows.to_asset_row as they were before issue 19 (the oracle)."""
    (id_, name, project, subject_id, acquired, level, source, modalities, status, modality_status, n_total, _n_pass,
     n_fail, n_pending, last_review_by, last_review_at, _version) = row
    review = f"{last_review_by or '?'} · {last_review_at.strftime('%Y-%m-%d %H:%M')}" if last_review_at else None
    return {
        "id": id_, "name": name, "project": project, "subject_id": subject_id,
        "modalities": ", ".join(tuple(m for m in (modalities or "").split(",") if m)),
        "acquired": acquired.isoformat() if acquired else None, "level": level, "status": status,
        "modality_status": modality_statuses(dict(modality_status or {})), "pending": n_pending, "fail": n_fail,
        "total": n_total, "last_review": review, "last_review_by": last_review_by,
        "last_review_at": last_review_at.strftime("%Y-%m-%d %H:%M") if last_review_at else None, "source": source,
    }


def test_grid_json_is_the_same_as_before(store):
    for query in (AssetQuery(), AssetQuery(status=("Fail",)), AssetQuery(text="_1"), AssetQuery(level=("derived",))):
        for sort in SORTS:
            model = [{"colId": sort.field, "sort": "desc" if sort.descending else "asc"}]
            total = oracle(store, query, sort, 0, 1)[1]
            for start in (0, 40, max(0, total - 40)):
                got = page_request(store, query, {"startRow": start, "endRow": start + 40, "sortModel": model})
                rows, count = oracle(store, query, sort, start, 40)
                derived = derived_counts(store, [r[1] for r in rows if not r[6]])
                want = [{**_old_row_json(r), "derived": derived.get(r[1], 0), "under": None} for r in rows]
                assert got == {"rowData": want, "rowCount": count}, (query, sort, start)


def test_the_cache_is_bounded(store):
    store._pager.cache.size = 5
    for offset in range(0, 60, 3):
        store.list_assets(AssetQuery(), Sort(), offset, 3)
    assert len(store._pager.cache) <= 5
    assert listed(store, AssetQuery(), Sort(), 60, 3) == expected(store, AssetQuery(), Sort(), 60, 3)


def test_reversed_order_is_the_exact_reverse(store):
    for sort in SORTS:
        forward = expected(store, AssetQuery(), sort, 0, 500)[0]
        assert expected(store, AssetQuery(), replace(sort, descending=not sort.descending), 0, 500)[0] == \
            forward[::-1]
