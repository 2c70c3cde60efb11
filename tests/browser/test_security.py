"""The security model in real Chromium: script payloads in every field of an asset stay
text (no dialog, no script runs, the CSP reports nothing); a cross-site form with a
valid session is refused while the portal's own works; single sign-on against a real
provider on 127.0.0.1; the login gate; and the admins' audit page with its filter."""

from __future__ import annotations

import threading
from urllib.parse import quote

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from portal import create_app
from portal.settings import load_settings
from tests.auth_helpers import PASSWORD, add_user
from tests.browser.conftest import LiveServer
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.records import metric, record

pytestmark = pytest.mark.browser

# Every payload sets window.__pwned (and some call alert): neither may ever happen.
NAME = "xss-<img src=x onerror=window.__pwned=1>"
PROJECT = "<script>window.__pwned=2</script>Proj"
METRIC = '<img src=x onerror="window.__pwned=3;alert(3)">'
SCRIPT_IN_DESCRIPTION = "<script>window.__pwned=4</script>"
DESCRIPTION = (f"**Rule**: {SCRIPT_IN_DESCRIPTION} [click me](javascript:window.__pwned=5) "
               "<img src=x onerror=window.__pwned=6> [data](data:text/html,<script>window.__pwned=7</script>)")
TAG = "<svg onload=window.__pwned=8>"
VALUE = "<iframe src=javascript:window.__pwned=9></iframe>"
EVALUATOR = "<b onmouseover=window.__pwned=10>Eve</b>"
NOTES = "<script>window.__pwned=11</script> asset notes"
TABLE_CELL = "<img src=x onerror=window.__pwned=12>"


def xss_record() -> dict:
    return record(NAME, project=PROJECT, subject="<b>s</b>", notes=NOTES, metrics=[
        metric(METRIC, "Fail", tags={"probe": TAG}, value=VALUE, description=DESCRIPTION,
               reference="javascript:window.__pwned=13", evaluator=EVALUATOR),
        metric("table metric", "Pending", tags={"probe": TAG},
               value={"index": ["<b>r1</b>"], TABLE_CELL: [1]},
               reference='https://example.invalid/"><script>window.__pwned=14</script>'),
        metric("data reference", "Pass", tags={"probe": TAG},
               reference="data:text/html,<script>window.__pwned=15</script>"),
    ])


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    data = tmp_path_factory.mktemp("security-live")
    app = create_app(load_settings(data_dir=data, secret_key="browser-security"))
    store = app.server.extensions["qc_portal"].store
    report = store.upsert_many([xss_record(), record("plain_1", metrics=[metric("drift", "Pending")])])
    assert all(r.action == "created" for r in report), report
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "root", "admin", display_name="Root Admin")
    with LiveServer(app) as server:
        yield server


def guard(page) -> list[str]:
    """Fail on any dialog (alert/confirm/prompt): record it and dismiss it."""
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def sign_in(page, base: str, name: str):
    page.goto(base + "/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def no_script_urls(page):
    assert page.locator('a[href^="javascript:" i], a[href^="data:" i], a[href^="vbscript:" i]').count() == 0
    assert page.locator('iframe[src^="javascript:" i], iframe[src^="data:" i], img[src^="javascript:" i]').count() == 0
    assert page.locator("iframe").count() == 0  # none of these URLs is on an allowed host
    # No script that runs carries a payload (Dash's config is JSON, escaped, never run).
    assert not page.evaluate("""() => [...document.scripts].some(s =>
        (!s.type || /javascript|module/i.test(s.type)) && (s.textContent || '').includes('__pwned'))""")


def test_payloads_in_every_field_stay_text_on_the_asset_page(page, live):
    dialogs = guard(page)
    sign_in(page, live.url, "ann")  # an annotator: the editable widgets are on the page too
    page.goto(f"{live.url}/asset/{quote(NAME, safe='')}")
    page.locator("[data-metric]").first.wait_for()
    page.wait_for_timeout(500)  # let any deferred handler (onerror, onload) have its chance
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    body = page.locator("body").inner_text()
    for literal in (NAME, METRIC, SCRIPT_IN_DESCRIPTION, "<img src=x onerror=window.__pwned=6>", TAG):
        assert literal in body, literal
    assert page.locator("#detail-notes").input_value() == NOTES  # the annotator's notes box
    assert "[click me](javascript:window.__pwned=5)" in body  # markdown-it refuses the link: plain text
    assert page.locator(".metric-description strong", has_text="Rule").count() == 1  # markdown still works
    value = page.locator("[data-metric] input.value-text").first
    assert value.input_value() == VALUE
    # The status history's evaluator, shown on demand.
    page.locator(f"[data-metric='{METRIC}'] summary", has_text="Status history").click()
    assert EVALUATOR in page.locator(f"[data-metric='{METRIC}'] .history-table").inner_text()
    # Hover over the payloads: an onmouseover would run now, if it were markup.
    for text in (METRIC, TAG):
        page.get_by_text(text, exact=False).first.hover()
    page.wait_for_timeout(300)
    no_script_urls(page)
    assert page.evaluate("window.__pwned") is None and dialogs == []


def test_all_metrics_with_references_and_tables(page, live):
    """The node holding every metric: the table value and the three references."""
    dialogs = guard(page)
    page.goto(f"{live.url}/asset/{quote(NAME, safe='')}?group=none")
    page.locator("[data-metric='table metric']").wait_for()
    page.wait_for_timeout(500)
    body = page.locator("body").inner_text()
    assert TABLE_CELL in body and "<b>r1</b>" in body
    assert "javascript:window.__pwned=13" in body  # the reference is named, never linked
    link = page.locator("a.ref-link").first
    assert link.get_attribute("href").startswith("https://example.invalid/")
    no_script_urls(page)
    assert page.evaluate("window.__pwned") is None and dialogs == []


def test_the_overview_grid_and_project_page_show_names_literally(page, live):
    dialogs = guard(page)
    page.goto(live.url + "/")
    cell = page.locator("div[role=gridcell][col-id=name] a", has_text="xss-")
    cell.wait_for()
    assert cell.inner_text() == NAME
    assert page.locator("div[role=gridcell][col-id=project]", has_text="Proj").first.inner_text() == PROJECT
    assert PROJECT in page.locator(".project-summary-link").all_inner_texts()
    page.goto(f"{live.url}/project/{quote(PROJECT, safe='')}")
    page.locator(".asset-link", has_text="xss-").wait_for()
    assert page.locator(".asset-link", has_text="xss-").inner_text() == NAME
    assert PROJECT in page.locator("body").inner_text()
    page.wait_for_timeout(300)
    no_script_urls(page)
    assert page.evaluate("window.__pwned") is None and dialogs == []


# -- cross-site requests -------------------------------------------------------------------

class Attacker:
    """Another origin on 127.0.0.1 (same site: the browser sends the SameSite=Lax cookie):
    a page that posts a form to the portal as soon as it loads."""

    def __init__(self, target: str):
        def app(environ, start_response):
            html = (f'<!doctype html><form id=f method=post action="{target}">'
                    '<input name=username value=ann></form><script>document.getElementById("f").submit()</script>')
            return Response(html, mimetype="text/html")(environ, start_response)

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self):
        self._server.shutdown()


