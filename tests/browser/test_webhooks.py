"""/admin/webhooks in real Chromium: an admin adds a webhook, sees its key once, and watches its
delivery results arrive (the page reads them again while it is open); no console errors.

Screenshots at 1280x800 go to $QC_PORTAL_TEST_SCREENSHOTS when it is set (to look at them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal import create_app
from portal.events.delivery import Policy, run_once
from portal.settings import load_settings
from portal.store.protocol import Annotation, MetricEdit
from tests.auth_helpers import PASSWORD, add_user
from tests.browser.conftest import LiveServer
from tests.records import metric, record
from tests.webhook_receiver import Receiver

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    settings = load_settings(data_dir=tmp_path_factory.mktemp("webhooks-live"), secret_key="browser-tests",
                             webhook_deliver=False)
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([
        record("ecephys_1", metrics=[metric("drift", "Pending"), metric("noise", "Pending")])])
    add_user(app, "root", "admin", display_name="Root Admin")
    receiver = Receiver().start()
    with LiveServer(app) as server:
        server.portal, server.receiver = app.server.extensions["qc_portal"], receiver
        yield server
    receiver.stop()


def _shot(page, name: str) -> None:
    folder = os.environ.get("QC_PORTAL_TEST_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def test_an_admin_adds_a_webhook_and_sees_its_results(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live.url + "/login")
    page.fill("#username", "root")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.click("#nav-webhooks")
    page.locator("#webhooks-page").wait_for()
    page.fill("#webhooks-url", live.receiver.url)
    page.get_by_label("annotation", exact=True).check()
    page.click("#webhooks-add")
    secret = page.locator(".new-webhook-secret")
    secret.wait_for()
    key = secret.inner_text().strip()
    assert len(key) >= 40
    card = page.locator(".webhook-card")
    card.wait_for()
    assert live.receiver.url in card.inner_text() and "annotation" in card.inner_text()
    _shot(page, "webhooks-added")

    store = live.portal.store
    store.annotate(Annotation("ecephys_1", 1, (MetricEdit("drift", status="Fail", seen_history=1),)), user="ann")
    live.receiver.answers = [500]  # the annotation's delivery fails once; metric_failed goes through
    run_once(live.portal.users.engine, Policy(timeout=2, attempts=3, backoff=30))
    page.locator(".webhook-delivery[data-state='delivered']").wait_for(timeout=15000)  # the page re-reads
    page.locator(".webhook-delivery[data-state='pending']").wait_for()
    text = page.locator(".webhook-card").inner_text()
    assert "HTTP 500" in text and "HTTP 200" in text and "1 delivered" in text and "1 pending" in text
    assert live.receiver.received[-1].signed_by(key)
    _shot(page, "webhooks-results")
    context.close()
    assert not errors, errors
