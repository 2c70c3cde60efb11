"""Completeness in real Chromium: an admin uploads a CSV of expected sessions on the settings
page (a bad one is said in place), and the project page then shows the completeness section.
Screenshots at 1280 px (into $QC_PORTAL_TEST_SCREENSHOTS when set)."""

from __future__ import annotations

import pytest

from components import ids
from portal import create_app
from portal.review import completeness
from portal.settings import load_settings
from tests.auth_helpers import add_user
from tests.browser.asset_helpers import screenshot, settle, sign_in
from tests.browser.conftest import LiveServer
from tests.test_completeness import EXPECTED_CSV, project_assets

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("complete"), secret_key="browser-tests"))
    portal = app.server.extensions["qc_portal"]
    portal.store.upsert_many(project_assets())
    add_user(app, "root", "admin", display_name="Root Admin")
    with LiveServer(app) as server:
        server.portal = portal
        yield server


def test_an_admin_uploads_expected_sessions_and_the_project_page_counts_them(page, live, tmp_path):
    sign_in(page, live.url, "root")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live.url}/project/Alpha/settings")
    page.locator(f"#{ids.SETTINGS_PAGE}").wait_for()
    settle(page)
    chooser = page.locator(f"#{ids.SETTINGS_EXPECTED_UPLOAD} input[type=file]")
    bad = tmp_path / "bad.csv"
    bad.write_text("subject,date\n100,2025-02-30\n")
    chooser.set_input_files(str(bad))
    error = page.locator(f"#{ids.SETTINGS_EXPECTED_MESSAGE} [data-outcome=error]")
    error.wait_for()
    assert "line 2: date '2025-02-30' is not a real day" in error.inner_text()
    assert completeness.expected_count(live.portal.store, "Alpha") == 0
    good = tmp_path / "expected.csv"
    good.write_text(EXPECTED_CSV)
    chooser.set_input_files(str(good))
    page.locator(f"#{ids.SETTINGS_EXPECTED_MESSAGE} [data-outcome=saved]").wait_for()
    assert page.locator(f"#{ids.SETTINGS_EXPECTED_SUMMARY}").inner_text().startswith("7 expected sessions tracked")
    screenshot(page, "project-settings-completeness-1280.png")

    page.goto(f"{live.url}/project/Alpha")
    found = page.locator("[data-section=completeness]")
    found.wait_for()
    settle(page)
    assert found.locator("[data-count=present]").inner_text().startswith("4")
    assert found.locator(".completeness-missing").count() == 3
    found.scroll_into_view_if_needed()
    screenshot(page, "project-completeness-1280.png")
