"""The CSRF rule (portal.security.csrf) over HTTP: the matrix of cookie, bearer token,
Sec-Fetch-Site and Origin, on every kind of state-changing request; then the real
consequence: a cross-site POST with a valid annotator session writes nothing, the
same request from the portal's own page does."""

from __future__ import annotations

import json

import pytest

from components import ids
from portal import create_app
from tests.auth_helpers import SAME_ORIGIN, add_user, login
from tests.dash_client import DashClient
from tests.records import metric, record

REFUSED = "Cross-site request refused"
PORTAL = "http://localhost"  # the test client's own origin


def make_app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([record("ecephys_1", metrics=[metric("drift", "Pending")])])
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    return app


@pytest.fixture
def app(settings):
    return make_app(settings)


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    """One app for the matrix (nothing there writes): a test is a request, not a setup."""
    from portal.settings import load_settings

    app = make_app(load_settings(data_dir=tmp_path_factory.mktemp("csrf"), secret_key="csrf-tests"))
    client = app.server.test_client()
    assert login(client, "ann").status_code == 302
    app.session_cookie = client.get_cookie("qc_portal_session").value
    return app


def signed_in(app):
    client = app.server.test_client()
    if getattr(app, "session_cookie", None):
        client.set_cookie("qc_portal_session", app.session_cookie, domain="localhost")
    else:
        assert login(client, "ann").status_code == 302
    return client


# (cookie, bearer token, request headers, refused?)
MATRIX = [
    pytest.param(True, False, {"Sec-Fetch-Site": "same-origin"}, False, id="cookie-same-origin"),
    pytest.param(True, False, {"Sec-Fetch-Site": "none"}, False, id="cookie-typed-by-user"),
    pytest.param(True, False, {"Sec-Fetch-Site": "cross-site"}, True, id="cookie-cross-site"),
    pytest.param(True, False, {"Sec-Fetch-Site": "same-site"}, True, id="cookie-same-site-other-origin"),
    pytest.param(True, False, {"Sec-Fetch-Site": "cross-site", "Origin": PORTAL}, True, id="cookie-sfs-wins"),
    pytest.param(True, False, {"Origin": PORTAL}, False, id="cookie-origin-same"),
    pytest.param(True, False, {"Origin": "https://localhost"}, True, id="cookie-origin-other-scheme"),
    pytest.param(True, False, {"Origin": "http://localhost:8050"}, True, id="cookie-origin-other-port"),
    pytest.param(True, False, {"Origin": "http://evil.example"}, True, id="cookie-origin-evil"),
    pytest.param(True, False, {"Origin": "null"}, True, id="cookie-origin-null"),
    pytest.param(True, False, {}, True, id="cookie-no-headers"),
    pytest.param(True, True, {}, True, id="cookie-and-token-no-headers"),
    pytest.param(True, True, {"Sec-Fetch-Site": "cross-site"}, True, id="cookie-and-token-cross-site"),
    pytest.param(True, True, {"Sec-Fetch-Site": "same-origin"}, False, id="cookie-and-token-same-origin"),
    pytest.param(False, True, {}, False, id="token-only"),
    pytest.param(False, True, {"Sec-Fetch-Site": "cross-site"}, False, id="token-only-cross-site"),
    pytest.param(False, False, {}, False, id="anonymous-no-headers"),
    pytest.param(False, False, {"Sec-Fetch-Site": "same-origin"}, False, id="anonymous-same-origin"),
    pytest.param(False, False, {"Sec-Fetch-Site": "cross-site"}, True, id="anonymous-cross-site"),
    pytest.param(False, False, {"Origin": "http://evil.example"}, True, id="anonymous-origin-evil"),
]
ENDPOINTS = [
    pytest.param("/_dash-update-component", {"json": {}}, "POST", id="dash-callback"),
    pytest.param("/login", {"data": {"username": "nobody", "password": "x"}}, "POST", id="login"),
    pytest.param("/logout", {}, "POST", id="logout"),
]


