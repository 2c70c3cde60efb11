"""The overview as a daily reviewer uses it, at 1280x800 and 1920x1080 (issue 15, items 1-5).

Every expectation is something a user sees or does: the cell they click, the columns on
screen, the end of a long name, the first status pill, what a filter keeps, the URL, the
rows under a raw asset. Numbers come from the store (the oracle). Screenshots go to
$QC_PORTAL_TEST_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from portal import create_app
from portal.settings import load_settings
from portal.store.protocol import AssetQuery, Sort
from portal.views.filters_url import parse_query
from tests.browser.asset_helpers import screenshot
from tests.browser.conftest import LiveServer
from tests.records import metric, record

pytestmark = pytest.mark.browser
SIZES = [(1280, 800), (1920, 1080)]
NAME_ROWS = "div.ag-pinned-left-cols-container div[role=row][row-index]"
GRID = "dash_ag_grid.getApi('overview-grid')"
RAW = "ecephys_900001_2025-03-01_10-00-00"
SORTED = f"{RAW}_sorted_2025-03-02_01-00-00"
CURATED = f"{RAW}_sorted_2025-03-02_01-00-00_curated_2025-03-09_12-30-00"


def _metrics(n_pending: int, n_fail: int, mods: tuple[str, ...] = ("ecephys",)) -> list[dict]:
    out = [metric(f"p{i}", "Pending", mod=mods[0]) for i in range(n_pending)]
    out += [metric(f"f{i}", "Fail", mod=mods[-1]) for i in range(n_fail)]
    return out or [metric("ok", "Pass", mod=mods[0])]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from portal.demo import build_records

    data = tmp_path_factory.mktemp("overview-daily")
    app = create_app(load_settings(data_dir=data, secret_key="browser-tests"))
    store = app.server.extensions["qc_portal"].store
    store.upsert_many(build_records(60), actor="demo")
    family = [
        # The raw asset passes; its derived assets have more Pending metrics than any demo
        # asset, so sorting by Pending pulls them away from it unless they are grouped.
        record(RAW, project="Family", acquired="2025-03-01T10:00:00+00:00", metrics=_metrics(0, 0)),
        record(SORTED, project="Family", level="derived", source=[RAW], acquired="2025-03-01T10:00:00+00:00",
               metrics=_metrics(400, 1)),
        record(CURATED, project="Family", level="derived", source=[RAW], acquired="2025-03-01T10:00:00+00:00",
               metrics=_metrics(300, 0)),
        # Three modalities; only the last one (alphabetically) fails.
        record("mixed_modalities", project="Family", modalities=("behavior", "behavior-videos", "ecephys"),
               acquired="2025-03-01T09:00:00+00:00",
               metrics=[metric("b", "Pass", mod="behavior"), metric("v", "Pass", mod="behavior-videos"),
                        metric("e", "Fail", mod="ecephys")]),
    ]
    store.upsert_many(family, actor="demo")
    with LiveServer(app) as server:
        server.store = store
        yield server


def _open(page, live, path: str = "/", size=(1280, 800)) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(live.url + path)
    page.locator("[data-count=total]").wait_for()


def _total(page) -> int:
    return int(page.locator("[data-count=total] .fs-4").inner_text().replace(",", ""))


def _query(page) -> AssetQuery:
    return parse_query(page.evaluate("location.search")).query


def _wait_rows(page, expected: int) -> None:
    page.locator(f"{NAME_ROWS} div[role=gridcell][col-id=name] a").first.wait_for()
    page.wait_for_function(f"() => {GRID}.getDisplayedRowCount() === {expected}")


def _wait_first(page, name: str) -> None:
    """Wait until the grid's first row is the asset `name`."""
    page.wait_for_function(f"n => {{ const row = {GRID}.getDisplayedRowAtIndex(0); "
                           "return Boolean(row && row.data && row.data.name === n); }", arg=name)


def _names(page, count: int) -> list[str]:
    """The asset names of the first `count` grid rows, in row order."""
    return page.evaluate(
        f"n => {{ const out = []; {GRID}.forEachNode(node => {{ if (node.data && node.rowIndex < n) "
        "out[node.rowIndex] = node.data.name; }); return out; }", count)


