"""Single sign-on with OpenID Connect (Authlib), when QC_PORTAL_OIDC_DISCOVERY_URL is set.

`GET /login/sso` sends the browser to the provider (authorization code flow with PKCE,
a `state` and a `nonce` kept in the session); `GET /login/sso/callback` exchanges the
code for tokens with the client secret and has Authlib check the ID token: its RS256
(or other advertised) signature against the provider's published keys, the issuer,
the audience (our client id), expiry and the nonce. Anything wrong there is one
generic "sign-in failed" page; the reason goes to the log.

The account is found by the token's (issuer, subject), created at the first sign-in
(portal.accounts.users.UserStore.sign_in_external); its display name comes from `name` (else
`preferred_username`, `email`), its role from the groups in QC_PORTAL_OIDC_ROLE_CLAIM
through QC_PORTAL_OIDC_ROLE_MAP (highest role wins; QC_PORTAL_OIDC_DEFAULT_ROLE else).
"""

from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, request, session, url_for
from joserfc.errors import JoseError

from portal.accounts.auth import login_page, safe_next, sign_in
from portal.accounts.users import UserStore
from portal.settings import Settings
from portal.settings_rules import ROLES

log = logging.getLogger(__name__)
_TIMEOUT = 10  # seconds for each request to the provider
_NEXT = "qc_portal_sso_next"
FAILED = "Single sign-on failed. Try again, or ask an administrator."
NO_ROLE = "Your account has no role in the QC Portal. Ask an administrator for access."


def role_from_claims(claims: dict, settings: Settings) -> str | None:
    """The portal role the claims give (None: the user may not sign in)."""
    value = claims.get(settings.oidc_role_claim)
    if isinstance(value, str):
        groups = value.replace(",", " ").split()
    elif isinstance(value, list):
        groups = [str(item) for item in value]
    else:
        groups = []
    roles = {settings.oidc_roles[g] for g in groups if g in settings.oidc_roles}
    if roles:
        return max(roles, key=ROLES.index)
    return None if settings.oidc_default_role == "none" else settings.oidc_default_role


def _names(claims: dict) -> tuple[str, str]:
    """(account name, display name) from the standard claims."""
    name = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])
    display = str(claims.get("name") or name)
    return name, display


def init_oidc(server: Flask, settings: Settings, users: UserStore) -> None:
    """Add /login/sso and its callback to `server` (nothing when SSO is not configured)."""
    if not settings.oidc_discovery_url:
        return
    oauth = OAuth(server)
    client = oauth.register(
        "sso",
        server_metadata_url=settings.oidc_discovery_url,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256",
                       "default_timeout": _TIMEOUT},
    )

    def callback_url() -> str:
        return url_for("sso_callback", _external=True, _scheme="https" if settings.https else request.scheme)

    @server.get("/login/sso")
    def sso_login():
        session[_NEXT] = safe_next(request.args.get("next"))
        try:
            return client.authorize_redirect(callback_url())
        except (AuthlibBaseError, requests.RequestException, ValueError) as exc:
            log.warning("single sign-on: the provider's discovery document could not be read: %s", exc)
            return login_page(FAILED, status=502)

    @server.get("/login/sso/callback")
    def sso_callback():
        try:
            # Authlib checks the audience only when told to: the token must be for this client.
            issuer = client.load_server_metadata()["issuer"]
            token = client.authorize_access_token(claims_options={
                "iss": {"essential": True, "values": [issuer]},
                "aud": {"essential": True, "values": [settings.oidc_client_id]},
            })
            claims = token.get("userinfo")
            if not claims or not claims.get("sub"):
                raise AuthlibBaseError(description="no ID token, or one without a subject")
        except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as exc:
            log.warning("single sign-on refused: %s: %s", type(exc).__name__, exc)
            return login_page(FAILED, status=401)
        role = role_from_claims(claims, settings)
        if role is None:
            log.info("single sign-on: %s has no mapped group", claims.get("sub"))
            return login_page(NO_ROLE, status=403)
        name, display = _names(claims)
        account = users.sign_in_external(claims["iss"], claims["sub"], name=name, display_name=display, role=role)
        target = session.get(_NEXT)
        sign_in(account)
        log.info("login (single sign-on): %s as %s", account.name, account.role)
        return redirect(safe_next(target))
