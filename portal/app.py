"""The application factory: Flask server, store, Dash app, pages and callbacks."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
from flask import Flask, request

from portal.context import EXTENSION
from portal.ops.index_config import keep_index_config
from portal.ops.logs import RequestLog
from portal.settings import Settings, load_settings

log = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parent.parent / "assets"


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build a complete portal app. Nothing is bound at import time; call once per app."""
    from callbacks import register_all
    from callbacks.errors import on_callback_error
    from callbacks.shell import layout as app_layout
    from portal.accounts.auth import init_auth
    from portal.accounts.oidc import init_oidc
    from portal.accounts.secret import secret_key
    from portal.api.http import init_api
    from portal.context import build_portal
    from portal.ops.delivery import init_delivery
    from portal.ops.health import init_health
    from portal.ops.http_errors import init_error_handlers
    from portal.ops.plotly_bundle import init_plotly_bundle
    from portal.ops.status_page import init_status
    from portal.references.route import init_references
    from portal.references.setup import build_resolvers
    from portal.review.batch.routes import init_batch
    from portal.security.csrf import init_csrf
    from portal.security.dash_requests import endpoint_path, init_dash_request_checks
    from portal.security.headers import init_headers
    from portal.security.inputs import init_input_checks
    from portal.transfer.csv_export import init_export

    settings = settings or load_settings()
    logging.getLogger("portal").setLevel(settings.log_level)
    server = Flask("portal")
    server.config.update(
        SECRET_KEY=secret_key(settings),  # ConfigError outside demo mode when unset
        SESSION_COOKIE_NAME="qc_portal_session",  # not Flask's "session": other apps on this host use that
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.https,
        PREFERRED_URL_SCHEME="https" if settings.https else "http",
        MAX_CONTENT_LENGTH=settings.max_request_mb * 1024 * 1024,
    )
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    portal = build_portal(settings)
    server.extensions[EXTENSION] = portal
    init_csrf(server, settings)  # first: a cross-site POST is refused before anything else runs
    init_auth(server, portal.users, settings)
    init_oidc(server, settings, portal.users)  # /login/sso, when QC_PORTAL_OIDC_DISCOVERY_URL is set
    init_error_handlers(server)  # a database that does not answer is a 503 wherever it happens
    init_health(server)  # /healthz and /readyz, for load balancers
    init_export(server)  # /export/assets.csv: the overview's filtered list, streamed
    init_api(server, portal.users.engine)  # /api/v1: REST API with personal tokens (portal.api)
    init_batch(server)  # /upload/template.csv|.xlsx: the batch upload's templates
    # /references/<asset>/<path>: files of local asset folders (S3 and kachery resolvers too)
    init_references(server, build_resolvers(settings))
    init_status(server)  # /status: store, DocDB and S3 reachability (admins, or anyone per setting)

    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS),
        assets_path_ignore=["vendor"],  # vendored libraries load on demand (assets/detail.js)
        title="QC Portal",
        update_title=None,
        on_error=on_callback_error,
        # Everything is served locally: the portal must work on a closed network.
        serve_locally=True,
    )
    register_all(app)
    app.layout = app_layout
    keep_index_config(app)  # the page shell's config (validation layout included) is built once
    init_plotly_bundle(server, app.config.routes_pathname_prefix)  # plotly.js: only the traces we draw
    # Before any view: no NUL characters, NaN or over-deep JSON; well-formed callback requests.
    init_input_checks(server, settings.max_json_depth, lambda: request.path == endpoint_path(app))
    init_dash_request_checks(server, app)
    init_headers(server, settings, app)  # CSP (with the hashes of Dash's inline scripts) and friends
    # Cache headers, 304s and gzip (portal.ops.delivery). Registered last, so it runs first of the
    # after_request hooks (Flask runs them in reverse): the security headers and a page's status
    # are then set on what is sent, a 304 included; none of them reads the body.
    init_delivery(server, app.config.routes_pathname_prefix)
    # Outermost: the request id covers everything below, and the access line times all of it.
    server.wsgi_app = RequestLog(server.wsgi_app)
    return app


def warm_up(app: dash.Dash) -> None:
    """Serve the Dash layout once so Dash's lazy first-request setup is done before workers
    take traffic (it otherwise races under gunicorn threads and answers 500 for bundles)."""
    with app.server.test_client() as client:
        client.get("/_dash-layout")
        client.get("/_dash-dependencies")