# -- 1. a heat-map cell filters, as a bar does ------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_clicking_a_heatmap_cell_sets_project_and_modality(page, live, size):
    _open(page, live, size=size)
    heatmap = page.locator("#overview-chart-heatmap")
    heatmap.locator(".nsewdrag").first.wait_for()
    page.wait_for_load_state("networkidle")
    heatmap.scroll_into_view_if_needed()
    # The cell to click: the first project's first modality that has assets.
    target = page.evaluate("""() => {
        const plot = document.querySelector('#overview-chart-heatmap .js-plotly-plot');
        const trace = plot.data[0];
        for (let r = 0; r < trace.y.length; r++) for (let c = 0; c < trace.x.length; c++)
            if (trace.text[r][c]) return {row: r, col: c, rows: trace.y.length, cols: trace.x.length,
                                           project: trace.y[r], modality: trace.x[c]};
    }""")
    box = heatmap.locator(".nsewdrag").first.bounding_box()
    x = box["x"] + box["width"] * (target["col"] + 0.5) / target["cols"]
    y = box["y"] + box["height"] * (target["row"] + 0.5) / target["rows"]
    page.mouse.click(x, y)
    page.wait_for_function("() => location.search.includes('modality=')")
    query = _query(page)
    assert query.project == (target["project"],) and query.modality == (target["modality"],)
    expected = live.store.list_assets(query, limit=1).total
    page.wait_for_function(f"() => document.querySelector('[data-count=total] .fs-4').innerText === '{expected}'")
    assert target["project"] in page.locator("#overview-project").inner_text()
    assert page.locator("#overview-modality").inner_text().strip() == target["modality"]
    screenshot(page, f"overview-heatmap-click-{size[0]}.png")


# -- 2. the columns that matter fit at 1280; long names show their end; the asset column is pinned --


_VISIBLE_END = """([selector, tail]) => {
    // Is the end of the name (its last characters) inside the cell, i.e. on screen?
    const link = document.querySelector(selector);
    const text = link.textContent;
    const node = link.querySelector('bdi') ? link.querySelector('bdi').firstChild : link.firstChild;
    const range = document.createRange();
    range.setStart(node, text.length - tail);
    range.setEnd(node, text.length);
    const end = range.getBoundingClientRect(), cell = link.closest('[role=gridcell]').getBoundingClientRect();
    return end.left >= cell.left - 1 && end.right <= cell.right + 1;
}"""


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_the_columns_that_matter_fit_and_names_show_their_end(page, live, size):
    _open(page, live, "/?project=Family", size=size)
    _wait_rows(page, 4)
    grid = page.locator("#overview-grid").bounding_box()
    page.locator("#overview-grid").scroll_into_view_if_needed()
    for column in ("name", "project", "acquired", "status", "modality_status", "pending", "fail", "last_review",
                   "source"):
        header = page.locator(f".ag-header-cell[col-id={column}]")
        assert header.count() == 1, f"column {column} is not shown by default"
        box = header.bounding_box()
        assert box["x"] >= grid["x"] and box["x"] + box["width"] <= grid["x"] + grid["width"] + 1, (
            f"column {column} is off screen at {size[0]} px")
    assert page.evaluate("() => { const v = document.querySelector('#overview-grid .ag-center-cols-viewport');"
                         " return v.scrollWidth <= v.clientWidth + 1; }"), "the grid scrolls sideways"
    # The asset column is pinned, and a raw and its derived assets do not look alike: their ends show.
    for name in (RAW, SORTED, CURATED):
        selector = f"{NAME_ROWS} [col-id=name] a[title={json.dumps(name)}]"
        assert page.locator(selector).count() == 1, f"{name} is not in the pinned asset column"
        assert page.evaluate(_VISIBLE_END, [selector, 12]), f"the end of {name} is cut off at {size[0]} px"
    screenshot(page, f"overview-grid-{size[0]}.png")


