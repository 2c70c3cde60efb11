"""An embedded curation GUI in real Chromium: a tiny "curation GUI" page served over
https by the test (its host in QC_PORTAL_IFRAME_HOSTS and QC_PORTAL_CURATION_HOSTS)
receives the metric's latest curation by postMessage and sends one back; the portal
takes it only from that frame's window and origin, for annotators, size-limited, and
Submit appends it to the curation history with the server-side user and UTC time."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from components import ids
from portal import create_app
from portal.settings import IFRAME_HOSTS, load_settings
from tests.auth_helpers import add_user
from tests.browser.asset_helpers import asset_url, counter_visible, screenshot, settle, sign_in, stored_edits
from tests.browser.conftest import LiveServer
from tests.real_shapes import SPACE_TIME, curation
from tests.records import record

pytestmark = pytest.mark.browser

GUI_PAGE = b"""<!doctype html><meta charset="utf-8"><title>Curation GUI</title>
<p>A tiny curation GUI</p>
<script>
  window.received = [];
  window.addEventListener("message", function (event) {
    window.received.push({origin: event.origin, data: event.data});
  });
</script>
"""
KEY_A = "Sorting Curation [ecephys, Processing, probe=ProbeA]"
KEY_B = "Sorting Curation [ecephys, Processing, probe=ProbeB]"
LATEST = {"curation_version": "1", "labelsByUnit": {"3": ["noise"]}, "mergeGroups": [[1, 2]]}
MINE = {"curation_version": "1", "labelsByUnit": {"3": ["good"], "7": ["mua"]}, "mergeGroups": []}


def _certificate(folder):
    """A self-signed certificate for localhost and 127.0.0.1 (the browser context ignores its issuer)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "gui.crt", folder / "gui.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class _Gui(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(GUI_PAGE)))
        self.end_headers()
        self.wfile.write(GUI_PAGE)

    def log_message(self, *_args):
        pass


