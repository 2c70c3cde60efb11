"""Single sign-on end to end against a real OpenID Connect provider on 127.0.0.1.

The Flask test client plays the browser for the portal; `requests` plays it for the
provider; the portal itself talks to the provider over HTTP (discovery, JWKS, token).
Tokens are real RS256 JWTs; a forged or tampered one is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from urllib.parse import urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey

from portal import create_app
from portal.accounts.oidc import FAILED, NO_ROLE, role_from_claims
from portal.errors import ConfigError
from portal.settings import load_settings
from tests.auth_helpers import PASSWORD
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

CALLBACK = "http://localhost/login/sso/callback"  # what url_for builds under the test client


@pytest.fixture
def provider():
    with Provider() as provider:
        provider.redirect_uris.add(CALLBACK)
        yield provider


def sso_settings(settings, provider, **overrides):
    return settings.model_copy(update={
        "oidc_discovery_url": provider.discovery_url, "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET, "oidc_role_map": "qc-admins=admin,qc-annotators=annotator",
        **overrides,
    })


@pytest.fixture
def app(settings, provider):
    return create_app(sso_settings(settings, provider))


def sign_in(client, next_path: str = "/asset/x", *, state=None):
    """Run the redirect flow; returns the portal's answer to the callback."""
    start = client.get(f"/login/sso?next={next_path}")
    assert start.status_code == 302, start.get_data(as_text=True)
    authorize = start.headers["Location"]
    at_provider = requests.get(authorize, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    callback = urlsplit(at_provider.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == CALLBACK
    query = callback.query if state is None else callback.query.split("&state=")[0] + f"&state={state}"
    return client.get(f"{callback.path}?{query}")


def signed_in_as(client) -> str:
    return client.get("/_dash-layout").get_data(as_text=True)


def test_first_sign_in_creates_the_account_with_name_and_role_from_claims(app, provider):
    client = app.server.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    assert "Sign in with single sign-on" in login_page
    done = sign_in(client)
    assert done.status_code == 302 and done.headers["Location"] == "/asset/x"
    assert "Ada Lovelace (annotator)" in signed_in_as(client)
    users = app.server.extensions["qc_portal"].users
    account = users.get("ada")
    assert account.role == "annotator" and account.display_name == "Ada Lovelace"
    assert account.last_login_at is not None
    # The next sign-in is the same account; the role follows the provider's groups.
    provider.user = {**provider.user, "groups": ["qc-admins", "qc-annotators"], "name": "Ada L."}
    client2 = app.server.test_client()
    sign_in(client2)
    assert users.get("ada").id == account.id and users.get("ada").role == "admin"
    assert "Ada L. (admin)" in signed_in_as(client2)
    assert len(users.list()) == 1


def test_the_authorization_request_uses_pkce_state_and_nonce(app, provider):
    start = app.server.test_client().get("/login/sso")
    query = dict(part.split("=", 1) for part in urlsplit(start.headers["Location"]).query.split("&"))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["client_id"] == CLIENT_ID
    assert "openid" in query["scope"]


def test_a_local_account_with_the_same_name_is_not_taken_over(app, provider):
    users = app.server.extensions["qc_portal"].users
    local = users.add("ada", "admin", PASSWORD, "Local Ada")
    client = app.server.test_client()
    sign_in(client)
    layout = signed_in_as(client)
    assert "Ada Lovelace (annotator)" in layout and "Local Ada" not in layout
    assert users.get("ada").id == local.id and users.get("ada").role == "admin"
    assert users.get("ada-2").role == "annotator"


def _refused(client, response, status=401, message=FAILED):
    assert response.status_code == status, response.get_data(as_text=True)
    assert message in response.get_data(as_text=True)
    assert "Sign in" in signed_in_as(client) and "Ada Lovelace" not in signed_in_as(client)


def test_a_token_signed_with_another_key_is_refused(app, provider):
    provider.sign_with = RSAKey.generate_key(2048, parameters={"kid": "main"})  # same kid, wrong key
    client = app.server.test_client()
    _refused(client, sign_in(client))
    assert app.server.extensions["qc_portal"].users.get("ada") is None


def test_a_token_with_an_unknown_key_id_is_refused(app, provider):
    provider.sign_with = RSAKey.generate_key(2048, parameters={"kid": "elsewhere"})
    provider.header = {"kid": "elsewhere"}
    client = app.server.test_client()
    _refused(client, sign_in(client))


@pytest.mark.parametrize(
    "tamper",
    [
        {"aud": "another-client", "azp": CLIENT_ID},
        {"iss": "https://evil.example"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"nonce": "replayed-nonce"},
        {"sub": ""},
    ],
    ids=["audience", "issuer", "expired", "nonce", "no-subject"],
)
def test_tampered_claims_are_refused(app, provider, tamper):
    provider.tamper = tamper
    client = app.server.test_client()
    _refused(client, sign_in(client))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_algorithm_confusion_and_unsigned_tokens_are_refused(app, provider, monkeypatch, caplog):
    """Hand-made tokens (libraries refuse to make them): HS256 keyed with the provider's
    public key (the classic RS256/HS256 confusion) and `alg: none`."""
    public_pem = provider.key.as_pem(private=False)

    def token(alg, nonce, sign):
        now = int(time.time())
        claims = {"iss": provider.url, "aud": CLIENT_ID, "azp": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": nonce, **provider.user}
        signing_input = f"{_b64(json.dumps({'alg': alg, 'kid': 'main'}).encode())}.{_b64(json.dumps(claims).encode())}"
        return f"{signing_input}.{sign(signing_input.encode())}"

    caplog.set_level(logging.WARNING, logger="portal.accounts.oidc")
    for alg, sign in (("HS256", lambda data: _b64(hmac.new(public_pem, data, hashlib.sha256).digest())),
                      ("none", lambda data: "")):
        monkeypatch.setattr(provider, "id_token", lambda nonce, alg=alg, sign=sign: token(alg, nonce, sign))
        client = app.server.test_client()
        _refused(client, sign_in(client))
    reasons = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(reasons) == 2 and not any("Server Error" in r for r in reasons), reasons


def test_a_forged_state_is_refused(app, provider):
    client = app.server.test_client()
    _refused(client, sign_in(client, state="forged"))
    assert provider.token_requests == 0  # the code was never even exchanged


def test_a_callback_without_a_started_flow_is_refused(app, provider):
    client = app.server.test_client()
    _refused(client, client.get("/login/sso/callback?code=abc&state=xyz"))


def test_users_in_no_mapped_group_get_the_default_role_or_are_refused(settings, provider):
    provider.user = {**provider.user, "groups": ["somebody-else"]}
    viewer_app = create_app(sso_settings(settings, provider))
    client = viewer_app.server.test_client()
    sign_in(client)
    assert "Ada Lovelace (viewer)" in signed_in_as(client)
    provider.user = {**provider.user, "sub": "u-2", "preferred_username": "bo", "name": "Bo"}
    closed = create_app(sso_settings(settings, provider, oidc_default_role="none"))
    client = closed.server.test_client()
    _refused(client, sign_in(client), status=403, message=NO_ROLE)
    assert closed.server.extensions["qc_portal"].users.get("bo") is None


def test_a_provider_that_is_down_is_a_clear_page(settings):
    app = create_app(settings.model_copy(update={
        "oidc_discovery_url": "http://127.0.0.1:9/.well-known/openid-configuration", "oidc_client_id": "x"}))
    response = app.server.test_client().get("/login/sso")
    assert response.status_code == 502 and FAILED in response.get_data(as_text=True)


def test_sso_is_off_without_a_discovery_url(settings):
    client = create_app(settings).server.test_client()
    assert "single sign-on" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso").status_code in (404, 200)  # a Dash page "not found", never a redirect


def test_settings_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="QC_PORTAL_OIDC_CLIENT_ID is needed"):
        load_settings(data_dir=tmp_path, oidc_discovery_url="https://idp.example/.well-known/openid-configuration")
    with pytest.raises(ConfigError, match="must be an https URL"):
        load_settings(data_dir=tmp_path, oidc_discovery_url="http://idp.example/x", oidc_client_id="c")
    with pytest.raises(ConfigError, match="QC_PORTAL_OIDC_ROLE_MAP"):
        load_settings(data_dir=tmp_path, oidc_role_map="qc=superuser")
    with pytest.raises(ConfigError, match="QC_PORTAL_OIDC_DEFAULT_ROLE"):
        load_settings(data_dir=tmp_path, oidc_default_role="root")


def test_role_from_claims(tmp_path):
    settings = load_settings(data_dir=tmp_path, oidc_role_map="a=viewer,b=annotator,c=admin",
                             oidc_role_claim="roles")
    assert role_from_claims({"roles": ["a", "b"]}, settings) == "annotator"
    assert role_from_claims({"roles": "a c"}, settings) == "admin"
    assert role_from_claims({"roles": "a,b"}, settings) == "annotator"
    assert role_from_claims({"groups": ["c"]}, settings) == "viewer"  # another claim: the default
    assert role_from_claims({"roles": {"c": True}}, settings) == "viewer"
    none = settings.model_copy(update={"oidc_default_role": "none"})
    assert role_from_claims({}, none) is None
