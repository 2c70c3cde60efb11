"""The asset page as a daily reviewer uses it, at 1280x800 and 1920x1080 (issue 15, items 6-10).

What is asserted is what a reviewer sees: the counter and the saved message agree, the
preview shows the status a choice sets, the navigator counts unsaved changes, a greyed
value says how to change it, a viewer whose host does not answer says so, a recording
reaches the Rerun viewer, the full-screen icon is a picture, the legend and the caption
can be read, nothing runs past its card, links with spaces are links, and every
curation version can be opened. The store is the oracle for what was saved.
Screenshots go to $QC_PORTAL_TEST_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import json
import re

import pytest

from portal import create_app
from portal.demo.figures import make
from portal.settings import IFRAME_HOSTS, load_settings
from tests.auth_helpers import add_user
from tests.browser.asset_helpers import asset_url, screenshot, settle, sign_in
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer
from tests.real_shapes import dropdown
from tests.records import metric, record

pytestmark = pytest.mark.browser
SIZES = [(1280, 800), (1920, 1080)]
ASSET = "ecephys_700001_2025-04-01_10-00-00"
LONG_TAG = "experiment1_Record Node 101#Neuropix-PXI-100.ProbeA_recording1_group0_and_a_long_suffix"
LONG_TYPE = "Spike sorting curation from the ephys curation GUI for ProbeA, experiment1 Record Node 101"
VERSIONS = [{"labelsByUnit": {"1": ["good"]}, "version": "first"},
            {"labelsByUnit": {"1": ["noise"]}, "version": "second"},
            {"labelsByUnit": {"1": ["mua"]}, "version": "third"}]
UNREACHABLE = "viewer.invalid"  # never resolves: a viewer host that does not answer


def _curation() -> dict:
    # Stored as real records store them: JSON text, the middle one JSON text of JSON text.
    stored = [json.dumps(VERSIONS[0]), json.dumps(json.dumps(VERSIONS[1])), json.dumps(VERSIONS[2])]
    return {**metric("Sorting curation", "Pass", stage="Processing", value=stored, tags={"group": "Curation"},
                     reference=f"https://{UNREACHABLE}/gui?unit=1"),
            "object_type": "Curation metric", "type": LONG_TYPE,
            "curation_history": [{"object_type": "Curation history", "curator": "Ann Reviewer",
                                  "timestamp": "2025-04-03T10:00:00+00:00"},
                                 {"object_type": "Curation history", "curator": "Bo Curator",
                                  "timestamp": "2025-04-04T10:00:00+00:00"}]}


def _record(folder, name: str = ASSET) -> dict:
    units = {"group": "Units", "probe": "ProbeA"}
    metrics = [
        metric("Unit quality", "Pass", value=dropdown("Normal"), tags=units, reference="traces.png"),
        metric("Spike sorting", "Pending", value=dropdown(""), tags=units, reference="traces.png"),
        metric("Firing rate", "Pending", value=3.2, tags={"group": "Rates", "probe": "ProbeA"},
               reference="lick_raster.vl.json"),
        metric("Raw traces", "Pending", value=None, tags={"group": "Traces", "recording": LONG_TAG},
               reference="traces.png",
               description="Check the [raw traces](https://example.org/figs/Record Node 101/traces raw.png) "
                           "against the probe map."),
        metric("Video", "Pass", value=None, tags={"group": "Video"}, reference="clip.mp4"),
        _curation(),
        metric("Recording", "Pass", value=None, tags={"group": "Rerun"}, reference="session_v0.24.0.rrd"),
    ]
    rec = record(name, metrics=metrics, acquired="2025-04-01T10:00:00+00:00")
    rec["quality_control"]["default_grouping"] = [["group"]]
    rec["location"] = str(folder)
    return rec


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("asset-daily")
    folder = data / "assets" / ASSET
    folder.mkdir(parents=True)
    make("drift_map-0.png", folder / "traces.png")
    make("lick_raster.vl.json", folder / "lick_raster.vl.json")
    make("behavior.mp4", folder / "clip.mp4")
    (folder / "session_v0.24.0.rrd").write_bytes(b"RRF2" + bytes(range(64)))
    settings = load_settings(data_dir=data, secret_key="browser-tests", iframe_hosts=f"{IFRAME_HOSTS},{UNREACHABLE}")
    app = create_app(settings)
    store = app.server.extensions["qc_portal"].store
    # One asset for the read-only tests, one per test and size that saves or edits.
    names = [ASSET] + [_asset(test, size) for test in ("edits", "nav") for size in SIZES]
    assert [r.action for r in store.upsert_many([_record(folder, name) for name in names])] == ["created"] * 5
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    with LiveServer(app) as server:
        server.store = store
        yield server


def _asset(test: str, size) -> str:
    return f"{ASSET}_{test}_{size[0]}"


def _open(page, live, size, name: str = ASSET, **query) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(asset_url(live.url, name, **query))
    page.locator("#detail-page").first.wait_for()
    settle(page)


def _card(page, name: str):
    return page.locator(f"[data-metric={json.dumps(name)}]")


def _choose(page, name: str, option: str) -> None:
    """Pick `option` in a metric's dropdown, as a user does."""
    _card(page, name).locator(".value-dropdown").click()
    page.get_by_role("option", name=re.compile(f"^{re.escape(option)}")).click()
    settle(page)


