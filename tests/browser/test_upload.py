"""The batch upload page in real Chromium: a CSV with good and bad rows is checked row by row,
Submit applies exactly the good ones (progress, then the result), and the bad ones are listed."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.settings import load_settings
from tests.auth_helpers import PASSWORD, add_user
from tests.browser.conftest import LiveServer
from tests.records import metric, record

pytestmark = pytest.mark.browser

CSV = (
    "asset,metric,status,value,comment\n"
    "ecephys_1,drift,Fail,2.5,drifts after 10 min\n"  # good
    "ecephys_1,noise,pass,,\n"  # good (any case)
    "ecephys_9,drift,Pass,,\n"  # unknown asset
    "ecephys_2,rms,Great,,\n"  # invalid status
    "ecephys_2,rms,,loud,\n"  # wrong type (rms is a number)
    "ecephys_2,rms,Pending,,re-check\n"  # good
    "ecephys_1,drift,Pass,,\n"  # duplicate of row 2
)
GOOD, BAD = {2, 3, 7}, {4, 5, 6, 8}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("upload-live")
    app = create_app(load_settings(data_dir=data, secret_key="browser-tests"))
    app.server.extensions["qc_portal"].store.upsert_many([
        record("ecephys_1", metrics=[metric("drift", "Pending", value=1.5), metric("noise", "Pending")]),
        record("ecephys_2", metrics=[metric("rms", "Pass", value=4.2)]),
    ])
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    with LiveServer(app) as server:
        server.store = app.server.extensions["qc_portal"].store
        yield server


def sign_in(page, live, name):
    page.goto(live.url + "/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_good_rows_applied_bad_rows_listed(page, live, tmp_path):
    upload = tmp_path / "reviews.csv"
    upload.write_text(CSV)
    sign_in(page, live, "ann")
    page.goto(live.url + "/upload")
    page.locator("#upload-file input[type=file]").set_input_files(str(upload))

    summary = page.locator(".upload-summary")
    summary.wait_for()
    assert "3 rows valid, 4 with errors" in summary.inner_text()
    rows = page.locator("#upload-preview .upload-row").all()
    verdicts = {int(row.get_attribute("data-row")): row.get_attribute("data-verdict") for row in rows}
    assert {n for n, v in verdicts.items() if v == "ok"} == GOOD
    assert {n for n, v in verdicts.items() if v == "error"} == BAD
    row_texts = {int(row.get_attribute("data-row")): row.inner_text() for row in rows}
    assert "unknown asset" in row_texts[4] and "invalid status" in row_texts[5]
    assert "not a number" in row_texts[6] and "duplicate row" in row_texts[8]
    assert live.store.get("ecephys_1").version == 1  # checking wrote nothing

    page.click("#upload-submit")
    result = page.locator(".upload-result")
    result.wait_for(timeout=20_000)
    assert "3 rows applied, 4 not applied" in result.inner_text()
    outcomes = {int(r.get_attribute("data-row")): r.get_attribute("data-outcome")
                for r in page.locator(".upload-result .upload-row").all()}
    assert {n for n, o in outcomes.items() if o == "applied"} == GOOD
    assert {n for n, o in outcomes.items() if o == "not-applied"} == BAD

    one = {m["name"]: m for m in live.store.get("ecephys_1").record["quality_control"]["metrics"]}
    assert one["drift"]["value"] == 2.5
    assert [(h["evaluator"], h["status"]) for h in one["drift"]["status_history"]] == [
        ("Automated", "Pending"), ("Ann Reviewer", "Fail")]  # row 8's Pass was not applied
    assert one["noise"]["status_history"][-1]["status"] == "Pass"
    two = live.store.get("ecephys_2").record["quality_control"]["metrics"][0]
    assert two["value"] == 4.2 and two["status_history"][-1]["status"] == "Pending"

    recent = page.locator(".upload-recent-row").first
    assert "Ann Reviewer" in recent.inner_text() and "reviews.csv" in recent.inner_text()
    # The result page is a link: it lists the same outcome after a reload.
    page.goto(live.url + "/upload?upload=" + recent.get_attribute("data-upload"))
    page.locator(".upload-result").wait_for()
    assert "3 rows applied, 4 not applied" in page.locator(".upload-result").inner_text()
