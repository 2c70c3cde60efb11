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


_DOCUMENT_404 = "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"


def _expect_document_404s(page, count: int) -> None:
    """Chromium logs one console error per document answered 404: exactly those are expected
    (any other error, a missing bundle's 404 included, still fails the test)."""
    for _ in range(count):
        assert _DOCUMENT_404 in page.console_errors, page.console_errors
        page.console_errors.remove(_DOCUMENT_404)


def test_unknown_path_shows_not_found(page, live):
    response = page.goto(live.url + "/no/such/page")
    assert response.status == 404  # the HTTP status says it too (callbacks.not_found)
    page.get_by_text("Page not found").wait_for()
    _expect_document_404s(page, 1)


def test_unknown_asset_answers_404_and_shows_its_message(page, live):
    response = page.goto(live.url + "/asset/no_such_asset")
    assert response.status == 404
    page.get_by_text("Asset not found: no_such_asset").wait_for()
    page.wait_for_load_state("networkidle")
    _expect_document_404s(page, 1)
    assert page.goto(live.url + "/asset/ecephys_1").status == 200
