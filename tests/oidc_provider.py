"""A small OpenID Connect provider for tests, served on 127.0.0.1 (werkzeug, in a thread).

It speaks the real protocol the portal's Authlib client uses: a discovery document, a
JWKS with the RSA public key, an authorization endpoint (the "user" signs in at once as
`provider.user`, a dict of claims), and a token endpoint that checks the client secret,
the code, the redirect URI and the PKCE verifier, then returns an ID token signed
RS256 with Authlib's JOSE library (joserfc). Tests can make it misbehave: sign with
another key (`sign_with`), change claims (`tamper`), or change the header (`header`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "qc-portal-test"
CLIENT_SECRET = "provider-client-secret-value"


class Provider:
    """The provider's state: keys, client, codes, and the knobs tests turn."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "main"})
        self.redirect_uris: set[str] = set()
        self.user = {"sub": "u-1", "preferred_username": "ada", "name": "Ada Lovelace",
                     "email": "ada@example.org", "groups": ["qc-annotators"]}
        self.sign_with: RSAKey | None = None  # another key: a forged token
        self.tamper: dict = {}  # claims to override in the ID token
        self.header: dict = {}  # header fields to override
        self.codes: dict[str, dict] = {}
        self.token_requests = 0
        self.app = self._app()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def discovery_url(self) -> str:
        """Where the portal reads the provider's configuration."""
        return self.url + "/.well-known/openid-configuration"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()

    def id_token(self, nonce: str | None) -> str:
        """A signed ID token for the current user (with the tests' tampering applied)."""
        now = int(time.time())
        claims = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "auth_time": now,
                  **self.user, **({"nonce": nonce} if nonce else {})}
        claims.update(self.tamper)
        header = {"alg": "RS256", "kid": "main", **self.header}
        return jwt.encode(header, claims, self.sign_with or self.key)

    def _app(self) -> Flask:
        app = Flask("test-oidc-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.url,
                authorization_endpoint=self.url + "/authorize",
                token_endpoint=self.url + "/token",
                jwks_uri=self.url + "/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
                scopes_supported=["openid", "profile", "email"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([self.key]).as_dict(private=False))

        @app.get("/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != CLIENT_ID or args.get("redirect_uri") not in self.redirect_uris:
                abort(400)
            if args.get("response_type") != "code" or "openid" not in args.get("scope", "").split():
                abort(400)
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                abort(400)  # this provider insists on PKCE
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"redirect_uri": args["redirect_uri"], "nonce": args.get("nonce"),
                                "challenge": args["code_challenge"]}
            return redirect(args["redirect_uri"] + "?" + urlencode({"code": code, "state": args.get("state", "")}))

        @app.post("/token")
        def token():
            self.token_requests += 1
            client_id, client_secret = _client_credentials()
            if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
                return jsonify(error="invalid_client"), 401
            form = request.form
            grant = self.codes.pop(form.get("code", ""), None)
            if form.get("grant_type") != "authorization_code" or grant is None \
                    or grant["redirect_uri"] != form.get("redirect_uri"):
                return jsonify(error="invalid_grant"), 400
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != grant["challenge"]:
                return jsonify(error="invalid_grant", error_description="PKCE verification failed"), 400
            return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer", expires_in=300,
                           id_token=self.id_token(grant["nonce"]))

        return app


def _client_credentials() -> tuple[str | None, str | None]:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        return auth.username, auth.password
    return request.form.get("client_id"), request.form.get("client_secret")
