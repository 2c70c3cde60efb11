"""The page shell's config script is serialised once per app (portal.ops.index_config): what
every page's index carries must still be what Dash builds for it, with its own end_id."""

from __future__ import annotations

import json
import re

import dash
from dash import _callback_signing

from portal import create_app

CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


def _config(html: str) -> dict:
    return json.loads(CONFIG.search(html).group(1))


def test_every_shell_carries_the_config_dash_builds_with_its_own_end_id(settings):
    app = create_app(settings)
    client = app.server.test_client()
    secret = app._get_signing_secret()
    tokens = set()
    for path in ("/", "/asset/some-asset", "/project/some%20project", "/"):
        page = client.get(path)
        assert page.status_code in (200, 404)  # an unknown asset: the shell, answered 404
        got = _config(page.get_data(as_text=True))
        fresh = _config(dash.Dash._generate_config_html(app))  # Dash's own builder, not the kept one
        assert got.keys() == fresh.keys()
        assert {k: v for k, v in got.items() if k != "end_id"} == {k: v for k, v in fresh.items() if k != "end_id"}
        # The validation layout is what lets Dash check callbacks of pages not shown yet.
        assert got["validation_layout"] and got["requests_pathname_prefix"] == "/"
        # A token per page load, signed as Dash signs it (background callbacks check it).
        assert _callback_signing.unsign(secret, _callback_signing.END_SCOPE, got["end_id"])
        tokens.add(got["end_id"])
    assert len(tokens) == 4
    # Each page keeps its own meta tags: only the config is shared.
    assert 'content="http://localhost/asset/some-asset"' in client.get("/asset/some-asset").get_data(as_text=True)
