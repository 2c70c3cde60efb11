"""The project settings page in real Chromium: an admin edits the fail reasons and the review
policy and they are saved; a mistake is said in place; a viewer reads them without a form.
Screenshots at 1280 px (into $QC_PORTAL_TEST_SCREENSHOTS when set)."""

from __future__ import annotations

import pytest

from components import ids
from portal import create_app
from portal.accounts.auth import User
from portal.review import ratings, reasons
from portal.settings import load_settings
from tests.auth_helpers import add_user
from tests.browser.asset_helpers import screenshot, settle, sign_in
from tests.browser.conftest import LiveServer
from tests.records import metric, record

pytestmark = pytest.mark.browser

PROJECT = "Alpha"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("settings"), secret_key="browser-tests"))
    portal = app.server.extensions["qc_portal"]
    portal.store.upsert_many([record("a1", project=PROJECT, metrics=[metric("drift", "Pending")])])
    add_user(app, "root", "admin", display_name="Root Admin")
    add_user(app, "bo", "annotator", display_name="Bo Lead")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    with LiveServer(app) as server:
        server.portal = portal
        yield server


def _open(page, live) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live.url}/project/{PROJECT}/settings")
    page.locator(f"#{ids.SETTINGS_PAGE}").wait_for()
    settle(page)


def test_an_admin_edits_the_reasons_and_the_policy_and_they_are_saved(page, live):
    sign_in(page, live.url, "root")
    _open(page, live)
    box = page.locator(f"#{ids.SETTINGS_REASONS_TEXT}")
    box.fill("Drift\nNoise   too high\nnoise too HIGH")
    page.click(f"#{ids.SETTINGS_REASONS_SAVE}")
    error = page.locator(f"#{ids.SETTINGS_REASONS_MESSAGE} [data-outcome=error]")
    error.wait_for()
    assert "listed twice" in error.inner_text()
    assert reasons.project_reasons(live.portal.store, PROJECT) == []
    box.fill("Drift\n\nNoise   too high\nMissing data")
    page.click(f"#{ids.SETTINGS_REASONS_SAVE}")
    page.locator(f"#{ids.SETTINGS_REASONS_MESSAGE} [data-outcome=saved]").wait_for()
    assert page.locator(f"#{ids.SETTINGS_REASONS_MESSAGE}").inner_text() == "Saved 3 fail reasons."
    assert box.input_value() == "Drift\nNoise too high\nMissing data"
    assert reasons.project_reasons(live.portal.store, PROJECT) == ["Drift", "Noise too high", "Missing data"]

    page.locator(f"#{ids.SETTINGS_POLICY_REQUIRED} label", has_text="2").click()
    page.locator(f"#{ids.SETTINGS_POLICY_BLIND}").check()
    page.fill(f"#{ids.SETTINGS_POLICY_REPEAT}", "0.1")
    page.click(f"#{ids.SETTINGS_POLICY_LEADS}")
    page.get_by_role("option", name="Bo Lead (bo) · annotator").click()
    page.keyboard.press("Escape")  # the multi-select stays open for more choices until then
    page.click(f"#{ids.SETTINGS_POLICY_SAVE}")
    page.locator(f"#{ids.SETTINGS_POLICY_MESSAGE} [data-outcome=saved]").wait_for()
    assert ratings.store_of(live.portal).policy(PROJECT) == ratings.Policy(2, True, 0.1, ("bo",))
    assert "2 agreeing ratings decide a metric" in page.locator(f"#{ids.SETTINGS_POLICY_SUMMARY}").inner_text()
    screenshot(page, "project-settings-admin-1280.png")

    page.reload()  # what was saved is what the page shows
    page.locator(f"#{ids.SETTINGS_PAGE}").wait_for()
    settle(page)
    assert box.input_value() == "Drift\nNoise too high\nMissing data"


def test_a_viewer_reads_the_settings_without_a_form(page, live):
    reasons.set_project_reasons(live.portal.store, User(live.portal.users.get("root")), PROJECT, ["Drift", "Noise"])
    sign_in(page, live.url, "vic")
    _open(page, live)
    assert page.locator(f"#{ids.SETTINGS_PAGE}").get_attribute("data-editable") == "false"
    assert page.get_by_text("Only admins change these settings.").is_visible()
    assert page.locator(".settings-reason").all_inner_texts() == ["Drift", "Noise"]
    root = f"#{ids.SETTINGS_PAGE}"
    assert page.locator(f"{root} textarea, {root} input, {root} button").count() == 0
    screenshot(page, "project-settings-viewer-1280.png")