def _status(page, name: str, status: str) -> None:
    _card(page, name).locator(".status-control label", has_text=status).click()
    settle(page)


def _stored(live, name: str, asset: str = ASSET) -> dict:
    qc = live.store.get(asset).record["quality_control"]
    return next(m for m in qc["metrics"] if m["name"] == name)


# -- 6. the counter and the preview are what Submit writes ----------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_the_counter_and_preview_are_exactly_what_submit_writes(page, live, size):
    sign_in(page, live.url, "ann")
    asset = _asset("edits", size)
    _open(page, live, size, asset, group="none")
    page.get_by_label("Allow edits of values already set").check()
    settle(page)
    _choose(page, "Unit quality", "Noisy")  # a choice whose options carry statuses: Fail
    _choose(page, "Spike sorting", "Normal")  # Pass
    _status(page, "Firing rate", "Fail")
    # 2 values, the 2 statuses those choices set, 1 status set by hand.
    page.wait_for_function("() => document.getElementById('detail-change-count').innerText === '5 unsaved changes'")
    page.locator("#detail-changes summary", has_text="Preview").click()
    items = page.locator("#detail-preview li")
    assert items.count() == 5
    implied = page.locator("#detail-preview li", has=page.locator(".change-implied"))
    assert implied.count() == 2
    assert "Unit quality" in implied.nth(0).inner_text() and "Fail" in implied.nth(0).inner_text()
    screenshot(page, f"asset-preview-{size[0]}.png")
    page.locator("#detail-submit").click()
    page.locator(".submit-saved").wait_for()
    assert page.locator(".submit-saved").inner_text().startswith("Saved 5 changes")
    for name, status in (("Unit quality", "Fail"), ("Spike sorting", "Pass"), ("Firing rate", "Fail")):
        assert _stored(live, name, asset)["status_history"][-1]["status"] == status
        assert _stored(live, name, asset)["status_history"][-1]["evaluator"] == "Ann Reviewer"


# -- 7. the navigator counts unsaved changes; a greyed value says how to change it ----------------


