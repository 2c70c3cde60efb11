"""Reference viewers: one component per reference kind, built from resolved Viewers.

Everything loads lazily: only the selected node's cards are on the page, video
with `preload="metadata"`, vega/plotly specs fetched by a clientside callback only
once their card is on the page, and external viewers (Neuroglancer, Figurl, sortingview, rerun) in sandboxed
iframes. A reference that cannot be resolved shows its error in place of the viewer.
Behaviour (swipe dragging, full screen, drawing vega) lives in assets/detail.js.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import detail_ids
from portal.references.parse import (
    FIGURL,
    FILE,
    IMAGE,
    LINK,
    NEUROGLANCER,
    PDF,
    RERUN,
    SORTINGVIEW,
    SPEC_KINDS,
    SVG,
    VIDEO,
    ZARR,
)
from portal.security.urls import safe_url
from portal.views.asset.curation import CurationFrame
from portal.views.asset.viewers import ReferenceGroup, Viewer

# External viewer apps run scripts in their own origin; never the portal's.
_SANDBOX = "allow-scripts allow-same-origin allow-popups allow-forms allow-downloads"
_IFRAME_TITLES = {NEUROGLANCER: "Neuroglancer", FIGURL: "Figurl", SORTINGVIEW: "sortingview", RERUN: "Rerun viewer"}


def group_viewers(group: ReferenceGroup, curation: CurationFrame | None = None):
    """The viewers of a reference group: a swipe for an image pair, else each in turn.

    `curation` binds one of them (an embedded curation GUI) to its curation metric.
    """
    if group.swipe:
        return swipe(*group.viewers)
    return html.Div([viewer(v, curation if curation and curation.viewer == v.key else None)
                     for v in group.viewers], className="ref-viewers")


def viewer(v: Viewer, curation: CurationFrame | None = None):
    """The viewer for one reference (or its error).

    Every URL put into a page goes through `safe_url` (http(s) or relative only: never
    `javascript:` or `data:`), and only `v.embed` (an allowed host, decided by the portal
    from QC_PORTAL_IFRAME_HOSTS) ever becomes an iframe.
    """
    if v.url is None:
        return missing(v)
    if safe_url(v.url) is None:
        return missing(Viewer(v.kind, v.key, v.name, v.target, None, f"reference not shown (unsupported URL): "
                              f"{v.target}"))
    body = _body(v, curation)
    return html.Div([body, _caption(v)], className=f"ref-viewer ref-{v.kind}", **{"data-kind": v.kind})


def missing(v: Viewer) -> html.Div:
    """The message shown in place of a viewer whose reference cannot be loaded."""
    return html.Div(
        [html.Span("⚠ ", **{"aria-hidden": "true"}), v.error or f"reference not available: {v.target}"],
        className="ref-missing alert alert-secondary py-2 px-3 small mb-2",
        **{"data-kind": v.kind},
    )


def _caption(v: Viewer) -> html.Div:
    return html.Div(
        [html.Span(v.name, className="text-truncate", title=v.target),
         html.A("open ↗", href=v.url, target="_blank", rel="noopener noreferrer", className="ms-2")],
        className="ref-caption small text-muted d-flex",
    )


def _body(v: Viewer, curation: CurationFrame | None = None):
    if v.kind in (IMAGE, SVG):
        # An <img> never runs an SVG's scripts.
        return html.Img(src=v.url, alt=v.name, className="ref-image")
    if v.kind == VIDEO:
        return html.Video(src=v.url, controls=True, preload="metadata", className="ref-video", muted=True)
    if v.kind == PDF:
        return html.ObjectEl(
            html.A(f"Open {v.name}", href=v.url, target="_blank", rel="noopener noreferrer"),
            data=v.url, type="application/pdf", className="ref-pdf",
        )
    if v.kind in SPEC_KINDS:
        return spec_viewer(v)
    if v.kind in (NEUROGLANCER, FIGURL, SORTINGVIEW, LINK) and v.embed:
        return iframe_viewer(v.embed, _IFRAME_TITLES.get(v.kind, v.name), curation)
    if v.kind in (NEUROGLANCER, FIGURL, SORTINGVIEW):
        return html.A(f"Open in {_IFRAME_TITLES[v.kind]}", href=v.url, target="_blank", rel="noopener noreferrer",
                      className="ref-link", title="this host is not allowed in an embedded frame")
    if v.kind == RERUN:
        if v.embed is None:
            if v.version:
                return html.Div("The Rerun web viewer is not allowed in an embedded frame here: download the "
                                "recording and open it in the Rerun viewer.", className="small")
            return html.Div(["This recording names no viewer version (", html.Code("name_vX.Y.Z.rrd"),
                             "): download it and open it in the Rerun viewer."], className="small")
        return iframe_viewer(v.embed, f"Rerun viewer {v.version}")
    if v.kind == ZARR:
        return html.Div(["Zarr store ", html.Code(v.target)], className="small")
    if v.kind in (LINK, FILE):
        return html.A(v.target if v.kind == LINK else v.name, href=v.url, target="_blank",
                      rel="noopener noreferrer", className="ref-link")
    return html.A(v.name, href=v.url, target="_blank", rel="noopener noreferrer")


def spec_viewer(v: Viewer) -> html.Div:
    """A vega / plotly / JSON spec, fetched and drawn in the browser when shown.

    Plotly figures become an interactive dcc.Graph; vega and vega-lite are drawn with
    the vendored vega-embed (no CDN: the portal works on a closed network).
    """
    return html.Div(
        [
            dcc.Store(id=detail_ids.spec(v.key), data={"url": v.url, "kind": v.kind}),
            html.Div(id=detail_ids.spec_vega(v.key), className="ref-vega"),
            html.Div(
                dcc.Graph(id=detail_ids.spec_graph(v.key), config={"displaylogo": False, "responsive": True},
                          className="ref-plotly"),
                style={"display": "none"},
                className="ref-plotly-wrap",
                id=detail_ids.spec_wrap(v.key),
            ),
            html.Div(dbc.Spinner(size="sm"), id=detail_ids.spec_message(v.key), className="small text-muted"),
        ],
        className="ref-spec",
    )


def iframe_viewer(src: str, title: str, curation: CurationFrame | None = None) -> html.Div:
    """A sandboxed iframe with a full-screen button and an "open in a new tab" link.

    Callers pass only URLs the portal allowed (`portal.security.urls.embeddable`); the
    check is repeated here for https so that no other scheme can reach an iframe.
    With `curation`, the frame is a curation GUI: its box carries the metric key and the
    latest curation (JSON text in an attribute, never markup) for assets/curation.js.
    """
    if not src.startswith("https://") or safe_url(src) is None:
        return html.Div("This viewer cannot be embedded.", className="small text-muted")
    attributes, note = {}, None
    if curation is not None:
        attributes = {"data-curation-key": curation.key}
        if curation.payload is not None:
            attributes["data-curation"] = curation.payload
            note = f"Curation GUI for {curation.name}: a curation it sends back becomes an unsaved change."
        else:
            note = "The latest curation is too large to send to this GUI."
    host = urlsplit(src).netloc
    return html.Div(
        [
            html.Div(
                [html.Span(title, className="small fw-semibold me-auto"),
                 # The icon is an SVG shipped with the portal (assets/icons/): no font has to have the glyph.
                 html.Button([html.Span(className="icon icon-fullscreen", **{"aria-hidden": "true"}), "Full screen"],
                             className="btn btn-sm btn-outline-secondary ref-fullscreen", type="button")],
                className="ref-frame-bar d-flex align-items-center mb-1",
            ),
            html.Iframe(src=src, sandbox=_SANDBOX, allow="fullscreen", title=title, className="ref-iframe",
                        referrerPolicy="no-referrer"),
            # Shown by assets/detail.js when the frame's host does not answer (instead of the
            # browser's broken-page picture).
            html.Div([html.Span(f"Could not load {host}. ", className="fw-semibold"),
                      html.A(f"Open {host} in a new tab", href=src, target="_blank", rel="noopener noreferrer")],
                     className="ref-frame-error alert alert-secondary py-2 px-3 small mb-2", role="status"),
            html.Div(note, className="small text-muted ref-curation-note") if curation is not None else None,
        ],
        className="ref-frame ref-curation" if curation is not None else "ref-frame",
        **{"data-frame-host": host},
        **attributes,
    )


def swipe(before: Viewer, after: Viewer) -> html.Div:
    """Two images on top of each other; dragging across reveals one or the other."""
    return html.Div(
        [
            html.Div(
                [
                    html.Img(src=before.url, alt=before.name, className="swipe-under"),
                    html.Div(html.Img(src=after.url, alt=after.name), className="swipe-over"),
                    html.Div(className="swipe-handle"),
                    dcc.Input(type="range", min=0, max=100, value=50, step=0.5, className="swipe-range",
                              debounce=False),
                ],
                className="ref-swipe",
                style={"--swipe": "50%"},
            ),
            html.Div([html.Span(f"◀ {before.name}", title=before.target),
                      html.Span(f"{after.name} ▶", title=after.target, className="ms-auto")],
                     className="ref-caption small text-muted d-flex"),
        ],
        className="ref-viewer ref-swipe-viewer",
        **{"data-kind": "swipe"},
    )