@pytest.mark.parametrize(("path", "body", "method"), [
    *ENDPOINTS, *(pytest.param("/logout", {}, method, id=f"logout-{method}") for method in ("PUT", "PATCH", "DELETE")),
])
@pytest.mark.parametrize(("cookie", "bearer", "headers", "refused"), MATRIX)
def test_the_matrix(shared_app, path, body, method, cookie, bearer, headers, refused):
    client = signed_in(shared_app) if cookie else shared_app.server.test_client()
    if bearer:
        headers = {**headers, "Authorization": "Bearer not-checked-by-this-rule"}
    response = client.open(path, method=method, headers=headers, **body)
    text = response.get_data(as_text=True)
    if refused:
        assert response.status_code == 403 and REFUSED in text, (response.status_code, text[:200])
    else:
        assert REFUSED not in text, text[:200]


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_pass_whatever_their_origin(app, method):
    client = signed_in(app)
    response = client.open("/login", method=method, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code != 403


def test_https_origin_behind_a_proxy(settings):
    """Over https (QC_PORTAL_HTTPS) the browser's Origin says https even if the proxy spoke http to us."""
    app = create_app(settings.model_copy(update={"https": True}))
    add_user(app, "ann", "annotator")
    client = app.server.test_client()
    login(client, "ann")
    ok = client.post("/logout", headers={"Origin": "https://localhost"})
    assert ok.status_code == 302
    login(client, "ann")
    assert client.post("/logout", headers={"Origin": "https://evil.example"}).status_code == 403


def _submit_body(client, store):
    stored = store.get("ecephys_1")
    dash = DashClient(client)
    key = "drift [ecephys, Raw data]"  # the asset page keys edits by metric key (portal.views.asset.edits)
    edits = {stored.id: {"metrics": {key: {"key": key, "name": "drift", "status": "Fail", "seen_history": 1,
                                           "seen_status": "Pending", "version": stored.version}}}}
    asset = {"id": stored.id, "name": stored.name, "version": stored.version}
    submit = next(d for d in dash.dependencies if any(i["id"] == ids.DETAIL_SUBMIT for i in d["inputs"]))
    return dash.body(submit["output"], {f"{ids.DETAIL_SUBMIT}.n_clicks": 1, f"{ids.DETAIL_EDITS}.data": edits,
                                         f"{ids.DETAIL_ASSET}.data": asset, f"{ids.DETAIL_REFRESH}.data": 0},
                     [f"{ids.DETAIL_SUBMIT}.n_clicks"])


def test_a_cross_site_post_with_a_valid_session_writes_nothing_and_same_site_works(app):
    store = app.server.extensions["qc_portal"].store
    client = signed_in(app)
    body = _submit_body(client, store)
    audit_before = len(store.audit_log())
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}, {}):
        forged = client.post("/_dash-update-component", data=body, content_type="application/json", headers=headers)
        assert forged.status_code == 403 and REFUSED in forged.get_data(as_text=True)
        assert store.get("ecephys_1").version == 1 and len(store.audit_log()) == audit_before
    own = client.post("/_dash-update-component", data=body, content_type="application/json", headers=SAME_ORIGIN)
    assert own.status_code == 200 and "Saved 1 change" in own.get_data(as_text=True)
    assert store.get("ecephys_1").version == 2 and len(store.audit_log()) == audit_before + 1
    history = store.get("ecephys_1").record["quality_control"]["metrics"][0]["status_history"]
    assert history[-1]["evaluator"] == "Ann Reviewer"


def test_a_cross_site_login_is_refused(app):
    """Login CSRF: another site must not sign a visitor in to an account of its choosing."""
    client = app.server.test_client()
    response = client.post("/login", data={"username": "ann", "password": "correct horse battery"},
                           headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert "Sign in" in client.get("/_dash-layout").get_data(as_text=True)


def test_the_refusal_is_json_and_logged(app, caplog):
    client = signed_in(app)
    response = client.post("/logout", headers={"Origin": "http://evil.example"})
    assert json.loads(response.get_data()) == {
        "error": "Forbidden",
        "message": "Cross-site request refused: a request with the portal's session cookie must come from the "
                   "portal's own pages."}
    assert any("refused POST /logout" in r.getMessage() for r in caplog.records)
