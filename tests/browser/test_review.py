"""The review queue in real Chromium: clearing 20 items with 20 key presses, undo, two
reviewers on one queue, viewers, keys while typing, and how the page looks at 1280 and 1920.

Every wait is for a condition (the item shown changes, a message appears), never a fixed
delay: the machine running these is shared and loaded."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from portal import create_app
from portal.demo import write_demo
from portal.settings import load_settings
from portal.store.sql import reviews
from portal.transfer.ingest import find_sources, ingest_items, source_items
from tests.auth_helpers import add_user
from tests.browser.asset_helpers import screenshot, settle, sign_in
from tests.browser.conftest import LiveServer
from tests.records import metric, record

pytestmark = pytest.mark.browser

ITEM = "[data-review-item]"


def _pending(names, **kw):
    return [metric(n, "Pending", **kw) for n in names]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("review")
    app = create_app(load_settings(data_dir=data, secret_key="browser-tests"))
    portal = app.server.extensions["qc_portal"]
    folder = write_demo(data, 6)  # real references (images, videos) for the screenshots and prefetching
    assert ingest_items(portal.store, source_items(find_sources([str(folder)])), actor="demo").ok
    records = [
        # Clear: 20 Pending over two assets, grouped by a tag (the review order is the grouping's, not the document's)
        record("clear-1", project="Clear", acquired="2025-02-01T00:00:00+00:00",
               metrics=[metric(f"c1-{i}", "Pending", tags={"probe": "B" if i % 2 else "A"}) for i in range(12)]),
        record("clear-2", project="Clear", acquired="2025-02-02T00:00:00+00:00",
               metrics=_pending([f"c2-{i}" for i in range(8)]) + [metric("done", "Pass")]),
        record("undo-1", project="Undo", metrics=_pending(["u1", "u2"])),
        record("race-1", project="Race", metrics=_pending(["r1", "r2"])),
        record("typing-1", project="Typing", metrics=_pending(["t1", "t2"])),
        record("viewer-1", project="Viewer", metrics=_pending(["v1"])),
        record("reasons-1", project="Reasons", metrics=_pending(["x1", "x2", "x3", "x4"])),
    ]
    records[0]["quality_control"]["default_grouping"] = ["probe"]
    portal.store.upsert_many(records)
    with portal.store.engine.begin() as connection:
        reviews.set_reasons(connection, "Reasons", ["Drift", "Noisy channels", "Out of brain"], user="test",
                            now=datetime.now(UTC))
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "bob", "annotator", display_name="Bob Second")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    with LiveServer(app) as server:
        server.store = portal.store
        yield server


def _item(page) -> tuple[str, str, str]:
    node = page.locator(ITEM)
    return node.get_attribute("data-asset"), node.get_attribute("data-metric-key"), node.get_attribute("data-status")


def _open(page, live, search: str) -> None:
    page.goto(f"{live.url}/review{search}")
    page.locator(ITEM).first.wait_for()
    settle(page)


def _press_and_wait(page, key: str, *, until: str = "changed") -> None:
    """Press a key and wait for the item to be rendered again (a new render token)."""
    before = page.locator(ITEM).get_attribute("data-render")
    page.keyboard.press(key)
    page.wait_for_function(
        "before => { const n = document.querySelector('[data-review-item]'); const e = "
        "document.querySelector('[data-review-empty]'); return e || (n && n.getAttribute('data-render') !== before); }",
        arg=before, timeout=15_000)


def _history(live, asset: str, name: str) -> list[dict]:
    qc = live.store.get(asset).record["quality_control"]
    return next(m for m in qc["metrics"] if m["name"] == name)["status_history"]


def test_a_reviewer_clears_twenty_items_with_twenty_key_presses(page, live):
    sign_in(page, live.url, "ann")
    started = datetime.now(UTC) - timedelta(seconds=1)
    _open(page, live, "?project=Clear")
    assert page.locator("[data-review-progress]").get_attribute("data-review-progress") == "1/20"
    seen, presses, decided = [], 0, {}
    for number in range(20):
        asset, key, status = _item(page)
        assert status == "Pending"
        seen.append((asset, key))
        choice = "p" if number % 3 else "f"
        decided[(asset, key)] = "Pass" if choice == "p" else "Fail"
        _press_and_wait(page, choice)
        presses += 1
    page.locator("[data-review-empty]").wait_for()
    assert presses <= 22
    # The grouping order: clear-1's probe A metrics (even numbers) before probe B's, then clear-2.
    names = [key.split(" [")[0] for _asset, key in seen]
    assert names[:12] == [f"c1-{i}" for i in range(0, 12, 2)] + [f"c1-{i}" for i in range(1, 12, 2)]
    assert names[12:] == [f"c2-{i}" for i in range(8)]
    for (asset, key), status in decided.items():
        entries = _history(live, asset, key.split(" [")[0])
        assert len(entries) == 2, entries
        entry = entries[-1]
        assert entry["status"] == status and entry["evaluator"] == "Ann Reviewer"
        at = datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
        assert at.utcoffset() == timedelta(0) and started <= at <= datetime.now(UTC)
    assert live.store.review_queue(_query("Clear")).total == 0


def _query(project: str):
    from portal.store.protocol import AssetQuery

    return AssetQuery(project=(project,))


def _explained(live, asset: str) -> list[tuple[str, str, str | None, str | None]]:
    stored = live.store.get(asset)
    with live.store.engine.connect() as connection:
        rows = reviews.asset_entries(connection, stored.id)
    return [(r.metric_key.split(" [")[0], r.status, r.reason, r.comment) for r in rows]


def test_a_fail_asks_for_a_reason_chosen_by_number_by_typing_or_with_a_comment(page, live):
    sign_in(page, live.url, "ann")
    _open(page, live, "?project=Reasons")
    assert _item(page)[1].startswith("x1")
    picker = page.locator("[data-review-item] [data-reason-panel]")
    page.keyboard.press("f")  # opens the picker: nothing is sent without a reason
    picker.wait_for(state="visible")
    assert _item(page)[2] == "Pending" and len(_history(live, "reasons-1", "x1")) == 1
    _press_and_wait(page, "2")  # the second reason
    assert _item(page)[1].startswith("x2")
    page.keyboard.press("f")
    picker.wait_for(state="visible")
    page.keyboard.type("bra")  # typed into the filter: "Out of brain" is the only match, highlighted
    page.wait_for_function("() => document.querySelectorAll('[data-review-item] [data-reason]:not([hidden])')"
                           ".length === 1")
    screenshot(page, "review-reason-picker.png")
    _press_and_wait(page, "Enter")
    assert _item(page)[1].startswith("x3")
    page.keyboard.press("f")
    picker.wait_for(state="visible")
    page.keyboard.press("Escape")  # cancelled: back to the keys
    picker.wait_for(state="hidden")
    page.keyboard.press("f")
    picker.wait_for(state="visible")
    page.locator("[data-review-item] .review-comment").click()
    page.keyboard.type("shank 2 only; 1 2 3")  # digits typed in the comment are text, not reasons
    page.keyboard.press("Escape")  # leaves the box for the keys
    _press_and_wait(page, "1")
    assert _item(page)[1].startswith("x4")
    _press_and_wait(page, "p")  # a Pass needs no reason
    page.locator("[data-review-empty]").wait_for()
    assert _explained(live, "reasons-1") == [
        ("x1", "Fail", "Noisy channels", None), ("x2", "Fail", "Out of brain", None),
        ("x3", "Fail", "Drift", "shank 2 only; 1 2 3"), ("x4", "Pass", None, None)]


def test_undo_appends_the_previous_status(page, live):
    sign_in(page, live.url, "ann")
    _open(page, live, "?project=Undo")
    first = _item(page)
    _press_and_wait(page, "p")
    assert _item(page)[1] != first[1]
    _press_and_wait(page, "u")
    assert _item(page) == (first[0], first[1], "Pending")
    assert page.locator("[data-review-message=info]").inner_text().startswith("Undone")
    assert [e["status"] for e in _history(live, "undo-1", "u1")] == ["Pending", "Pass", "Pending"]
    # The URL holds the position: a reload comes back to the same item.
    page.reload()
    page.locator(ITEM).first.wait_for()
    assert _item(page)[:2] == first[:2]


def test_a_second_reviewer_meets_a_conflict_and_loses_nothing(browser, live):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 900}) for _ in range(2)]
    try:
        ann, bob = (context.new_page() for context in contexts)
        sign_in(ann, live.url, "ann")
        sign_in(bob, live.url, "bob")
        _open(ann, live, "?project=Race")
        _open(bob, live, "?project=Race")
        assert _item(ann) == _item(bob)
        _press_and_wait(ann, "p")
        _press_and_wait(bob, "f")
        message = bob.locator("[data-review-message=danger]")
        assert "Ann Reviewer set Pass" in message.inner_text() and "not saved" in message.inner_text()
        assert _item(bob)[1].startswith("r1") and _item(bob)[2] == "Pass"  # shown as it is now
        assert [e["status"] for e in _history(live, "race-1", "r1")] == ["Pending", "Pass"]
        _press_and_wait(bob, "f")  # decided again, knowingly: added after Ann's entry
        entries = _history(live, "race-1", "r1")
        assert [(e["evaluator"], e["status"]) for e in entries[1:]] == [
            ("Ann Reviewer", "Pass"), ("Bob Second", "Fail")]
        assert _item(bob)[1].startswith("r2")
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("who", ["vic", None])
def test_viewers_and_visitors_cannot_review(page, live, who):
    if who:
        sign_in(page, live.url, who)
    page.goto(f"{live.url}/review?project=Viewer")
    refusal = page.locator(".review-refused")
    refusal.wait_for()
    assert ("may not review" if who else "Sign in") in refusal.inner_text()
    assert page.locator(ITEM).count() == 0
    page.keyboard.press("p")
    settle(page)
    assert len(_history(live, "viewer-1", "v1")) == 1


def test_keys_are_not_captured_while_typing(page, live):
    sign_in(page, live.url, "ann")
    _open(page, live, "?project=Typing")
    shown = _item(page)
    page.evaluate("() => { const i = document.createElement('input'); i.id = 'scratch'; "
                  "document.querySelector('[data-review-page]').prepend(i); "
                  "const t = document.createElement('textarea'); t.id = 'scratch2'; "
                  "document.querySelector('[data-review-page]').prepend(t); }")
    page.fill("#scratch", "")
    page.locator("#scratch").press_sequentially("pfnjku")
    page.locator("#scratch2").press_sequentially("pf?")
    assert page.locator("#scratch").input_value() == "pfnjku"
    settle(page)
    assert _item(page) == shown
    assert page.locator("#review-help").is_hidden()
    assert len(_history(live, "typing-1", "t1")) == 1
    # Outside a field the same keys work: `?` shows the keys, Escape hides them.
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("?")
    page.locator("#review-help").wait_for(state="visible")
    page.keyboard.press("Escape")
    page.locator("#review-help").wait_for(state="hidden")


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_screenshots_with_a_real_reference_and_the_next_one_prefetched(browser, live, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, live.url, "ann")
        # The demo assets: references that are real images; the next item's is loaded hidden.
        page.goto(f"{live.url}/review?project=Dynamic%20Routing")
        page.locator(ITEM).first.wait_for()
        settle(page)
        assert page.locator(".review-progress").is_visible() and page.locator(".review-asset-progress").is_visible()
        assert page.locator(".review-reference img, .review-reference video").count() >= 1
        page.wait_for_function("() => [...document.querySelectorAll('.review-reference img')]"
                               ".every(i => i.complete && i.naturalWidth > 0)", timeout=15_000)
        page.keyboard.press("?")
        page.locator("#review-help").wait_for(state="visible")
        screenshot(page, f"review-help-{size[0]}.png")
        page.keyboard.press("Escape")
        screenshot(page, f"review-{size[0]}.png")
        box = page.locator(".review-progress").bounding_box()
        assert box and box["y"] + box["height"] <= size[1], "the progress is out of sight"
        assert not errors, errors
    finally:
        context.close()


def test_the_navbar_links_the_queue(page, live):
    page.goto(live.url + "/")
    link = page.locator("#nav-review")
    link.wait_for()
    assert json.loads(json.dumps(link.get_attribute("href"))).endswith("/review")
