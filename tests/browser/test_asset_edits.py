"""Edits on the asset page in real Chromium: opening a page never creates one (demo assets,
real-shaped fixtures, the shared real documents), viewers and anonymous visitors never see
a change counter, and a metric that shares its name with another is annotated exactly."""

from __future__ import annotations

import json
import re

import pytest

from components import ids
from portal import create_app
from portal.demo import build_records, read_manifest, write_demo
from portal.qc import dump_qc, load_qc
from portal.settings import load_settings
from portal.transfer.ingest import find_sources, ingest_items, source_items
from tests.auth_helpers import add_user
from tests.browser.asset_helpers import (
    asset_url,
    card_by_key,
    counter_visible,
    screenshot,
    settle,
    sign_in,
    stored_edits,
)
from tests.browser.conftest import LiveServer
from tests.real_shapes import real_shapes, shared_fixtures

pytestmark = pytest.mark.browser

DEMO_ASSETS = 20  # the showcase (14) and a seeded sample of the bulk data set
# Cards opened per demo asset: the 200-metric showcase asset repeats its 20 metric shapes per
# probe, and every "show more" re-renders all cards (34 s for all 200 on a shared machine).
# The fixtures (the real 182-metric DocDB record among them) are opened in full.
DEMO_CARDS = 90


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("asset-edits")
    app = create_app(load_settings(data_dir=data, secret_key="browser-tests"))
    portal = app.server.extensions["qc_portal"]
    folder = write_demo(data, DEMO_ASSETS)
    report = ingest_items(portal.store, source_items(find_sources([str(folder)])), actor="demo")
    assert report.ok, report.failures
    fixtures = real_shapes() + shared_fixtures()
    portal.store.upsert_many(fixtures)
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    with LiveServer(app) as server:
        server.store = portal.store
        server.demo = [rec["name"] for rec in build_records(DEMO_ASSETS)]
        server.fixtures = [f["name"] for f in fixtures]
        server.showcase = read_manifest(folder)["showcase"]
        yield server


def canonical(quality_control: dict) -> list[dict]:
    """The metrics as the store writes them back (a write re-validates the whole document:
    timestamps become ISO, defaults are filled in), to compare a document before and after."""
    return dump_qc(load_qc(quality_control))["metrics"]


def open_everything(page, url: str, cards: int | None = None) -> None:
    """Open an asset page with all its metrics in one node, every card shown (or at least
    `cards` of them), the value widgets enabled ("allow edits", for annotators), and wait
    until nothing happens."""
    page.goto(url)
    page.locator(f"#{ids.DETAIL_PAGE}").first.wait_for()
    settle(page)
    more = page.locator(f"#{ids.DETAIL_MORE}")
    while more.count() and more.is_visible():
        shown = page.locator("[data-metric]").count()
        if cards is not None and shown >= cards:
            break
        more.click()
        page.wait_for_function("n => document.querySelectorAll('[data-metric]').length > n", arg=shown)
        settle(page)
    switch = page.locator(f"input#{ids.DETAIL_ALLOW_EDITS}")
    if switch.count() and switch.is_visible():
        switch.check()
        settle(page)


def phantoms(page, live, name: str, cards: int | None = None) -> list[str]:
    """What opening `name`'s page as the signed-in user changed (nothing, we hope)."""
    before = live.store.get(name)
    open_everything(page, asset_url(live.url, name, group="none"), cards)
    found = []
    state = stored_edits(page).get(before.id)
    if state:
        found.append(f"{name}: local storage holds {json.dumps(state)[:300]}")
    if counter_visible(page):
        found.append(f"{name}: the change counter shows {page.locator(f'#{ids.DETAIL_CHANGE_COUNT}').inner_text()!r}")
    if live.store.get(name).version != before.version:
        found.append(f"{name}: the store's version changed")
    return found


def test_the_fixtures_cover_what_real_documents_do(live):
    assert len(live.showcase) == 14 and set(live.showcase) <= set(live.demo)
    assert len(live.demo) == DEMO_ASSETS
    assert {"shapes_widgets", "shapes_curations", "shapes_twins"} <= set(live.fixtures)
    assert len(live.fixtures) >= 5, "the shared fixtures (/work/shared/fixtures) are missing"


def test_opening_any_asset_page_as_an_annotator_creates_no_edit(page, live):
    sign_in(page, live.url, "ann")
    found = []
    for name in live.demo:
        found += phantoms(page, live, name, cards=DEMO_CARDS)
    for name in live.fixtures:
        found += phantoms(page, live, name)
    assert not found, "\n".join(found)


