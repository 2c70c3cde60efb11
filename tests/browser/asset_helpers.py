"""Helpers for driving the portal's pages in Chromium: signing in, waiting for Dash to settle,
searching a dropdown, reading the unsaved edits the asset page keeps in local storage."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from components import ids
from tests.auth_helpers import PASSWORD


def sign_in(page, base_url: str, name: str) -> None:
    """Sign in through the login form."""
    page.goto(base_url + "/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def asset_url(base_url: str, name: str, **query) -> str:
    """The asset page's URL with a query (group, show, node)."""
    params = "&".join(f"{key}={quote(value)}" for key, value in query.items())
    return f"{base_url}/asset/{quote(name, safe='')}" + (f"?{params}" if params else "")


def settle(page, timeout: float = 45_000) -> None:
    """Wait until the network is idle and no Dash component is loading (callbacks done). The bound
    is generous: a condition, not a timing (the suite runs on shared, loaded machines)."""
    page.wait_for_load_state("networkidle", timeout=timeout)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=timeout)
    page.wait_for_load_state("networkidle", timeout=timeout)


def search_dropdown(page, opener, typed: str) -> None:
    """Open a dcc.Dropdown (click `opener`) and type `typed` into its search box, then wait until
    exactly one option is left.

    Waits for Dash first: a callback still running after the last action can re-render the
    dropdown, closing its menu and emptying its search. Fills the menu's search input itself
    rather than sending keys: keys sent while the menu is opening go to the control, and a
    search that never arrived leaves the whole list (on CI a click then chose another option).
    """
    settle(page)
    opener.click()
    search = page.locator("input.dash-dropdown-search:visible")
    search.wait_for()
    search.fill(typed)
    page.wait_for_function("() => document.querySelectorAll('[role=option]').length === 1")


def stored_edits(page) -> dict:
    """The page's unsaved edits of every asset, as local storage holds them ({asset id: state})."""
    text = page.evaluate(f"() => window.localStorage.getItem({json.dumps(ids.DETAIL_EDITS)})")
    value = json.loads(text) if text else None
    return value if isinstance(value, dict) else {}


def counter_visible(page) -> bool:
    """Whether the change bar (counter, preview, Submit) is visible."""
    bar = page.locator(f"#{ids.DETAIL_CHANGES}")
    return bar.count() > 0 and bar.is_visible()


def card_by_key(page, key: str):
    """A metric card by its key (`data-metric-key`)."""
    return page.locator(f"[data-metric-key={json.dumps(key)}]")


def screenshot(page, name: str) -> None:
    """A full-page screenshot into $QC_PORTAL_TEST_SCREENSHOTS, when set."""
    folder = os.environ.get("QC_PORTAL_TEST_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)
