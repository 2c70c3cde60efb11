"""Old names of renamed assets redirect: `/asset/<old name>` answers 302 to `/asset/<new name>`.

A full page load asks the server, which redirects before Dash serves the page shell, so
the address bar, bookmarks and shared links move to the new name. (In-app links are
resolved by the page itself: the store finds an asset by any of its old names.) A
temporary redirect, not 301: a name can be given back by renaming again.
"""

from __future__ import annotations

from urllib.parse import quote

import dash
from flask import redirect, request

from portal.context import current_portal

PREFIX = "/asset/"


def register(app: dash.Dash) -> None:
    """Add the redirect to `app`'s server."""

    @app.server.before_request
    def _renamed_asset():
        if request.method != "GET" or not request.path.startswith(PREFIX):
            return None
        key = request.path[len(PREFIX):]  # already decoded by werkzeug
        if not key or "/" in key or "\x00" in key:
            return None
        name = current_portal().store.renamed_to(key)
        if name is None:
            return None
        query = request.query_string.decode("latin-1")
        target = dash.get_relative_path(PREFIX + quote(name, safe="")) + (f"?{query}" if query else "")
        return redirect(target, code=302)
