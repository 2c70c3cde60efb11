"""The asset page's "Why?" panel in Chromium: every badge has one, it lists the metrics
that make the status (and the tolerated failures) with who set them and when, and its
date control shows the status as it was and what changed since."""

from __future__ import annotations

import pytest

from components import ids
from portal import create_app
from portal.settings import load_settings
from tests.browser.asset_helpers import asset_url, screenshot, settle
from tests.browser.conftest import LiveServer
from tests.records import metric, record

pytestmark = pytest.mark.browser


def _history(*entries):
    return [{"evaluator": who, "status": status, "timestamp": f"{day}T10:00:00+00:00"} for who, status, day in entries]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("why-live")
    app = create_app(load_settings(data_dir=data, secret_key="browser-tests"))
    doc = record("why_asset", project="Why", metrics=[
        metric("drift", tags={"probe": "A"}, history=_history(("Automated", "Pass", "2025-01-01"),
                                                              ("Jane Doe", "Fail", "2025-03-01"))),
        metric("noise", tags={"probe": "B"}, history=_history(("Ada", "Fail", "2025-01-05"))),
        metric("sync", stage="Processing", tags={"probe": "A"},
               history=_history(("Automated", "Pending", "2025-01-01"))),
        metric("ok", tags={"probe": "A"}, history=_history(("Automated", "Pass", "2025-01-01"))),
    ])
    doc["quality_control"]["allow_tag_failures"] = ["probe:B"]
    doc["quality_control"]["default_grouping"] = [["probe"]]
    loner = record("loner_asset", project=None, metrics=[metric("drift", value=2.5)])
    app.server.extensions["qc_portal"].store.upsert_many([doc, loner])
    with LiveServer(app) as server:
        yield server


def _open(page, selector: str):
    page.locator(selector).first.click()
    panel = page.locator(f"#{ids.WHY_PANEL}")
    panel.wait_for(state="visible")
    page.locator(f"#{ids.WHY_BODY} .why-status").wait_for()
    return panel


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=["1280", "1920"])
def test_why_panel_explains_the_asset_status_and_its_past(page, live, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(asset_url(live.url, "why_asset"))
    settle(page)
    # A Why? beside the overall badge, each modality, each cell, each stage and the node.
    scopes = page.eval_on_selector_all("[data-why]", "els => els.map(e => e.dataset.why)")
    assert {"asset", "modality", "cell", "stage", "node"} <= set(scopes)
    screenshot(page, f"asset-why-closed-{size[0]}.png")

    panel = _open(page, ".asset-header .asset-name ~ .badge-why [data-why=asset]")
    body = page.locator(f"#{ids.WHY_BODY}")
    assert body.locator(".why-status").get_attribute("data-status") == "Fail"
    fail = body.locator("[data-why-list=fail] .why-reason")
    assert fail.count() == 1
    assert fail.first.get_attribute("data-metric-key") == "drift [ecephys, Raw data, probe=A]"
    assert "Jane Doe" in fail.first.inner_text() and "2025-03-01 10:00 UTC" in fail.first.inner_text()
    assert body.locator("[data-why-list=pending] .why-reason").count() == 1
    tolerated = body.locator("[data-why-list=tolerated] .why-reason")
    assert tolerated.count() == 1 and "Ada" in tolerated.first.inner_text()
    screenshot(page, f"asset-why-open-{size[0]}.png")

    # The date control: on 2025-02-01 drift still passed; sync was Pending.
    page.fill(f"#{ids.WHY_DATE}", "2025-02-01")
    page.locator(f"#{ids.WHY_DATE}").press("Enter")
    page.wait_for_function("() => document.querySelector('#why-body .why-status')?.dataset.status === 'Pending'")
    changed = body.locator("[data-why-list=changed] .why-change")
    assert changed.count() == 1
    assert changed.first.get_attribute("data-metric-key") == "drift [ecephys, Raw data, probe=A]"
    assert "2025-02-01" in body.locator(".why-status").inner_text()
    assert panel.is_visible()


def test_why_of_a_node_and_of_a_stage(page, live):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(asset_url(live.url, "why_asset", node="B"))
    settle(page)
    _open(page, ".node-status [data-why=node]")
    body = page.locator(f"#{ids.WHY_BODY}")
    # Node B holds only noise, whose Fail is tolerated: Pass, and the panel says why.
    assert body.locator(".why-status").get_attribute("data-status") == "Pass"
    assert body.locator("[data-why-list=tolerated] .why-reason").count() == 1
    page.locator(f"#{ids.WHY_PANEL} .btn-close").click()
    page.locator(f"#{ids.WHY_PANEL}").wait_for(state="hidden")
    page.locator(".status-stage-row [data-stage='Processing'] [data-why=stage]").click()
    page.wait_for_function("() => document.querySelector('#why-body .why-status')?.innerText.includes('Processing')")
    assert body.locator(".why-status").get_attribute("data-status") == "Pending"
    assert body.locator("[data-why-list=pending] .why-reason").count() == 1


def _plots_drawn(page, n: int) -> None:
    page.wait_for_function("n => document.querySelectorAll('.metric-card [data-context-plot]').length === n", arg=n)


def test_numeric_cards_show_the_projects_distribution(page, live):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(asset_url(live.url, "why_asset", node="A"))
    settle(page)
    _plots_drawn(page, 3)  # drift, sync and ok of node A: all numeric
    plots = page.locator("[data-context-plot]")
    assert {plots.nth(i).get_attribute("data-n") for i in range(3)} == {"1"}  # one asset in the project
    drift = page.locator("[data-metric=drift] [data-context-plot]")
    assert drift.get_attribute("data-context-plot") == "drift"
    assert drift.get_attribute("title") == "drift across Why: 1 values, coloured by status"
    assert "n = 1" in drift.inner_text() and "this asset 1" in drift.inner_text()
    # One value, one bin, its counts on hover: a Fail (Jane Doe's), drawn in the Fail colour.
    bins = drift.locator(".context-bin")
    assert bins.count() == 1
    assert bins.first.get_attribute("title") == "1 – 1: 1 (0 pass, 1 fail, 0 pending)"
    colours = drift.locator(".context-bin > div").evaluate_all("els => els.map(e => e.style.backgroundColor)")
    assert colours == ["rgb(213, 94, 0)"]
    assert drift.locator(".context-marker").get_attribute("title") == "this asset: 1"
    assert not page.get_by_text("Loading the project's values").first.is_visible()
    screenshot(page, "asset-context-1280.png")
    # Another node's cards are new cards: their plots are drawn too.
    page.locator(".nav-node[data-node=B]").click()
    page.locator("[data-metric=noise]").wait_for()
    _plots_drawn(page, 1)
    assert page.locator("[data-metric=noise] [data-context-plot]").get_attribute("data-n") == "1"


def test_a_card_without_a_project_says_there_is_nothing_to_compare_with(page, live):
    page.goto(asset_url(live.url, "loner_asset"))
    note = page.locator("[data-metric=drift] .context-note")
    note.wait_for()
    assert note.inner_text() == "No project: nothing to compare with."
    assert page.locator("[data-context-plot]").count() == 0
    assert not page.get_by_text("Loading the project's values").first.is_visible()
