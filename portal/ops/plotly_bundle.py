"""plotly.js as the browser gets it: the portal's own small bundle, the full one on demand.

Dash loads plotly.js when the first graph mounts, from `<prefix>_dash-component-suites/plotly/
package_data/plotly.min.js`: the full bundle, 4.7 MB (1.47 MB gzipped), more than half of the
overview's first load. The portal's charts draw four trace types, so that URL answers
`assets/vendor/plotly/plotly-portal.min.js` (plotly.js's core with scatter, plus bar, heatmap
and histogram: 0.41 MB gzipped; see its README). A reference figure from a document may use
any trace type: `assets/detail.js` then loads `?bundle=full` from the same URL, the file Dash
would have served, before drawing it.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from flask import Flask, request, send_file

ASSETS = Path(__file__).resolve().parents[2] / "assets"
PORTAL_BUNDLE = ASSETS / "vendor" / "plotly" / "plotly-portal.min.js"
FULL_BUNDLE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
# What plotly-portal.min.js registers (assets/vendor/plotly/entry.js sets the same list on
# window.qcPlotlyTraces); the portal's own figures may use only these.
PORTAL_TRACES = ("scatter", "bar", "heatmap", "histogram")


def init_plotly_bundle(server: Flask, routes_prefix: str = "/") -> None:
    """Answer Dash's plotly.js URL with the portal's bundle, or the full one with `?bundle=full`.

    A static rule wins over Dash's `<package>/<path>` rule for the same path in Flask's routing.
    Caching and gzip are portal.ops.delivery's (the URL has no fingerprint: revalidated by ETag).
    """
    path = routes_prefix + "_dash-component-suites/plotly/package_data/plotly.min.js"

    def plotly_js():
        """The portal's plotly.js bundle, or plotly.js whole with `?bundle=full`."""
        wanted = FULL_BUNDLE if request.args.get("bundle") == "full" else PORTAL_BUNDLE
        return send_file(wanted, mimetype="application/javascript", conditional=True, etag=True, max_age=None)

    server.add_url_rule(path, "plotly_js", plotly_js, methods=["GET"])
