"""The app shell in real Chromium: the landing page (the overview) shows the store's counts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal import create_app
from portal.settings import load_settings
from tests.browser.conftest import LiveServer
from tests.records import metric, record

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("live")
    app = create_app(load_settings(data_dir=data, secret_key="browser-tests"))
    store = app.server.extensions["qc_portal"].store
    store.upsert_many([
        record("ecephys_1", project="Alpha", metrics=[metric("a", "Fail"), metric("b", "Pass")]),
        record("ecephys_2", project="Alpha", metrics=[metric("a", "Pending")]),
        record("behavior_3", project="Beta", modalities=("behavior",), metrics=[metric("x", "Pass", mod="behavior")]),
        record("pophys_4", project="Gamma", modalities=("pophys",), qc=False),
    ])
    with LiveServer(app) as server:
        yield server


def test_overview_shows_counts_and_a_reload_picks_up_new_assets(page, live):
    page.goto(live.url + "/")
    total = page.locator("[data-count=total]")
    total.wait_for()
    assert "4" in total.inner_text()
    assert "1" in page.locator("[data-count=Fail]").inner_text()
    assert "1" in page.locator("[data-count='No QC']").inner_text()
    links = page.locator(".project-summary-link")
    assert links.all_inner_texts() == ["Alpha", "Beta", "Gamma"]
    if os.environ.get("QC_PORTAL_TEST_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["QC_PORTAL_TEST_SCREENSHOTS"]) / "home.png"), full_page=True)

    live.app.server.extensions["qc_portal"].store.upsert_many([record("fib_5", project="Delta",
                                                                      modalities=("fib",))])
    page.reload()
    page.locator(".project-summary-link", has_text="Delta").wait_for()
    assert "5" in page.locator("[data-count=total]").inner_text()


def test_unknown_path_shows_not_found(page, live):
    page.goto(live.url + "/no/such/page")
    page.get_by_text("Page not found").wait_for()