def _node(page, key: str):
    return page.locator(f".nav-node[data-node={json.dumps(key)}]")


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_the_navigator_counts_unsaved_changes(page, live, size):
    sign_in(page, live.url, "ann")
    asset = _asset("nav", size)
    _open(page, live, size, asset, node="Rates")
    rates = _node(page, "Rates")
    assert rates.locator("[data-count=Pending]").inner_text() == "1" and rates.get_attribute("data-status") == "Pending"
    root_fail = _node(page, "").locator("[data-count=Fail]")
    assert root_fail.count() == 0  # nothing fails yet
    _status(page, "Firing rate", "Fail")
    page.wait_for_function("() => document.querySelector('.nav-node[data-node=\"Rates\"]')"
                           ".getAttribute('data-status') === 'Fail'")
    rates = _node(page, "Rates")
    assert rates.locator("[data-count=Fail]").inner_text() == "1" and rates.locator("[data-count=Pending]").count() == 0
    assert rates.locator(".nav-unsaved").get_attribute("data-unsaved") == "1"
    assert _node(page, "").locator("[data-count=Fail]").inner_text() == "1"
    assert _stored(live, "Firing rate", asset)["status_history"][-1]["status"] == "Pending"  # nothing saved yet
    screenshot(page, f"asset-navigator-unsaved-{size[0]}.png")
    # Discard: the counts are the saved ones again.
    page.locator("#detail-discard").click()
    page.wait_for_function("() => document.querySelector('.nav-node[data-node=\"Rates\"]')"
                           ".getAttribute('data-status') === 'Pending'")
    assert _node(page, "Rates").locator(".nav-unsaved").count() == 0


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_a_greyed_value_says_how_to_change_it(page, live, size):
    sign_in(page, live.url, "ann")
    _open(page, live, size, node="Rates")
    field = _card(page, "Firing rate").locator("input.value-number")
    assert field.is_disabled()
    hint = _card(page, "Firing rate").locator(".value-locked")
    assert "Already set" in hint.inner_text() and hint.is_visible()
    hint.locator("button", has_text="allow edits").click()
    page.wait_for_function("() => { const f = document.querySelector(\"[data-metric='Firing rate'] "
                           "input.value-number\"); return f && !f.disabled; }")
    assert page.get_by_label("Allow edits of values already set").is_checked()
    assert _card(page, "Firing rate").locator(".value-locked").count() == 0


# -- 8. viewers: a host that does not answer, .rrd for Rerun, the icon, the legend, the caption ----


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_a_viewer_whose_host_does_not_answer_says_so(page, live, size):
    _open(page, live, size, node="Curation")
    box = page.locator(f".ref-frame[data-frame-host={json.dumps(UNREACHABLE)}]")
    page.wait_for_function(f"() => document.querySelector('.ref-frame[data-frame-host=\"{UNREACHABLE}\"]')"
                           ".getAttribute('data-load-state') === 'failed'")
    message = box.locator(".ref-frame-error")
    assert message.is_visible() and f"Could not load {UNREACHABLE}" in message.inner_text()
    assert message.locator("a").get_attribute("href") == f"https://{UNREACHABLE}/gui?unit=1"
    assert box.locator("iframe").is_hidden()  # not the browser's broken-page picture
    screenshot(page, f"asset-viewer-unreachable-{size[0]}.png")


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_the_full_screen_icon_is_a_picture_shipped_with_the_portal(page, live, size):
    _open(page, live, size, node="Rerun")
    button = page.locator(".ref-fullscreen").first
    assert button.inner_text().strip() == "Full screen" and "\u26f6" not in button.inner_text()
    icon = button.locator(".icon-fullscreen")
    mask = icon.evaluate("el => getComputedStyle(el).maskImage || getComputedStyle(el).webkitMaskImage")
    assert "/assets/icons/fullscreen.svg" in mask
    box = icon.bounding_box()
    assert box["width"] >= 10 and box["height"] >= 10
    answer = page.request.get(live.url + "/assets/icons/fullscreen.svg")
    assert answer.ok and answer.headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_the_vega_legend_fits_its_column(page, live, size):
    _open(page, live, size, node="Rates")
    legend = page.locator(".ref-vega svg g.role-legend").first
    legend.wait_for()
    column = page.locator(".ref-col").first.bounding_box()
    chart = page.locator(".ref-vega svg").first.bounding_box()
    assert chart["width"] > column["width"] * 0.6, "the chart is not drawn across its column"
    box = legend.bounding_box()
    assert box["x"] >= column["x"] and box["x"] + box["width"] <= column["x"] + column["width"] + 1, (
        f"the legend is cut at {size[0]} px")
    screenshot(page, f"asset-vega-{size[0]}.png")


