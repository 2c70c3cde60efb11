"""/status in real Chromium: a DocDB-backed portal shows its checks with no console errors."""

from __future__ import annotations

import os

import pytest

from portal import create_app
from portal.settings import load_settings
from tests.browser.conftest import LiveServer
from tests.docdb_gateway import DocDbGateway
from tests.records import metric, record

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    gateway = DocDbGateway().start()
    gateway.seed([{**record("a", metrics=[metric("m", "Fail")]), "_id": "a"},
                  {**record("b", qc={"metrics": "oops"}), "_id": "b"}])
    saved = {key: os.environ.get(key) for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    settings = load_settings(data_dir=tmp_path_factory.mktemp("status"), secret_key="browser-tests",
                             store=gateway.store_url(), status_page="anonymous")
    try:
        with LiveServer(create_app(settings)) as server:
            yield server
    finally:
        gateway.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_status_page_shows_the_gateway_and_the_unreadable_count(page, live):
    page.goto(live.url + "/status")
    row = page.locator("tr[data-check='DocDB gateway']")
    row.wait_for()
    assert "ok" in row.inner_text() and "ms" in row.inner_text()
    assert page.locator("#status-unreadable").inner_text() == "1"
    assert "2.4.2" in page.locator("#status-versions").inner_text()