# -- 3. the modalities that are not Pass come first ----------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_failing_modality_shows_before_passing_behavior(page, live, size):
    _open(page, live, "/?q=mixed_modalities", size=size)
    _wait_rows(page, 1)
    pills = page.locator(".ag-center-cols-container [col-id=modality_status] .status-pill")
    first = pills.first
    assert first.inner_text().startswith("ecephys") and first.get_attribute("data-status") == "Fail"
    cell = page.locator(".ag-center-cols-container [role=gridcell][col-id=modality_status]").first.bounding_box()
    box = first.bounding_box()
    assert box["x"] + box["width"] <= cell["x"] + cell["width"], "the failing modality's pill is cut"
    # The passing ones are still there, named in the cell's title.
    title = page.locator(".ag-center-cols-container [col-id=modality_status] .modality-pills").get_attribute("title")
    assert "behavior: Pass" in title and "behavior-videos: Pass" in title and "ecephys: Fail" in title


# -- 4. column text filters: any case, part of the value; no match is said, and kept; sort in the URL --


def _column_filter(page, column: str, text: str) -> None:
    """Type `text` into a column's filter (its first condition) and apply it, as a user does."""
    page.locator(f".ag-header-cell[col-id={column}] .ag-header-cell-filter-button").click()
    field = page.locator(".ag-filter input[type=text]").first
    field.fill(text)
    page.locator(".ag-filter button", has_text="Apply").click()


def _wait_total(page, expected: int) -> None:
    page.wait_for_function(f"() => document.querySelector('[data-count=total] .fs-4').innerText === '{expected:,}'")


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_a_column_filter_finds_part_of_a_value_in_any_case(page, live, size):
    _open(page, live, size=size)
    page.locator(f"{NAME_ROWS} [col-id=name] a").first.wait_for()
    page.locator("#overview-grid").scroll_into_view_if_needed()
    _column_filter(page, "project", "dynamic rout")
    page.wait_for_function("() => location.search === '?project_contains=dynamic%20rout'")
    expected = live.store.list_assets(AssetQuery(project=("Dynamic Routing",)), limit=1).total
    assert expected > 0
    _wait_rows(page, expected)
    assert set(page.locator(".ag-center-cols-container [col-id=project]").all_inner_texts()) == {"Dynamic Routing"}
    chip = page.locator("[data-chip=project_contains]")
    assert "dynamic rout" in chip.inner_text()
    # The link keeps it: a reload shows the same rows and the filter as typed.
    page.reload()
    _wait_rows(page, expected)
    model = page.evaluate(f"{GRID}.getFilterModel()")
    assert model["project"]["type"] == "contains" and model["project"]["filter"] == "dynamic rout"
    # Removing the chip removes the filter.
    page.locator("[data-chip=project_contains] button").click()
    page.wait_for_function("() => location.search === ''")
    _wait_rows(page, live.store.list_assets(AssetQuery(), limit=1).total)
    screenshot(page, f"overview-contains-{size[0]}.png")


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_a_filter_matching_nothing_says_so_and_keeps_what_was_typed(page, live, size):
    _open(page, live, size=size)
    page.locator(f"{NAME_ROWS} [col-id=name] a").first.wait_for()
    page.locator("#overview-grid").scroll_into_view_if_needed()
    _column_filter(page, "project", "no such project")
    page.locator("[data-state=no_match]").wait_for()
    assert "No asset matches" in page.locator("#overview-body").inner_text()
    grid = page.locator("#overview-grid")
    assert grid.is_visible(), "the grid (and its filter) disappeared"
    box = grid.bounding_box()
    assert box["y"] < size[1] and box["y"] + box["height"] > 0, "the page jumped away from the grid"
    page.get_by_text("No asset matches these filters.", exact=True).last.wait_for()  # the grid's own overlay
    page.locator(".ag-header-cell[col-id=project] .ag-header-cell-filter-button").click()
    assert page.locator(".ag-filter input[type=text]").first.input_value() == "no such project"
    page.keyboard.press("Escape")
    assert "no such project" in page.evaluate("location.search").replace("%20", " ")
    screenshot(page, f"overview-no-match-{size[0]}.png")


