"""The overview and project pages in real Chromium, over the demo records plus a bulk of small assets.

Every number the page shows is checked against the store (the oracle), never against
the page itself. The `page` fixture fails a test on any browser console error.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from portal import create_app
from portal.settings import load_settings
from portal.store.protocol import AssetQuery, Sort
from portal.views.filters_url import parse_query
from tests.browser.asset_helpers import search_dropdown
from tests.browser.conftest import LiveServer
from tests.records import metric, record

pytestmark = pytest.mark.browser
ODD_NAME = "odd name #1 & co"
GRID_ROWS = "div.ag-center-cols-container div[role=row][row-index]"
NAME_ROWS = "div.ag-pinned-left-cols-container div[role=row][row-index]"  # the name column is pinned


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from portal.demo import build_records

    data = tmp_path_factory.mktemp("overview")
    app = create_app(load_settings(data_dir=data, secret_key="browser-tests"))
    store = app.server.extensions["qc_portal"].store
    # The demo's records (its reference files are not needed here: no page shows them).
    store.upsert_many(build_records(60), actor="demo")
    # More than one grid block (100 rows), and a name that needs URL-encoding.
    store.upsert_many([record(f"bulk_{i:03d}", project="Bulk", subject=f"9{i % 7}",
                              acquired=f"2024-01-{1 + i % 28:02d}T08:00:00+00:00",
                              metrics=[metric("m", ("Pass", "Fail", "Pending")[i % 3])]) for i in range(150)]
                      + [record(ODD_NAME, project="Bulk", metrics=[metric("m", "Fail")])])
    with LiveServer(app) as server:
        server.store = store
        yield server


def _total(page) -> int:
    return int(page.locator("[data-count=total] .fs-4").inner_text().replace(",", ""))


def _query(page) -> AssetQuery:
    return parse_query(page.evaluate("location.search")).query


def _grid_count(page) -> int:
    return page.evaluate("dash_ag_grid.getApi('overview-grid').getDisplayedRowCount()")


def _wait_grid(page, expected: int) -> None:
    """Wait until the grid shows rows and knows it has `expected` of them."""
    page.locator(f"{NAME_ROWS} div[role=gridcell][col-id=name] a").first.wait_for()
    page.wait_for_function(f"() => dash_ag_grid.getApi('overview-grid').getDisplayedRowCount() === {expected}")


def _open(page, live, path: str = "/") -> None:
    page.goto(live.url + path)
    page.locator("[data-count=total]").wait_for()


def test_filters_update_counts_charts_grid_and_url_and_reload_restores(page, live):
    _open(page, live)
    store = live.store
    assert _total(page) == store.list_assets(AssetQuery(), limit=1).total
    _wait_grid(page, _total(page))

    page.get_by_label("Fail", exact=True).check()
    page.wait_for_function("() => location.search === '?status=Fail'")
    expected = store.list_assets(AssetQuery(status=("Fail",)), limit=1).total
    page.wait_for_function(f"() => document.querySelector('[data-count=total] .fs-4').innerText === '{expected}'")
    _wait_grid(page, expected)
    assert set(page.locator(f"{GRID_ROWS} div[col-id=status]").all_inner_texts()) == {"Fail"}
    traces = page.evaluate("document.getElementById('overview-chart-project').querySelector('.js-plotly-plot')"
                           ".data.map(t => t.name)")
    assert traces == ["Fail"]

    dropdown = page.locator("#overview-project")
    search_dropdown(page, dropdown, "Bul")
    page.get_by_role("option", name="Bulk").click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => location.search === '?project=Bulk&status=Fail'")
    expected = store.list_assets(AssetQuery(project=("Bulk",), status=("Fail",)), limit=1).total
    page.wait_for_function(f"() => document.querySelector('[data-count=total] .fs-4').innerText === '{expected}'")
    _wait_grid(page, expected)

    page.reload()
    page.locator("[data-count=total]").wait_for()
    assert _total(page) == expected
    assert page.get_by_label("Fail", exact=True).is_checked()
    assert "Bulk" in dropdown.inner_text()
    _wait_grid(page, expected)

    page.go_back()
    page.wait_for_function("() => location.search === '?status=Fail'")
    page.wait_for_function("() => !document.getElementById('overview-project').innerText.includes('Bulk')")
    assert _total(page) == store.list_assets(AssetQuery(status=("Fail",)), limit=1).total
    if os.environ.get("QC_PORTAL_TEST_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["QC_PORTAL_TEST_SCREENSHOTS"]) / "overview.png"), full_page=True)


def test_chart_click_filters_the_grid(page, live):
    _open(page, live)
    bar = page.locator("#overview-chart-modality g.trace.bars path").first
    bar.wait_for()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => location.search.includes('modality=') && location.search.includes('status=')")
    query = _query(page)
    expected = live.store.list_assets(query, limit=1).total
    page.wait_for_function(f"() => document.querySelector('[data-count=total] .fs-4').innerText === '{expected}'")
    _wait_grid(page, expected)
    statuses = set(page.locator(f"{GRID_ROWS} div[col-id=status]").all_inner_texts())
    assert statuses == set(query.status)
    assert page.locator("#overview-modality").inner_text().strip() == query.modality[0]


def test_sort_by_a_column_and_scroll_past_the_first_page(page, live):
    _open(page, live, "/?project=Bulk")
    total = live.store.list_assets(AssetQuery(project=("Bulk",)), limit=1).total
    assert total > 100
    _wait_grid(page, total)
    header = page.locator(".ag-header-cell[col-id=name] .ag-header-cell-label")
    header.click()  # ascending
    page.wait_for_function("() => document.querySelector(\".ag-header-cell[col-id=name]\")"
                           ".getAttribute('aria-sort') === 'ascending'")
    first = live.store.list_assets(AssetQuery(project=("Bulk",)), Sort("name", False), 0, 1).rows[0].name
    page.locator(f"{NAME_ROWS}[row-index='0'] div[col-id=name]", has_text=first).wait_for()

    page.locator(".ag-body-viewport").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last = live.store.list_assets(AssetQuery(project=("Bulk",)), Sort("name", False), total - 1, 1).rows[0].name
    page.locator(f"{NAME_ROWS}[row-index='{total - 1}'] div[col-id=name]", has_text=last).wait_for()


def test_open_an_asset_from_the_grid(page, live):
    _open(page, live, "/?q=" + quote("odd name"))
    _wait_grid(page, 1)
    link = page.locator(f"{NAME_ROWS} div[col-id=name] a")
    assert link.inner_text() == ODD_NAME
    assert link.get_attribute("href") == "/asset/" + quote(ODD_NAME, safe="")
    link.click()
    page.wait_for_function(f"() => location.pathname === '/asset/{quote(ODD_NAME, safe='')}'")
    page.get_by_text(ODD_NAME).first.wait_for()


def test_csv_export_matches_the_filtered_count(page, live):
    _open(page, live, "/?status=Pending&status=Fail&level=raw")
    total = _total(page)
    assert total == live.store.list_assets(AssetQuery(status=("Pending", "Fail"), level=("raw",)), limit=1).total
    with page.expect_download() as download:
        page.get_by_text("Export CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) - 1 == total
    assert {row[6] for row in rows[1:]} == {"Pending", "Fail"}


def test_column_choice_and_width_persist_across_reloads(page, live):
    _open(page, live)
    page.locator(".ag-header-cell[col-id=source]").wait_for()
    page.get_by_role("button", name="Columns").click()
    page.get_by_label("Raw source", exact=True).uncheck()
    page.locator(".ag-header-cell[col-id=source]").wait_for(state="detached")
    page.evaluate("dash_ag_grid.getApi('overview-grid').setColumnWidths([{key: 'project', newWidth: 333}])")
    # dash-ag-grid reports column state after 500 ms; Dash then keeps it in local storage.
    page.wait_for_function("() => Object.keys(localStorage).some(k => k.includes('columnState')"
                           " && localStorage.getItem(k).includes('333'))")
    page.reload()
    page.locator(".ag-header-cell[col-id=project]").wait_for()
    assert page.locator(".ag-header-cell[col-id=source]").count() == 0
    width = page.evaluate("dash_ag_grid.getApi('overview-grid').getColumnState()"
                          ".find(c => c.colId === 'project').width")
    assert width == 333
    # Shown again from the chooser, in the page (assets/overview.js: no server round trip).
    page.get_by_role("button", name="Columns").click()
    page.get_by_label("Raw source", exact=True).check()
    page.locator(".ag-header-cell[col-id=source]").wait_for()


def test_a_first_load_asks_the_server_for_rows_not_for_columns(page, live):
    """The grid's columns come with the page and the chooser applies in the browser: the
    rows are the first thing the grid asks the server for (issue 19, first paint)."""
    outputs = []

    def note(request):
        if "/_dash-update-component" in request.url:
            outputs.append((request.post_data_json or {}).get("output", ""))

    page.on("request", note)
    _open(page, live)
    page.locator("div[role=gridcell][col-id=name] a").first.wait_for()
    assert any("getRowsResponse" in output for output in outputs)
    assert not any("columnDefs" in output for output in outputs)


def test_project_page_from_the_overview(page, live):
    _open(page, live, "/?project=Bulk")
    page.locator(".project-summary-link", has_text="Bulk").click()
    page.wait_for_function("() => location.pathname === '/project/Bulk'")
    page.locator("#project-page").wait_for()
    totals = page.locator(".project-totals [data-count=total]").inner_text()
    assert str(live.store.list_assets(AssetQuery(project=("Bulk",)), limit=1).total) in totals
    page.locator(".metric-table a", has_text="m").first.click()
    page.wait_for_function("() => location.pathname === '/' && location.search.includes('metric=m')")
    page.locator("[data-chip=metric]").wait_for()
    expected = live.store.list_assets(_query(page), limit=1).total
    assert _total(page) == expected
    page.locator("[data-chip=metric] button").click()
    page.wait_for_function("() => !location.search.includes('metric')")


def test_empty_states_are_messages(page, live):
    page.goto(live.url + "/?q=no-such-asset&from=2025-13-01")
    page.locator("[data-state=no_match]").wait_for()
    assert "2025-13-01" in page.locator("#overview-notes").inner_text()  # the bad date, explained
    assert page.locator("#overview-charts").is_hidden()
    assert page.locator("#overview-grid-wrap").is_visible()  # the grid keeps its column filters on screen
    # From nothing to something and back, in the page: no missing components, no errors.
    page.locator("#overview-search").fill("bulk_00")
    page.locator("#overview-search").press("Enter")
    page.wait_for_function("() => location.search.includes('q=bulk_00')")
    _wait_grid(page, live.store.list_assets(_query(page), limit=1).total)
    assert page.locator("#overview-charts").is_visible()
    page.locator("#overview-search").fill("still-nothing")
    page.locator("#overview-search").press("Enter")
    page.locator("[data-state=no_match]").wait_for()


_FIRST_SEEN = """
window.__seen = {};
new MutationObserver(function () {
  var seen = window.__seen;
  if (!seen.rows && document.querySelector("div[role=gridcell][col-id=name] a")) { seen.rows = performance.now(); }
  if (!seen.chart && document.querySelector(".js-plotly-plot .main-svg")) { seen.chart = performance.now(); }
}).observe(document, {childList: true, subtree: true});
"""


def _fetched(page, tail: str) -> int:
    return page.evaluate(f"performance.getEntriesByType('resource').filter(e => e.name.split('?')[0]"
                         f".endsWith('{tail}')).length")


def test_a_first_load_paints_the_grids_rows_before_the_charts(page, live):
    """Issue 19's first paint (assets/overview.js): plotly.js runs after the grid's first rows are
    painted; the grid's chunk and plotly.js are each fetched once; the charts still draw."""
    page.add_init_script(_FIRST_SEEN)
    page.goto(live.url + "/")
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=15_000)
    seen = page.evaluate("window.__seen")
    assert seen["rows"] < seen["chart"], seen
    assert page.evaluate("typeof window.Plotly.react") == "function"
    assert page.evaluate("window.qcPlotlyTraces") is not None  # the portal's bundle
    page.wait_for_load_state("networkidle")
    assert _fetched(page, "/dash_ag_grid/async-community.js") == 1
    assert _fetched(page, "/plotly/package_data/plotly.min.js") == 1