@pytest.fixture(scope="module")
def gui(tmp_path_factory):
    """The curation GUI over https on a free port (reachable as localhost and as 127.0.0.1)."""
    cert_file, key_file = _certificate(tmp_path_factory.mktemp("gui-tls"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gui)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()


@pytest.fixture(scope="module")
def live(tmp_path_factory, gui):
    data = tmp_path_factory.mktemp("curation-live")
    curation_host, other_host = f"localhost:{gui}", f"127.0.0.1:{gui}"  # two origins of one server
    settings = load_settings(data_dir=data, secret_key="browser-tests", curation_hosts=curation_host,
                             iframe_hosts=f"{IFRAME_HOSTS},{curation_host},{other_host}")
    app = create_app(settings)
    portal = app.server.extensions["qc_portal"]
    portal.store.upsert_many([record("curated_asset", metrics=[
        curation("Sorting Curation", [json.dumps(LATEST)], tags={"probe": "ProbeA"},
                 reference=f"https://{curation_host}/gui.html?probe=A",
                 history=[{"curator": "Pipeline", "timestamp": SPACE_TIME}]),
        # Embedded too, but its host is no curation host: it receives nothing and is not listened to.
        curation("Sorting Curation", [], tags={"probe": "ProbeB"}, reference=f"https://{other_host}/gui.html?probe=B"),
    ])])
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    with LiveServer(app) as server:
        server.store = portal.store
        server.gui = f"https://{curation_host}"
        yield server


@pytest.fixture
def tls_page(browser):
    """A page whose context accepts the GUI's self-signed certificate; console errors fail the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, ignore_https_errors=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"browser console errors: {errors}"


def frame_of(page, probe: str):
    """The embedded GUI frame of one metric, once its page has loaded."""
    page.locator(f"iframe[src*='probe={probe}']").wait_for()
    frame = next(f for f in page.frames if f.url.endswith(f"probe={probe}"))
    frame.wait_for_function("() => Array.isArray(window.received)")
    return frame


def post_from(frame, message) -> None:
    """The GUI (or any page in a frame) posts a message to the portal's window."""
    frame.evaluate("m => window.parent.postMessage(m, '*')", message)


def open_page(page, live):
    page.goto(asset_url(live.url, "curated_asset", group="none"))
    page.locator(f"[data-metric-key='{KEY_A}']").wait_for()
    settle(page)
    return frame_of(page, "A"), frame_of(page, "B")


def test_the_gui_receives_the_latest_curation_and_a_curation_it_sends_is_submitted(tls_page, live):
    page = tls_page
    sign_in(page, live.url, "ann")
    before = live.store.get("curated_asset")
    gui_a, other = open_page(page, live)
    gui_a.wait_for_function("() => window.received.length > 0")
    received = gui_a.evaluate("() => window.received")
    assert received == [{"origin": live.url, "data": {"type": "curation-data", "identifier": KEY_A,
                                                        "data": LATEST}}]
    assert other.evaluate("() => window.received") == []  # not a curation host: nothing sent

    # Ignored: another origin's frame, the portal's own window, a wrong identifier, a wrong type, too large.
    post_from(other, {"type": "curation-data", "identifier": KEY_A, "data": {"forged": True}})
    post_from(other, {"type": "curation-data", "identifier": KEY_B, "data": {"forged": True}})
    page.evaluate("m => window.postMessage(m, '*')", {"type": "curation-data", "identifier": KEY_A, "data": {"x": 1}})
    post_from(gui_a, {"type": "curation-data", "identifier": KEY_B, "data": MINE})
    post_from(gui_a, {"type": "something-else", "identifier": KEY_A, "data": MINE})
    post_from(gui_a, {"type": "curation-data", "identifier": KEY_A, "data": {"blob": "x" * 1_100_000}})
    page.get_by_text("larger than 1 MB").wait_for()
    settle(page)
    assert not counter_visible(page) and not stored_edits(page).get(before.id)

    # The GUI's curation: one change, counted and previewed, then submitted.
    post_from(gui_a, {"type": "curation-data", "identifier": KEY_A, "data": MINE})
    page.get_by_text("1 unsaved change").wait_for()
    preview = page.locator(f"#{ids.DETAIL_PREVIEW}").text_content()
    assert "Sorting Curation" in preview and "probe=ProbeA" in preview and "curation" in preview
    page.locator(f"#{ids.DETAIL_PREVIEW}").locator("xpath=..").locator("summary").click()
    screenshot(page, "asset-curation-gui.png")
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    page.get_by_role("button", name="Submit").click()
    page.locator(".submit-saved").wait_for()
    stored = live.store.get("curated_asset")
    first, second = stored.record["quality_control"]["metrics"]
    assert [json.loads(c) for c in first["value"]] == [LATEST, MINE]  # kept as JSON text, as the document has it
    entry = first["curation_history"][-1]
    assert entry["curator"] == "Ann Reviewer"
    assert [h["curator"] for h in first["curation_history"]] == ["Pipeline", "Ann Reviewer"]
    stamp = dt.datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00"))
    assert stamp.utcoffset() == dt.timedelta(0) and stamp >= started
    assert second["value"] == [] and second["curation_history"] == []
    audit = [e for e in live.store.audit_log(asset="curated_asset") if e.action == "annotate"]
    assert audit and stored.version == before.version + 1
    assert not stored_edits(page).get(before.id)


@pytest.mark.parametrize("who", [None, "vic"])
def test_viewers_and_anonymous_visitors_see_the_curation_but_cannot_send_one(tls_page, live, who):
    page = tls_page
    if who:
        sign_in(page, live.url, who)
    before = live.store.get("curated_asset")
    gui_a, _ = open_page(page, live)
    gui_a.wait_for_function("() => window.received.length > 0")
    assert gui_a.evaluate("() => window.received[0].data.identifier") == KEY_A
    post_from(gui_a, {"type": "curation-data", "identifier": KEY_A, "data": {"mine": who}})
    page.get_by_text("Sign in as an annotator").wait_for()
    settle(page)
    assert not counter_visible(page) and not stored_edits(page).get(before.id)
    assert live.store.get("curated_asset").version == before.version