_CONTRAST = """el => {
    const rgb = s => s.match(/[\\d.]+/g).map(Number);
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    const lum = ([r, g, b]) => 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    let node = el, bg = null;
    while (node && node.nodeType === 1) {
        const c = rgb(getComputedStyle(node).backgroundColor);
        if (c.length < 4 || c[3] > 0) { bg = c; break; }
        node = node.parentElement;
    }
    bg = bg || [255, 255, 255];
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_the_video_caption_can_be_read(page, live, size):
    _open(page, live, size, node="Video")
    caption = page.locator(".ref-viewer[data-kind=video] .ref-caption span").first
    caption.wait_for()
    assert page.locator(".ref-viewer[data-kind=video] .ref-caption span").first.evaluate(_CONTRAST) >= 4.5
    screenshot(page, f"asset-video-{size[0]}.png")


@pytest.fixture(scope="module")
def rerun_browser(browser):
    """Chromium allowed to reach the loopback portal from a public page (the check is the
    portal's CORS answer, as on a portal the Rerun viewer can reach)."""
    args = [*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
                            "PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults"]
    other = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    yield other
    other.close()


def test_the_hosted_rerun_viewer_can_fetch_the_recording(rerun_browser, live):
    page = rerun_browser.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    # The viewer's page, served here for its origin (the real one is on the internet).
    page.route("https://app.rerun.io/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>Rerun</title>"))
    page.goto("https://app.rerun.io/version/0.24.0/")
    url = f"{live.url}/references/{ASSET}/session_v0.24.0.rrd"
    got = page.evaluate("""url => fetch(url).then(r => r.arrayBuffer().then(b => [r.status, b.byteLength]),
                                                  e => ['refused', String(e)])""", url)
    page.close()
    assert got == [200, 68], (got, errors)
    assert not errors


# -- 9. tag chips and curation headings stay in their card; links with spaces; JSON text decoded ---


def _inside(page, selector: str, card_name: str) -> None:
    card = _card(page, card_name).bounding_box()
    for element in page.locator(f"[data-metric={json.dumps(card_name)}] {selector}").all():
        box = element.bounding_box()
        assert box["x"] >= card["x"] - 1 and box["x"] + box["width"] <= card["x"] + card["width"] + 1, (
            f"{selector} runs past the card of {card_name}")


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_long_tags_and_curation_headings_stay_in_their_card(page, live, size):
    _open(page, live, size, node="Traces")
    _inside(page, ".metric-meta .tag", "Raw traces")
    link = _card(page, "Raw traces").locator(".metric-description a")
    assert link.inner_text() == "raw traces"
    assert link.get_attribute("href") == "https://example.org/figs/Record%20Node%20101/traces%20raw.png"
    assert "](" not in _card(page, "Raw traces").locator(".metric-description").inner_text()
    screenshot(page, f"asset-tags-{size[0]}.png")
    _open(page, live, size, node="Curation")
    _inside(page, ".curation-title", "Sorting curation")
    latest = _card(page, "Sorting curation").locator(".value-curation > .value-marked pre").inner_text()
    assert json.loads(latest) == VERSIONS[2] and "\\" not in latest
    screenshot(page, f"asset-curation-{size[0]}.png")


# -- 10. every curation version can be browsed ----------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=["1280", "1920"])
def test_older_curation_versions_can_be_browsed(page, live, size):
    _open(page, live, size, node="Curation")
    card = _card(page, "Sorting curation")
    card.locator(".curation-versions-box > summary", has_text="Versions (3)").click()
    versions = card.locator(".curation-version")
    assert versions.count() == 3
    summaries = [v.locator("summary").inner_text() for v in versions.all()]
    assert summaries[0].startswith("Version 3") and "latest" in summaries[0] and "Bo Curator" in summaries[0]
    assert summaries[1].startswith("Version 2") and "Ann Reviewer" in summaries[1]
    assert summaries[2].startswith("Version 1") and "not recorded" in summaries[2]
    for number in (1, 2):
        item = card.locator(f"[data-version='{number}'] .curation-version")
        item.locator("summary").click()
        content = item.locator("pre").inner_text()
        assert json.loads(content) == VERSIONS[number - 1] and "\\" not in content
    screenshot(page, f"asset-curation-versions-{size[0]}.png")
