"""Dash's config script, written into every page's index, serialised once per app.

`Dash.index` builds and serialises the app's config on every page load, and the config
holds the validation layout (every page's layout, ~59 KB of components): 80% of a page
shell's CPU (6.3 ms of 8 in-process). Only one entry depends on the request: `end_id`, the
signed token of this page load (Dash binds background-callback handles to it). The rest
cannot change while the app serves (pages and callbacks are registered before the first
request), so it is serialised on the first page and reused, and each page still gets its
own freshly signed `end_id`. tests/test_index_config.py holds the result equal to what Dash
builds, entry by entry, with an `end_id` that Dash's own check accepts.
"""

from __future__ import annotations

import threading

import dash
from dash import _callback_signing
from dash._utils import gen_salt, to_json

OPEN = '<script id="_dash-config" type="application/json">'


def keep_index_config(app: dash.Dash) -> None:
    """Make `app` serialise its index's config once (on the first page served) and sign a new
    `end_id` into it for every page, as `Dash._config` does (dash is pinned in constraints.txt)."""
    kept: list[str] = []
    lock = threading.Lock()

    def config_html() -> str:
        if not kept:
            with lock:
                if not kept:
                    config = app._config()
                    config.pop("end_id", None)
                    kept.append(to_json(config)[:-1])  # without its closing brace
        token = _callback_signing.sign(app._get_signing_secret(), _callback_signing.END_SCOPE, gen_salt(24))
        return f'{OPEN}{kept[0]},"end_id":{to_json(token)}}}</script>'

    app._generate_config_html = config_html
