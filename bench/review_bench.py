"""The review queue (`/review`) measured through the running app and in the store.

- `review_queue_ms`: the store's first page of the queue (50 assets, every asset, oldest
  first: keyset over the covering sort index), called directly; `review_queue_filtered_ms`
  the same under a project filter and `review_queue_deep_ms` a page starting at the
  1000th asset (a keyset position; its `before` counts the queued metrics of the 999 ahead);
- `review_page_ms`: the pages callback for `/review` signed in as an annotator (the first
  item found, its reference resolved, the next item read for prefetching);
- `review_decide_ms`: one key press `p` over HTTP (POST /_dash-update-component, the
  payload assets/review.js sends): the decision saved through the annotation service,
  then the next item found and rendered, each call on the item the previous one served;
- `review_next_ms`: one key press `j` (reading only: the next item).
"""

from __future__ import annotations

import time

from bench.http_bench import Recorder, page_body, sign_in
from components import ids
from portal.store.protocol import AssetQuery
from tests.dash_client import DashClient
from tests.gunicorn_proc import HttpClient, find_props


def _dependency(dash: DashClient, store_id: str) -> str:
    found = [d["output"] for d in dash.dependencies if any(i["id"] == store_id for i in d["inputs"])]
    if len(found) != 1:
        raise RuntimeError(f"{len(found)} callbacks listen to {store_id}")
    return found[0]


def _presser(dash: DashClient, store_id: str, action: str, current: dict):
    """A call that sends one key press on the item in `current` and keeps the item it answers with."""
    output = _dependency(dash, store_id)

    def press() -> None:
        state = current["state"]
        data = {"action": action, "at": time.time(), "item": [state["asset"], state["key"]]}
        values = {f"{store_id}.data": data, f"{ids.REVIEW_STATE}.data": state,
                  f"{ids.REVIEW_SESSION}.data": current.get("session")}
        code, answer = dash.call(output, values, [f"{store_id}.data"])
        response = (answer or {}).get("response", {})
        fresh = response.get(ids.REVIEW_STATE, {}).get("data")
        if code != 200 or not fresh or fresh.get("end"):
            raise RuntimeError(f"review {action}: answered {code} without a next item: {str(answer)[:300]}")
        if "review-message" in str(response.get(ids.REVIEW_ITEM)):
            raise RuntimeError(f"review {action}: {str(response.get(ids.REVIEW_ITEM))[:400]}")
        current["state"] = fresh
        current["session"] = response.get(ids.REVIEW_SESSION, {}).get("data")

    return press


def measure(base: str, store, repeat: int, user: tuple[str, str], timed, cpu=None) -> dict:
    """The review figures of the module docstring (`timed`: bench.run.timed, for the store calls)."""
    result: dict = {}
    everything = AssetQuery()
    project = next(iter(store.facets()["project"]), None)
    first = store.review_queue(everything, limit=1000)
    last = first.assets[-1].name if first.assets else None
    result["review_queue_ms"], result["review_queue_p99_ms"] = timed(lambda: store.review_queue(everything, limit=50),
                                                                     repeat)
    filtered = AssetQuery(project=(project,)) if project else everything
    result["review_queue_filtered_ms"], result["review_queue_filtered_p99_ms"] = timed(
        lambda: store.review_queue(filtered, limit=50), repeat)
    result["review_queue_deep_ms"], result["review_queue_deep_p99_ms"] = timed(
        lambda: store.review_queue(everything, start=last, limit=50), repeat)
    result["review_queue_total_items"] = first.total

    reviewer = HttpClient(base)
    sign_in(reviewer, *user)
    dash = DashClient(reviewer)
    record = Recorder(result, cpu)
    page = page_body(dash, "/review")
    code, data = dash.post(page)
    state = find_props(data, ids.REVIEW_STATE)["data"] if code == 200 and data else None
    if not state:
        raise RuntimeError(f"/review answered {code} without an item")
    record("review_page", lambda: dash.post(page), repeat)
    current = {"state": state, "session": None}
    record("review_next", _presser(dash, ids.REVIEW_MOVE, "next", current), repeat)
    record("review_decide", _presser(dash, ids.REVIEW_DECIDE, "pass", current), repeat)
    return result
