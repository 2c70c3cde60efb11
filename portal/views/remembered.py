"""Read results the busiest pages share, kept per process while the store is unchanged (issue 19).

Everyone who opens the overview asks for the same counts, filter options and first grid
block, a project page is read by its whole team, and an asset page and each of its callbacks
(a node click, "Show more", a save) read the same document again; recomputing them was most
of those requests' CPU (bench/README.md, "Results kept while the store is unchanged"). A result is
kept with the store's snapshot token (`store.snapshot()`, see portal.store.sql.paging's
Freshness) taken *before* it was computed, and reused only while a new token equals it:
any commit by any process (an annotation, an ingest, another worker's write) makes every
kept result a miss. A result computed while a commit landed may be newer than its token;
the next token differs, so it is never served past that commit. A store that cannot tell
(DocDB: `snapshot()` is None) computes every time.

Kept values are shared by a worker's threads: callers must not change them (views hand
them to components, which only read).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar
from weakref import WeakKeyDictionary

from portal.store.sql.paging import PageCache  # a bounded LRU of values valid for one token

T = TypeVar("T")

# Entries per kind of result, per store. A grid block of 100 rows is ~60 KB; larger blocks
# are not kept (GRID_ROWS_KEPT), so the grid's share stays under ~15 MB.
# An asset page's detail (portal.views.asset.model) of 500 metrics holds ~0.75 MB: 16 are kept.
SIZES = {"grid": 128, "overview": 32, "filters": 4, "project_page": 16, "detail": 16}
GRID_ROWS_KEPT = 200

_caches: WeakKeyDictionary = WeakKeyDictionary()
_lock = threading.Lock()


def _cache(store, kind: str) -> PageCache:
    with _lock:
        per_store = _caches.get(store)
        if per_store is None:
            per_store = _caches[store] = {name: PageCache(size) for name, size in SIZES.items()}
        return per_store[kind]


def remembered(store, kind: str, key: Hashable, compute: Callable[[], T],
               still: Callable[[T], bool] | None = None) -> T:
    """`compute()`, or what it returned for `key` when the store is unchanged since (see the module doc).

    `still(value)`, if given, says whether a kept value still holds for reasons other than the
    store: an asset's statuses change with the clock when a history holds a later entry.
    """
    token = store.snapshot()
    if token is None:
        return compute()
    cache = _cache(store, kind)
    found = cache.get(key, token)
    if found is None or (still is not None and not still(found)):
        found = compute()
        cache.put(key, token, found)
    return found
