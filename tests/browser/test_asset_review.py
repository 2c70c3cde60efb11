"""Fail reasons and "Pass all Pending in this group" on the asset page, in real Chromium: a
Fail in a project with reasons cannot be saved without one (stopped beside its metric, nothing
lost across a reload), is saved with one and the reason shows in the history; a bulk Pass asks
first, naming the count, then writes one entry per Pending metric under the user's name and UTC
time; it waits while there are unsaved changes, keeps the passes over a conflict, and viewers
neither see it nor get it through a forged request. Metric names repeat in every fixture."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from components import ids
from portal import create_app
from portal.review import reasons as review_reasons
from portal.settings import load_settings
from tests.auth_helpers import add_user
from tests.browser.asset_helpers import (
    asset_url,
    card_by_key,
    counter_visible,
    screenshot,
    search_dropdown,
    settle,
    sign_in,
    stored_edits,
)
from tests.browser.conftest import LiveServer
from tests.review_shapes import DRIFT_A, DRIFT_B, NOISE_A, SPIKES_A, YIELD_A, history, probes, set_reasons

pytestmark = pytest.mark.browser
NAMES = {"rev_fail": "Reasoned", "rev_bulk": "Plain", "rev_busy": "Plain", "rev_view": "Plain",
         "rev_conflict": "Plain"}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("asset-review"), secret_key="browser-tests"))
    portal = app.server.extensions["qc_portal"]
    portal.store.upsert_many([probes(name, project) for name, project in NAMES.items()])
    set_reasons(portal, "Reasoned")
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    add_user(app, "root", "admin", display_name="Root Admin")
    with LiveServer(app) as server:
        server.portal = portal
        server.store = portal.store
        yield server


def _open(page, live, name: str, node: str) -> None:
    page.goto(asset_url(live.url, name, node=node))
    page.locator(f"#{ids.DETAIL_PAGE}").first.wait_for()
    settle(page)


def _filter_reasons(card, page, typed: str) -> None:
    """Open the card's reason picker and type into its search box (it filters as you type)."""
    search_dropdown(page, card.locator(".reason-picker"), typed)


def _choose_reason(card, page, typed: str, reason: str) -> None:
    _filter_reasons(card, page, typed)
    page.get_by_role("option", name=reason).click()
    settle(page)


def _counter(page, text: str) -> None:
    """Wait until the change counter says `text`."""
    page.wait_for_function("t => document.getElementById('detail-change-count')?.innerText === t", arg=text)


def _recent(at: str, before: datetime) -> bool:
    stamp = datetime.fromisoformat(at)
    return stamp.utcoffset().total_seconds() == 0 and before <= stamp <= datetime.now(UTC)