def test_an_unknown_exact_project_stays_in_the_dropdown(page, live):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live.url + "/?project=" + quote("No Such Project"))
    page.locator("[data-state=no_match]").wait_for()
    assert "No Such Project" in page.locator("#overview-project").inner_text()
    page.wait_for_timeout(500)  # the dropdown would clear it (and the URL with it) by itself
    assert parse_query(page.evaluate("location.search")).query.project == ("No Such Project",)


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_the_sort_goes_into_the_url_with_the_filters(page, live, size):
    _open(page, live, "/?project=Family", size=size)
    _wait_rows(page, 4)
    header = page.locator(".ag-header-cell[col-id=pending] .ag-header-cell-label")
    header.click()
    page.wait_for_function("() => location.search === '?project=Family&sort=pending'")
    header.click()
    page.wait_for_function("() => location.search === '?project=Family&sort=-pending'")
    expected = [r.name for r in live.store.list_assets(AssetQuery(project=("Family",)), Sort("pending", True)).rows]
    _wait_first(page, expected[0])
    # A reload (or the link) shows the same order.
    page.reload()
    _wait_rows(page, 4)
    _wait_first(page, expected[0])
    assert _names(page, 4) == expected
    assert page.locator(".ag-header-cell[col-id=pending]").get_attribute("aria-sort") == "descending"
    # Back: the previous sort, in the URL and in the grid.
    page.go_back()
    page.wait_for_function("() => location.search === '?project=Family&sort=pending'")
    page.wait_for_function("() => document.querySelector('.ag-header-cell[col-id=pending]')"
                           ".getAttribute('aria-sort') === 'ascending'")
    # A link with its own sort wins over the sort this browser used last.
    page.goto(live.url + "/?project=Family&sort=name")
    _wait_rows(page, 4)
    page.wait_for_function("() => document.querySelector('.ag-header-cell[col-id=name]')"
                           ".getAttribute('aria-sort') === 'ascending'")
    by_name = [r.name for r in live.store.list_assets(AssetQuery(project=("Family",)), Sort("name", False)).rows]
    _wait_first(page, by_name[0])
    assert page.evaluate("location.search") == "?project=Family&sort=name"
    screenshot(page, f"overview-sorted-{size[0]}.png")


# -- 5. derived assets under their raw asset; "derived assets (N)" from a raw asset's row -----------


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_derived_assets_can_be_listed_under_their_raw_asset(page, live, size):
    _open(page, live, "/?project=Family&sort=-pending", size=size)
    _wait_rows(page, 4)
    flat = _names(page, 4)
    assert flat[:2] == [SORTED, CURATED] and flat.index(RAW) > 2  # most pending first: the family is apart
    page.get_by_label("Group derived under raw").check()
    page.wait_for_function("() => location.search === '?project=Family&sort=-pending&group=raw'")
    page.wait_for_function(f"() => {{ let under = 0; {GRID}.forEachNode(n => {{ if (n.data && n.data.under) "
                           "under += 1; }); return under === 2; }")
    grouped = _names(page, 4)
    raw = grouped.index(RAW)
    assert grouped[raw + 1:raw + 3] == [SORTED, CURATED]
    marks = page.locator(f"{NAME_ROWS} .derived-under")
    assert marks.count() == 2 and {m.get_attribute("data-under") for m in marks.all()} == {RAW}
    # The raw asset's row links to its derived assets.
    link = page.locator(".ag-center-cols-container [col-id=source] a.derived-link")
    assert link.count() == 1 and link.inner_text() == "derived assets (2)"
    screenshot(page, f"overview-grouped-{size[0]}.png")
    # Kept by a reload (it is in the URL).
    page.reload()
    _wait_rows(page, 4)
    assert page.get_by_label("Group derived under raw").is_checked()
    _wait_first(page, grouped[0])
    assert _names(page, 4) == grouped
    link = page.locator(".ag-center-cols-container [col-id=source] a.derived-link")
    link.click()
    page.wait_for_function(f"() => location.search === '?source={quote(RAW)}'")
    _wait_rows(page, 2)
    assert set(_names(page, 2)) == {SORTED, CURATED}
    assert RAW in page.locator("[data-chip=source]").inner_text()
