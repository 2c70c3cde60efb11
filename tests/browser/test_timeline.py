"""A metric's timeline in Chromium: opened from the "Timeline" link of its card on the asset
page, it lists the metric's events newest first (the reference as it was shown as an image),
and its link leads back to the asset page at the metric."""

from __future__ import annotations

import struct
import zlib
from urllib.parse import quote

import pytest

from components import ids
from portal import create_app
from portal.accounts.auth import User
from portal.review import reasons
from portal.review.annotation_service import submit
from portal.settings import load_settings
from portal.store.protocol import Annotation, MetricEdit
from tests.auth_helpers import add_user
from tests.browser.asset_helpers import asset_url, card_by_key, screenshot, settle
from tests.browser.conftest import LiveServer
from tests.records import metric, record

pytestmark = pytest.mark.browser

KEY = "drift [ecephys, Raw data, probe=A]"


def _png(rgb: tuple[int, int, int], size: int = 24) -> bytes:
    """A small valid PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _record(folder, reference: str) -> dict:
    rec = record("tl_asset", project="Timeline", metrics=[
        metric("drift", "Pending", tags={"probe": "A"}, value=12.5, reference=reference),
        metric("drift", "Pass", tags={"probe": "B"}, value=3.0, reference="probe_b.png"),
    ])
    rec["location"] = str(folder)
    rec["quality_control"]["default_grouping"] = [["probe"]]
    return rec


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("timeline-live")
    app = create_app(load_settings(data_dir=data, secret_key="browser-tests"))
    portal = app.server.extensions["qc_portal"]
    folder = data / "assets" / "tl_asset"
    folder.mkdir(parents=True)
    for name, colour in (("probe_a.png", (200, 40, 40)), ("probe_a_v2.png", (40, 160, 40)),
                         ("probe_b.png", (40, 40, 200))):
        (folder / name).write_bytes(_png(colour))
    portal.store.upsert_many([_record(folder, "probe_a.png")])
    root = User(add_user(app, "root", "admin", display_name="Root Admin"))
    ann = User(add_user(app, "ann", "annotator", display_name="Ann Reviewer"))
    with app.server.test_request_context():
        reasons.set_project_reasons(portal.store, root, "Timeline", ["Drift too high"])
        done = submit(portal, ann, Annotation("tl_asset", 1, (MetricEdit(
            key=KEY, status="Fail", reason="Drift too high", comment="see t=40 s", value=20.0),)))
        submit(portal, ann, Annotation("tl_asset", done.version, (MetricEdit(key=KEY, status="Pass"),)))
    portal.store.upsert_many([_record(folder, "probe_a_v2.png")], actor="nightly-ingest")
    with LiveServer(app) as server:
        yield server


def test_open_the_timeline_from_the_card_and_go_back(page, live):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(asset_url(live.url, "tl_asset", node="A"))
    settle(page)
    link = card_by_key(page, KEY).locator(".metric-timeline-link")
    link.wait_for()
    page.wait_for_function("el => !!el.getAttribute('href')", arg=link.element_handle())
    assert link.get_attribute("href") == "/asset/tl_asset/timeline?key=" + quote(KEY, safe="-_.!~*'()")
    screenshot(page, "asset-timeline-link-1280.png")
    link.click()
    page.locator(f"#{ids.TIMELINE_EVENTS}").wait_for()
    settle(page)
    assert page.url.startswith(live.url + "/asset/tl_asset/timeline?key=")
    root = page.locator(f"#{ids.TIMELINE_PAGE}")
    assert root.get_attribute("data-metric-key") == KEY
    kinds = page.eval_on_selector_all(".timeline-event", "rows => rows.map(r => r.dataset.kind)")
    assert kinds == ["reference", "status", "value", "status", "status"]
    first_reference = page.locator(".timeline-event").first
    assert "nightly-ingest" in first_reference.inner_text()
    # The reference as it was, as an image served from the asset's folder.
    old = first_reference.locator(".timeline-old img.timeline-thumb")
    assert old.get_attribute("src") == "/references/tl_asset/probe_a.png"
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=old.element_handle())
    failed = page.locator(".timeline-event").nth(3)
    assert "Ann Reviewer" in failed.inner_text() and "Drift too high" in failed.inner_text()
    assert " UTC" in failed.inner_text()
    assert "created by ingest" in page.locator(f"#{ids.TIMELINE_ORIGIN}").inner_text()
    screenshot(page, "metric-timeline-1280.png")

    page.locator(f"#{ids.TIMELINE_BACK}").click()
    card_by_key(page, KEY).wait_for()
    settle(page)
    assert page.url.startswith(live.url + "/asset/tl_asset")
    assert card_by_key(page, "drift [ecephys, Raw data, probe=B]").count() == 0  # the node of probe A
