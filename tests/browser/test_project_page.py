"""The project page rebuilt for reading (issue 16) in real Chromium: every section, the trend
chooser, and no horizontal scrolling at 1280 px; full-page screenshots at 1280 and 1920 px
into $QC_PORTAL_TEST_SCREENSHOTS when set."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from portal import create_app
from portal.settings import load_settings
from portal.store.protocol import Annotation, AssetQuery, MetricEdit
from tests.browser.asset_helpers import screenshot
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser
PROJECT = "Dynamic Routing"
SECTIONS = ("metrics", "trends", "time-to-qc", "by-instrument")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from portal.demo import build_records

    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("project"), secret_key="browser-tests"))
    store = app.server.extensions["qc_portal"].store
    store.upsert_many(build_records(400), actor="demo")
    # A few decisions through the portal, so time to QC has something to show.
    decided = 0
    for row in store.list_assets(AssetQuery(project=(PROJECT,), pending=True), limit=30).rows:
        stored = store.get(row.name)
        names = [m.name for m in stored.summary.metrics]
        unique = [name for name in names if names.count(name) == 1]
        if unique and decided < 8:
            store.annotate(Annotation(row.name, stored.version, (MetricEdit(metric=unique[0], status="Pass"),)),
                           user="ada")
            decided += 1
    assert decided
    with LiveServer(app) as server:
        server.store = store
        yield server


def _open(page, live, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live.url}/project/{quote(PROJECT)}")
    page.locator("#project-page").wait_for()
    page.locator("[data-section=trends] .js-plotly-plot .main-svg").first.wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("width", [1280, 1920])
def test_every_section_shows_and_fits(page, live, width):
    _open(page, live, width)
    for section in SECTIONS:
        assert page.locator(f"[data-section={section}]").is_visible(), section
    assert page.locator("[data-section=completeness]").count() == 0  # no tracked sessions: nothing
    assert page.locator("[data-section=time-to-qc] [data-month]").count() >= 1
    # Nothing wider than the window: no horizontal scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    first = page.locator(".metric-table tbody tr").first
    assert int(first.get_attribute("data-n")) >= 1
    screenshot(page, f"project_page_{width}.png")


def test_the_trend_chooser_redraws_the_trend(page, live):
    _open(page, live, 1280)
    body = page.locator("#project-trend-body [data-trend]")
    before = body.get_attribute("data-trend")
    page.locator("#project-trend-metric").click()
    page.get_by_role("option").nth(1).click()
    page.wait_for_function(f"() => document.querySelector('#project-trend-body [data-trend]')"
                           f".getAttribute('data-trend') !== {before!r}")
    links = page.locator("[data-section=trends] a.outlier-link")
    if links.count():
        assert links.first.get_attribute("href").startswith("/asset/")
