"""Browser tier: a live portal on 127.0.0.1 and Debian's Chromium driven by Playwright.

One browser per session; each test gets a fresh page that records console errors and
fails the test if any were logged. Skipped only where Chromium is not installed and
QC_PORTAL_TEST_REQUIRE_BROWSER is not set (CI sets it).
"""

from __future__ import annotations

import os
import shutil
import threading
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _isolated_env():
    """The browser tier shares one live app per session; nothing to isolate per test."""
    yield


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, for the whole session."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("QC_PORTAL_TEST_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (apt-get install chromium chromium-driver)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    """A portal app served by werkzeug in a thread on a free loopback port."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app.server, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()


def unreachable_outside(msg) -> bool:
    """A resource of another host than the portal's that the closed test network cannot
    reach (an embedded viewer's host, asked by assets/detail.js whether it answers): the
    environment, not an error of the page. The portal's own failures still count."""
    url = (msg.location or {}).get("url") or ""
    host = urlsplit(url).hostname or ""
    return msg.text.startswith("Failed to load resource: net::") and host not in ("", "127.0.0.1", "localhost")


@pytest.fixture
def page(browser):
    """A fresh browser context and page; console errors fail the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and not unreachable_outside(msg) else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"