def test_values_a_widget_cannot_show_are_marked_and_left_alone(page, live):
    sign_in(page, live.url, "ann")
    open_everything(page, asset_url(live.url, "shapes_widgets", group="none"))
    notes = {card.get_attribute("data-metric"): card.locator(".value-note").inner_text()
             for card in page.locator("[data-metric]").all() if card.locator(".value-note").count()}
    assert notes == {
        "Artifacts blank": "stored value: '' — not a list of options; unchanged unless you choose",
        "Artifacts scalar": "stored value: 'Noise' — not a list of options; unchanged unless you choose",
        "Artifacts stray": 'stored value: ["Noise", "Ghost"] — includes choices that are not options; '
                           "unchanged unless you choose",
        "Spikes renamed": "stored value: 'Good (legacy label)' — not one of the options; unchanged unless you choose",
    }
    screenshot(page, "asset-marked-values.png")
    # Acting on a marked widget is an edit; undoing it is none.
    blank = page.locator("[data-metric='Artifacts blank'] input[type=checkbox]").first
    blank.check()
    page.get_by_text("2 unsaved changes").wait_for()  # the value, and the status its options set
    page.locator("[data-metric='Spikes renamed'] .value-dropdown").click()
    page.get_by_role("option", name=re.compile("^No spikes")).click()
    page.get_by_text("4 unsaved changes").wait_for()
    page.locator(f"#{ids.DETAIL_PREVIEW}").locator("xpath=..").locator("summary").click()
    screenshot(page, "asset-change-bar.png")
    preview = page.locator(f"#{ids.DETAIL_PREVIEW}").text_content()
    assert "Artifacts blank" in preview and '"" → ["Motion"]' in preview.replace("'", '"')
    assert "Good (legacy label) → No spikes" in preview
    blank.uncheck()
    page.get_by_text("2 unsaved changes").wait_for()
    page.get_by_role("button", name="Discard").click()
    page.locator(f"#{ids.DETAIL_CHANGES}").wait_for(state="hidden")
    settle(page)
    assert not stored_edits(page).get(live.store.get("shapes_widgets").id)


def test_a_submit_writes_only_what_was_changed(page, live):
    sign_in(page, live.url, "ann")
    before = canonical(live.store.get("shapes_widgets").record["quality_control"])
    open_everything(page, asset_url(live.url, "shapes_widgets", group="none"))
    page.locator("[data-metric='Saturated'] label:text-is('Fail')").click()
    page.get_by_text("1 unsaved change").wait_for()
    page.get_by_role("button", name="Submit").click()
    page.locator(".submit-saved").wait_for()
    after = live.store.get("shapes_widgets").record["quality_control"]["metrics"]
    changed = [b["name"] for b, a in zip(before, after, strict=True) if a != b]
    assert changed == ["Saturated"]
    assert [m["value"] for m in after] == [m["value"] for m in before]  # "" stays "", the stray label stays
    assert after[-2]["status_history"][-1]["evaluator"] == "Ann Reviewer"


@pytest.mark.parametrize("who", [None, "vic"])
def test_viewers_and_anonymous_visitors_never_see_a_counter_or_record_edits(page, live, who):
    if who:
        sign_in(page, live.url, who)
    target = live.store.get("shapes_twins")
    key = "Drift [ecephys, Raw data, probe=ProbeB]"
    # Edits left in local storage (say, by an annotator who signed out) are not shown to them.
    page.goto(live.url + "/")
    page.evaluate("([k, v]) => window.localStorage.setItem(k, v)", [ids.DETAIL_EDITS, json.dumps({target.id: {
        "metrics": {key: {"key": key, "name": "Drift", "status": "Fail", "seen_history": 1, "version": 1}}}})])
    for name in ("shapes_widgets", "shapes_twins", live.fixtures[-1], live.showcase[0]):
        open_everything(page, asset_url(live.url, name, group="none"))
        assert not counter_visible(page), name
    assert set(stored_edits(page)) == {target.id}  # nothing recorded, nothing rewritten
    # Their widget events record nothing: the callback refuses them on the server.
    open_everything(page, asset_url(live.url, "shapes_widgets", group="none"))
    page.evaluate("""() => {
        const box = document.querySelector("[data-metric='Artifacts blank'] input[type=checkbox]");
        box.disabled = false; box.click();
    }""")
    settle(page)
    assert set(stored_edits(page)) == {target.id} and not counter_visible(page)


def test_the_second_of_two_same_named_metrics_gets_the_edit(page, live):
    sign_in(page, live.url, "ann")
    before = canonical(live.store.get("shapes_twins").record["quality_control"])
    open_everything(page, asset_url(live.url, "shapes_twins", group="none"))
    drift_b = card_by_key(page, "Drift [ecephys, Raw data, probe=ProbeB]")
    assert drift_b.get_attribute("data-metric") == "Drift"
    assert page.locator("[data-metric='Drift']").count() == 2
    drift_b.locator("label:text-is('Fail')").click()
    twin = card_by_key(page, "Sample coordinates [ecephys, Raw data] #2")
    twin.locator(".value-dropdown").click()
    page.get_by_role("option", name=re.compile("^Noisy")).click()
    page.get_by_text("3 unsaved changes").wait_for()  # Drift's status; the twin's value and the status it sets
    preview = page.locator(f"#{ids.DETAIL_PREVIEW}").text_content()
    assert "Drift [ecephys, Raw data, probe=ProbeB]: status" in preview
    page.get_by_role("button", name="Submit").click()
    page.locator(".submit-saved").wait_for()
    after = live.store.get("shapes_twins").record["quality_control"]["metrics"]
    assert after[0] == before[0] and after[2] == before[2]  # the same-named others are untouched
    assert [(h["evaluator"], h["status"]) for h in after[1]["status_history"]][-1] == ("Ann Reviewer", "Fail")
    assert after[3]["value"]["value"] == "Noisy" and after[3]["status_history"][-1]["status"] == "Fail"
    page.wait_for_function("key => document.querySelector(`[data-metric-key=\"${key}\"]`)"
                           "?.getAttribute('data-status') === 'Fail'", arg="Drift [ecephys, Raw data, probe=ProbeB]")
    assert card_by_key(page, "Drift [ecephys, Raw data, probe=ProbeA]").get_attribute("data-status") == "Pass"