def test_a_cross_site_form_with_a_valid_session_is_refused_and_the_own_form_works(browser, live):
    context = browser.new_context()  # the refused navigation is expected: no console-error guard here
    page = context.new_page()
    attacker = Attacker(live.url + "/logout")
    try:
        sign_in(page, live.url, "ann")
        page.goto(live.url + "/")
        page.get_by_text("Ann Reviewer (annotator)").wait_for()
        with page.expect_navigation(url=live.url + "/logout"):
            page.goto(attacker.url)
        assert "Cross-site request refused" in page.locator("body").inner_text()
        page.goto(live.url + "/")
        page.get_by_text("Ann Reviewer (annotator)").wait_for()  # still signed in
        page.get_by_role("button", name="Sign out").click()  # the portal's own form: same origin
        page.wait_for_load_state()
        page.locator("#nav-user", has_text="Sign in").wait_for()
    finally:
        attacker.close()
        context.close()


# -- the audit page ----------------------------------------------------------------------

def test_admins_filter_the_audit_log_in_the_page(page, live):
    from portal.accounts.auth import User
    from portal.review.annotation_service import submit
    from portal.store.protocol import Annotation, MetricEdit

    portal = live.app.server.extensions["qc_portal"]
    with live.app.server.test_request_context():
        submit(portal, User(portal.users.get("ann")),
               Annotation("plain_1", portal.store.get("plain_1").version,
                          (MetricEdit("drift", status="Fail", seen_history=1),)))
    sign_in(page, live.url, "root")
    page.goto(live.url + "/")
    page.get_by_role("link", name="Audit log").click()
    page.locator(".audit-entry").first.wait_for()
    assert page.locator(".audit-entry[data-user='ann']").count() >= 1
    page.fill("#audit-asset", "plain_1")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/audit?*asset=plain_1*")
    page.locator(".audit-entry").first.wait_for()
    assets = {page.locator(".audit-entry").nth(i).get_attribute("data-asset")
              for i in range(page.locator(".audit-entry").count())}
    assert assets == {"plain_1"}
    assert "drift · status" in page.locator(".audit-table").inner_text()


def test_the_audit_page_is_forbidden_to_others(page, live):
    sign_in(page, live.url, "ann")
    page.goto(live.url + "/audit")
    page.get_by_text("Only admins can read the audit log").wait_for()
    assert page.locator(".audit-entry").count() == 0


# -- single sign-on and the login gate ---------------------------------------------------------

@pytest.fixture(scope="module")
def sso_live(tmp_path_factory):
    with Provider() as provider:
        data = tmp_path_factory.mktemp("sso-live")
        settings = load_settings(
            data_dir=data, secret_key="browser-sso", require_login=True,
            oidc_discovery_url=provider.discovery_url, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET,
            oidc_role_map="qc-annotators=annotator")
        app = create_app(settings)
        app.server.extensions["qc_portal"].store.upsert_many([record("gated_1", metrics=[metric("m", "Pending")])])
        with LiveServer(app) as server:
            provider.redirect_uris.add(server.url + "/login/sso/callback")
            server.provider = provider
            yield server


def test_the_login_gate_then_single_sign_on_back_to_the_page(page, sso_live):
    page.goto(sso_live.url + "/asset/gated_1?group=none")
    page.wait_for_url("**/login?next=**")
    assert "Sign in to the QC Portal" in page.locator("h1").inner_text()
    page.get_by_role("link", name="Sign in with single sign-on").click()
    page.wait_for_url(sso_live.url + "/asset/gated_1?group=none")
    page.locator("[data-metric='m']").wait_for()
    assert page.locator("#nav-user").inner_text() == "Ada Lovelace (annotator)"
    # The account exists now, named by the provider, with the mapped role.
    account = sso_live.app.server.extensions["qc_portal"].users.get("ada")
    assert account.role == "annotator" and account.display_name == "Ada Lovelace"
