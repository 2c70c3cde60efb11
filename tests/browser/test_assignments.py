"""Assignments in real Chromium: an admin makes one on /review/assignments for a reviewer; the
reviewer signs in and finds it under "My reviews" (count 1) with its progress at 0/N.

Every wait is for a condition (a card appears, a count is shown), never a fixed delay."""

from __future__ import annotations

import re

import pytest

from components import ids
from portal import create_app
from portal.settings import load_settings
from portal.store.protocol import Actor, Annotation, MetricEdit
from tests.auth_helpers import add_user
from tests.browser.asset_helpers import screenshot, settle, sign_in
from tests.browser.conftest import LiveServer
from tests.records import metric, record

pytestmark = pytest.mark.browser

CARD = ".assignment-card"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("assign"), secret_key="browser-tests"))
    portal = app.server.extensions["qc_portal"]
    portal.store.upsert_many([
        record("alpha-1", project="Alpha", metrics=[metric("drift", "Pending"), metric("noise", "Pending"),
                                                    metric("yield", "Pass")]),
        record("alpha-2", project="Alpha", metrics=[metric("drift", "Pending")]),
        record("beta-1", project="Beta", modalities=("behavior",),
               metrics=[metric("licks", "Pending", mod="behavior"), metric("pupil", "Pending", mod="behavior")]),
    ])
    add_user(app, "root", "admin", display_name="Root Admin")
    add_user(app, "ada", "annotator", display_name="Ada Lovelace")
    add_user(app, "bob", "annotator", display_name="Bob Builder")
    with LiveServer(app) as server:
        server.store = portal.store
        yield server


def _make(page, name: str, filters: str, reviewer: str) -> None:
    """Fill the form and press Create, as an admin does; wait for the new card."""
    before = page.locator(CARD).count()
    page.fill(f"#{ids.ASSIGN_NAME}", name)
    page.fill(f"#{ids.ASSIGN_FILTERS}", filters)
    page.locator(f"#{ids.ASSIGN_REVIEWERS}").click()
    # Type once the dropdown's search box has opened and has the focus: keys typed before that
    # (a busy machine) went nowhere and no option ever matched.
    search = page.locator("input.dash-dropdown-search:focus")
    search.wait_for()
    search.fill(reviewer)
    page.get_by_role("option", name=re.compile(re.escape(reviewer))).click()
    page.keyboard.press("Escape")
    page.click(f"#{ids.ASSIGN_CREATE}")
    page.locator(".assignment-made", has_text=name).wait_for()
    page.wait_for_function(f"n => document.querySelectorAll('{CARD}').length === n", arg=before + 1)
    assert page.input_value(f"#{ids.ASSIGN_NAME}") == ""  # cleared for the next one


def _decide_one_as_bob(live) -> None:
    """Bob passes one Beta metric (through the store's write path) so the page shows progress."""
    stored = live.store.get("beta-1")
    key = "licks [behavior, Raw data]"
    edit = MetricEdit(key=key, status="Pass", seen_history=1)
    assert live.store.annotate(Annotation(stored.id, stored.version, (edit,)), user=Actor("bob", "Bob Builder")).applied


def test_an_admin_assigns_and_the_reviewer_finds_it_under_my_reviews(page, live, browser):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live.url, "root")
    page.goto(live.url + "/review/assignments?filters=project%3DAlpha")
    page.locator(f"#{ids.ASSIGN_CREATE}").wait_for()
    settle(page)
    assert page.input_value(f"#{ids.ASSIGN_FILTERS}") == "project=Alpha"  # prefilled from ?filters=
    # An error first: in place, and nothing typed is lost.
    page.fill(f"#{ids.ASSIGN_NAME}", "Alpha sweep")
    page.click(f"#{ids.ASSIGN_CREATE}")
    page.locator(".assignment-refused", has_text="at least one reviewer").wait_for()
    assert page.input_value(f"#{ids.ASSIGN_NAME}") == "Alpha sweep"
    screenshot(page, "assignments-refused.png")
    _make(page, "Alpha sweep", "project=Alpha", "Ada Lovelace")
    _make(page, "Behavior check", "project=Beta&modality=behavior", "Bob Builder")
    _decide_one_as_bob(live)
    page.reload()
    page.locator(CARD).first.wait_for()
    settle(page)
    assert page.locator(f"{CARD}[data-assignment='2'] [data-progress]").get_attribute("data-progress") == "1/2"
    assert page.locator(f"#{ids.NAV_MY_REVIEWS}").get_attribute("data-open-count") == "0"
    screenshot(page, "assignments-admin.png")

    reviewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    reviewer.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        sign_in(reviewer, live.url, "ada")
        link = reviewer.locator(f"#{ids.NAV_MY_REVIEWS}")
        link.wait_for()
        assert link.get_attribute("data-open-count") == "1" and link.inner_text().split() == ["My", "reviews", "1"]
        link.click()
        reviewer.locator(CARD).first.wait_for()
        settle(reviewer)
        cards = reviewer.locator(CARD)
        assert cards.count() == 1 and "Alpha sweep" in cards.inner_text()
        assert cards.locator("[data-progress]").get_attribute("data-progress") == "0/3"
        assert "0 / 3 reviewed" in cards.inner_text() and "Nobody has decided any yet" in cards.inner_text()
        review = cards.locator(".assignment-review")
        assert review.get_attribute("href") == "/review?project=Alpha&assignment=1"
        assert reviewer.locator(f"#{ids.ASSIGN_CREATE}").count() == 0  # no form for reviewers
        screenshot(reviewer, "assignments-reviewer.png")
    finally:
        reviewer.context.close()
    assert not errors, errors

    # The admin closes Ada's: its card says so (closed ones go last).
    page.locator(f"{CARD}[data-assignment='1'] .assignment-close").click()
    page.wait_for_function("() => document.querySelector(\"[data-assignment='1']\").dataset.open === 'false'")
    settle(page)
    assert "closed" in page.locator(f"{CARD}[data-assignment='1']").inner_text()
    screenshot(page, "assignments-admin-closed.png")