def test_charts_draw_after_a_first_load_without_rows(page, live):
    """A first load whose filters match nothing (no row ever painted): the charts appear, drawn,
    as soon as a filter matches assets."""
    page.goto(live.url + "/?q=no-such-asset")
    page.locator("[data-state=no_match]").wait_for()
    page.locator("#overview-search").fill("bulk_00")
    page.locator("#overview-search").press("Enter")
    page.locator("#overview-chart-project .js-plotly-plot .main-svg").first.wait_for(timeout=15_000)


def _trace_types(page) -> list[str]:
    return page.evaluate("Array.from(document.querySelectorAll('.js-plotly-plot'))"
                         ".flatMap(g => (g.data || []).map(t => t.type || 'scatter'))")


@pytest.mark.parametrize("path", ["/", "/project/Bulk"])
def test_the_portals_charts_draw_with_its_own_small_plotly_bundle(page, live, path):
    """Every chart of the overview and the project page uses a trace type the portal's plotly.js
    bundle holds (assets/vendor/plotly): a new kind of chart fails here until it is added."""
    from portal.ops.plotly_bundle import PORTAL_TRACES

    page.goto(live.url + path)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.qcPlotlyTraces") == list(PORTAL_TRACES)  # not the full bundle
    types = _trace_types(page)
    assert types and set(types) <= set(PORTAL_TRACES), types