def test_a_fail_needs_a_reason_before_it_is_saved_and_then_shows_it(page, live):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live.url, "ann")
    _open(page, live, "rev_fail", "ProbeB")
    asset_id = live.store.get("rev_fail").id
    card = card_by_key(page, DRIFT_B)
    box = card.locator(".reason-box")
    assert box.count() == 1 and not box.is_visible()  # only with a Fail
    card.locator("label:text-is('Fail')").click()
    box.wait_for(state="visible")
    page.get_by_text("1 Fail needs a reason").wait_for()
    _filter_reasons(card, page, "noi")
    screenshot(page, "asset-reason-picker.png")
    assert page.get_by_role("option", name="Noisy channel").is_visible()
    assert not page.get_by_role("option", name="Saturated").is_visible()  # filtered out
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Submit").click()
    page.locator(".reasons-needed").wait_for()
    assert "Nothing was saved: 1 Fail needs a reason" in page.locator(".reasons-needed").inner_text()
    feedback = card.locator(".reason-feedback")
    feedback.wait_for(state="visible")
    assert "Choose a reason to save this Fail" in feedback.inner_text()
    assert not card_by_key(page, DRIFT_A).count()  # its same-named twin (ProbeA) is not on this node
    assert len(history(live.store, "rev_fail", DRIFT_B)) == 1 and stored_edits(page)[asset_id]["metrics"][DRIFT_B]
    # Nothing lost: reload, and the Fail is still there; choose a reason (typed) and a comment.
    page.reload()
    settle(page)
    card = card_by_key(page, DRIFT_B)
    card.locator(".reason-box").wait_for(state="visible")
    _choose_reason(card, page, "noi", "Noisy channel")
    card.locator("input.reason-comment").fill("channel 12 hums")
    card.locator("input.reason-comment").press("Enter")
    page.wait_for_function(f"() => (localStorage.getItem({json.dumps(ids.DETAIL_EDITS)}) || '')"
                           ".includes('channel 12 hums')", timeout=10_000)
    settle(page)
    edit = stored_edits(page)[asset_id]["metrics"][DRIFT_B]
    assert (edit["status"], edit["reason"], edit["comment"]) == ("Fail", "Noisy channel", "channel 12 hums")
    page.reload()  # the reason and comment are part of the unsaved change: kept with it
    settle(page)
    card = card_by_key(page, DRIFT_B)
    assert "Noisy channel" in card.locator(".reason-picker").inner_text()
    assert card.locator("input.reason-comment").input_value() == "channel 12 hums"
    assert not page.get_by_text("needs a reason").count()
    page.locator(f"#{ids.DETAIL_PREVIEW}").locator("xpath=..").locator("summary").click()
    preview = page.locator(f"#{ids.DETAIL_PREVIEW}").inner_text()
    assert "Fail (reason: Noisy channel)" in preview and "comment channel 12 hums" in preview
    assert page.locator(f"#{ids.DETAIL_CHANGE_COUNT}").inner_text() == "2 unsaved changes"
    before = datetime.now(UTC).replace(microsecond=0)
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Saved 2 changes.").wait_for()
    settle(page)
    entry = history(live.store, "rev_fail", DRIFT_B)[-1]
    assert (entry["evaluator"], entry["status"]) == ("Ann Reviewer", "Fail") and _recent(entry["timestamp"], before)
    [kept] = review_reasons.explained(live.store, asset_id)
    assert (kept.metric_key, kept.reason, kept.comment) == (DRIFT_B, "Noisy channel", "channel 12 hums")
    page.wait_for_function("key => document.querySelector(`[data-metric-key=\"${key}\"]`)"
                           "?.getAttribute('data-status') === 'Fail'", arg=DRIFT_B)  # the cards re-read
    settle(page)
    card = card_by_key(page, DRIFT_B)
    card.locator(".metric-history summary").click()
    card.locator(".history-entry").first.wait_for()
    newest = card.locator(".history-entry").first
    assert "Ann Reviewer" in newest.inner_text() and newest.locator(".entry-reason").inner_text() == "Noisy channel"
    assert not card.locator(".reason-box").is_visible()  # saved: the Fail is no longer unsaved
    assert not counter_visible(page)


def test_a_fail_set_by_a_choice_asks_for_no_reason(page, live):
    sign_in(page, live.url, "ann")
    _open(page, live, "rev_fail", "ProbeA")
    spikes = card_by_key(page, SPIKES_A)
    assert spikes.locator(".reason-box").count() == 0
    spikes.locator(".value-dropdown").click()
    page.get_by_role("option", name=re.compile("^Noisy")).click()
    _counter(page, "2 unsaved changes")
    assert not page.get_by_text("needs a reason").count()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Saved 2 changes.").wait_for()
    assert history(live.store, "rev_fail", SPIKES_A)[-1]["status"] == "Fail"


def test_pass_all_pending_in_a_group_asks_then_writes_one_entry_each(page, live):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live.url, "ann")
    _open(page, live, "rev_bulk", "ProbeA")
    button = page.locator(".bulk-pass")
    assert button.inner_text() == "Pass all Pending in this group (3)" and button.is_enabled()
    button.click()
    question = page.locator(".bulk-modal .bulk-question")
    question.wait_for()
    assert question.inner_text() == "Pass 3 Pending metrics in ProbeA?"
    assert page.locator(".bulk-modal .bulk-metrics li").count() == 3
    page.wait_for_function("() => getComputedStyle(document.querySelector('.bulk-modal')).opacity === '1'")
    screenshot(page, "asset-bulk-confirm.png")  # once faded in
    page.get_by_role("button", name="Cancel").click()  # nothing is written
    question.wait_for(state="hidden")
    assert len(history(live.store, "rev_bulk", DRIFT_A)) == 1
    button.click()
    before = datetime.now(UTC).replace(microsecond=0)
    page.get_by_role("button", name="Pass 3 metrics").click()
    page.get_by_text("Passed 3 metrics in ProbeA.").wait_for()
    page.wait_for_function("key => document.querySelector(`[data-metric-key=\"${key}\"]`)"
                           "?.getAttribute('data-status') === 'Pass'", arg=YIELD_A)  # the cards re-read
    settle(page)
    for key in (DRIFT_A, NOISE_A, YIELD_A):
        entries = history(live.store, "rev_bulk", key)
        assert len(entries) == 2 and (entries[-1]["evaluator"], entries[-1]["status"]) == ("Ann Reviewer", "Pass")
        assert _recent(entries[-1]["timestamp"], before)
        assert card_by_key(page, key).get_attribute("data-status") == "Pass"
    assert len(history(live.store, "rev_bulk", DRIFT_B)) == 1  # the same-named metric of ProbeB is untouched
    assert len(history(live.store, "rev_bulk", SPIKES_A)) == 1  # its status follows a choice
    assert page.locator(".bulk-pass").count() == 0  # nothing Pending is left to pass by hand here
    assert page.locator(f"#{ids.DETAIL_OVERALL_STATUS} [data-status]").first.get_attribute("data-status") == "Pending"


