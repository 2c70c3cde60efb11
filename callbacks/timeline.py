"""A metric's timeline page (`/asset/<name>/timeline?key=<metric key>`), and the "Timeline" links
of the asset page's metric cards.

Every reader may open it (it follows QC_PORTAL_REQUIRE_LOGIN, as the asset page does); an
unknown asset or metric answers 404 and the page says so. Its page comes before the asset page's
(`order=0`), whose path template `/asset/<name>` would match this path too.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote

import dash
from dash import ALL, ClientsideFunction, Input, Output, State
from flask import request

from components import ids
from components.timeline import not_found, timeline_page
from portal.context import current_portal
from portal.errors import NotFound, PortalError
from portal.references.route import resolvers
from portal.views.timeline import find_metric, load_timeline, selector

log = logging.getLogger(__name__)


def layout(name: str | None = None, key=None, metric=None, **_query):
    """The timeline of the metric `key` (or a unique `metric` name) of the asset `name`, per request."""
    if name is None:
        return not_found("Metric not found", "Open a metric's timeline from its card on the asset page.")
    asset = unquote(name)
    store = current_portal().store
    try:
        chosen = selector(key if isinstance(key, str) else None, metric if isinstance(metric, str) else None)
        if chosen is None and store.get(asset) is not None:
            raise NotFound("Name the metric: open its timeline from its card on the asset page.")
        return timeline_page(load_timeline(store, asset, chosen, resolvers=resolvers(),
                                           app_url=dash.get_relative_path))
    except PortalError as exc:
        log.info("timeline %r %r: %s", asset, key, exc)
        unknown = exc.message.startswith("Asset not found")
        known = None if unknown else store.get(asset)
        if known is None:
            return not_found("Asset not found", f"Asset not found: {asset}")
        title = "Metric not found" if isinstance(exc, NotFound) else exc.title
        return not_found(title, exc.message, known.name)


def http_status(name: str | None = None, **_) -> int | None:
    """404 when the asset or the metric is unknown, or none is named (the page says so too)."""
    if not name:
        return None
    chosen = selector(request.args.get("key"), request.args.get("metric"))
    if chosen is None:
        return 404
    try:
        find_metric(current_portal().store, unquote(name), chosen)
    except NotFound:
        return 404
    except Exception:  # a document that cannot be read, or a store that does not answer: the page says so
        log.info("timeline %r: status not checked", name)
        return None
    return None


def _title(name: str | None = None, **_) -> str:
    return f"Timeline · {unquote(name)} · QC Portal" if name else "Timeline · QC Portal"


def register(app: dash.Dash) -> None:
    """Register the page (before the asset page) and the cards' link callback on `app`."""
    # Dash matches a URL against the pages in registry order, which is `order`, then module name
    # ("asset" < "timeline"): order=0 puts this page ahead of the asset page's `/asset/<name>`, which
    # matches `/asset/<name>/timeline` too. (Pages without an order keep theirs: by module name.)
    dash.register_page("timeline", path_template="/asset/<name>/timeline", layout=layout, title=_title,
                       name="Metric timeline", http_status=http_status, order=0)
    # The asset page's cards know their metric, not their asset: the browser fills each link's
    # href from the asset shown (ids.DETAIL_ASSET) and the app's path prefix.
    app.clientside_callback(
        ClientsideFunction("qcTimeline", "links"),
        Output(ids.timeline_link(ALL), "href"),
        Input(ids.timeline_link(ALL), "id"),
        State(ids.DETAIL_ASSET, "data"),
    )