def test_the_bulk_pass_waits_while_there_are_unsaved_changes(page, live):
    sign_in(page, live.url, "ann")
    _open(page, live, "rev_busy", "ProbeA")
    button = page.locator(".bulk-pass")
    card_by_key(page, NOISE_A).locator("label:text-is('Fail')").click()
    _counter(page, "1 unsaved change")
    page.wait_for_function("() => document.querySelector('.bulk-pass').disabled")
    assert "Submit or discard your changes above first" in page.locator(".bulk-hint").inner_text()
    page.get_by_role("button", name="Discard").click()
    page.wait_for_function("() => !document.querySelector('.bulk-pass')?.disabled")
    settle(page)
    assert button.is_enabled() and not page.locator(".bulk-hint").inner_text()


def test_a_bulk_pass_meeting_someone_elses_decision_keeps_the_passes_to_resolve(page, live):
    from portal.accounts.auth import User
    from portal.review.annotation_service import submit
    from portal.store.protocol import Annotation, MetricEdit

    sign_in(page, live.url, "ann")
    _open(page, live, "rev_conflict", "ProbeA")
    stored = live.store.get("rev_conflict")  # meanwhile an admin fails Yield on ProbeA
    submit(live.portal, User(live.portal.users.get("root")),
           Annotation(stored.id, stored.version, (MetricEdit(key=YIELD_A, status="Fail", seen_history=1),)))
    page.locator(".bulk-pass").click()
    page.get_by_role("button", name="Pass 3 metrics").click()
    page.locator(".conflicts").wait_for()
    assert page.locator(".conflict-row").get_attribute("data-metric-key") == YIELD_A
    assert "Root Admin" in page.locator(".conflict-row").inner_text()
    _counter(page, "3 unsaved changes")  # the passes, kept
    assert len(history(live.store, "rev_conflict", DRIFT_A)) == 1  # nothing written
    page.get_by_role("button", name="Drop mine").click()
    _counter(page, "2 unsaved changes")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Saved 2 changes.").wait_for()
    assert [h["status"] for h in history(live.store, "rev_conflict", YIELD_A)] == ["Pending", "Fail"]
    assert history(live.store, "rev_conflict", DRIFT_A)[-1]["evaluator"] == "Ann Reviewer"


def test_viewers_see_no_bulk_pass_or_reason_picker_and_a_forged_request_is_refused(page, live):
    sign_in(page, live.url, "vic")
    _open(page, live, "rev_view", "ProbeA")
    assert page.locator(".bulk-pass").count() == 0 and page.locator(".reason-box").count() == 0
    stored = live.store.get("rev_view")
    chosen = {"node": "ProbeA", "title": "ProbeA", "version": stored.version, "left": 0,
              "metrics": [{"key": DRIFT_A, "name": "Drift", "n": 1}]}
    deps = page.evaluate("() => fetch('/_dash-dependencies').then(r => r.json())")
    dep = next(d for d in deps if any(i["id"] == ids.DETAIL_BULK_CONFIRM for i in d["inputs"]))
    states = {ids.DETAIL_BULK_CHOSEN: chosen, ids.DETAIL_EDITS: {}, ids.DETAIL_REFRESH: 0,
              ids.DETAIL_ASSET: {"id": stored.id, "name": stored.name, "version": stored.version}}
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1].split("@")[0]}
               for part in dep["output"][2:-2].split("...")]
    body = {"output": dep["output"], "outputs": outputs, "changedPropIds": [f"{ids.DETAIL_BULK_CONFIRM}.n_clicks"],
            "inputs": [{"id": ids.DETAIL_BULK_CONFIRM, "property": "n_clicks", "value": 1}],
            "state": [{"id": s["id"], "property": s["property"], "value": states[s["id"]]} for s in dep["state"]]}
    text = page.evaluate("""body => fetch('/_dash-update-component', {method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)}).then(r => r.text())""", body)
    assert "Your role (viewer) may not annotate" in text and "Passed" not in text
    assert live.store.get("rev_view").version == stored.version and len(history(live.store, "rev_view", DRIFT_A)) == 1
    json.loads(text)  # a JSON answer (the error banner), not a crash
