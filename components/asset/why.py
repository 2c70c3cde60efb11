"""The "Why?" button beside a status badge and the panel that explains the status.

Pure: built from portal.views.asset.why.WhyView; the callbacks (callbacks/asset/why.py)
fetch it. Everything is text in components: nothing is rendered as HTML.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.status import status_badge
from portal.qc.explain import Reason
from portal.views.asset.why import WhyView


def why_button(scope: str, value: str = "") -> html.Button:
    """A small "Why?" link-button; clicking it opens the panel for this badge."""
    return html.Button("Why?", id=ids.why_button(scope, value), type="button", n_clicks=0,
                       className="btn btn-link btn-sm p-0 ms-1 why-link", title="Why this status?",
                       **{"data-why": scope})


def badge_with_why(status: str, scope: str, value: str = "", *, label: str | None = None) -> html.Span:
    """A status badge followed by its "Why?" button."""
    return html.Span([status_badge(status, label=label), why_button(scope, value)],
                     className="d-inline-flex align-items-center text-nowrap badge-why")


def panel() -> list:
    """The page's one Why? panel (closed) and the store of the badge it explains."""
    return [
        # No data (not None): a memory store given None sets "undefined" on mount, which would
        # ask the server to explain nothing on every page load.
        dcc.Store(id=ids.WHY_SCOPE),
        dbc.Offcanvas(
            [
                html.Div([html.Label("Status as of the end of (UTC)", htmlFor=ids.WHY_DATE,
                                     className="small text-muted me-2"),
                          dcc.Input(id=ids.WHY_DATE, type="text", debounce=True, placeholder="YYYY-MM-DD",
                                    maxLength=10, className="form-control form-control-sm why-date",
                                    style={"maxWidth": "8rem"}),
                          html.Span("Enter; empty: now", className="small text-muted ms-2")],
                         className="d-flex align-items-center flex-wrap mb-3"),
                html.Div(id=ids.WHY_BODY, className="why-body"),
            ],
            id=ids.WHY_PANEL, title="Why this status?", placement="end", is_open=False, scrollable=True,
            className="why-panel",
        ),
    ]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _when(reason: Reason) -> str:
    return reason.entry.timestamp.strftime("%Y-%m-%d %H:%M UTC")


def _reason_rows(reasons) -> html.Tbody:
    return html.Tbody([
        html.Tr([html.Td(r.key, className="text-break why-metric"), html.Td(status_badge(r.status)),
                 html.Td(r.entry.evaluator or html.Span("(unnamed)", className="text-muted")),
                 html.Td(_when(r), className="text-nowrap")],
                className="why-reason", **{"data-metric-key": r.key, "data-status": r.status,
                                           "data-tolerated": "true" if r.tolerated else "false"})
        for r in reasons
    ])


def _table(reasons, caption: str, kind: str):
    if not reasons:
        return None
    head = html.Thead(html.Tr([html.Th("Metric"), html.Th("Status"), html.Th("Set by"), html.Th("When")]))
    return html.Div([html.H6(caption, className="mt-3"),
                     dbc.Table([head, _reason_rows(reasons)], size="sm", className="small mb-0")],
                    **{"data-why-list": kind})


def body(view: WhyView) -> html.Div:
    """The explanation: the status (as of the date), the metrics holding it up, the
    Fails tolerated by allow_tag_failures, and what changed since the date."""
    if view.explanation is None:
        return html.Div([html.H5(_upper_first(view.title), className="h6"),
                         dbc.Alert(view.message or "Nothing to explain.", color="warning", className="why-message")])
    found = view.explanation
    as_of = "now" if view.changes is None else found.date.strftime("at the end of %Y-%m-%d (UTC)")
    counted = [r for r in found.because if not r.tolerated]
    fails = [r for r in counted if r.status == "Fail"]
    pendings = [r for r in counted if r.status == "Pending"]
    tolerated = [r for r in found.because if r.tolerated]
    if found.status == "Pass":
        lead = f"Every one of the {found.n} metric{'s' if found.n != 1 else ''} passes" + (
            " or has a failure tolerated by allow_tag_failures." if tolerated else ".") if found.n else \
            "No metric is selected: the schema calls an empty set Pass."
    elif found.status == "Fail":
        lead = f"{len(fails)} of {found.n} metrics fail (a Fail wins over Pending)."
    else:
        lead = f"No metric fails, {len(pendings)} of {found.n} are Pending."
    parts = [
        html.Div([html.Span(_upper_first(view.title), className="fw-semibold me-2"), status_badge(found.status),
                  html.Span(f" {as_of}", className="small text-muted ms-1")],
                 className="d-flex align-items-center flex-wrap why-status", **{"data-status": found.status}),
        html.P(lead, className="small mt-2 mb-0"),
        _table(fails, "Failing", "fail"),
        _table(pendings, "Pending", "pending"),
        _table(tolerated, "Failures tolerated (allow_tag_failures: they count as Pass)", "tolerated"),
    ]
    if view.changes is not None:
        if view.changes:
            head = html.Thead(html.Tr([html.Th("Metric"), html.Th("Then"), html.Th("Now"), html.Th("Set by")]))
            rows = html.Tbody([
                html.Tr([html.Td(c.key, className="text-break"), html.Td(status_badge(c.then)),
                         html.Td(status_badge(c.now)), html.Td(c.entry.evaluator or "(unnamed)")],
                        className="why-change", **{"data-metric-key": c.key})
                for c in view.changes
            ])
            parts.append(html.Div([html.H6("Changed since", className="mt-3"),
                                   dbc.Table([head, rows], size="sm", className="small mb-0")],
                                  **{"data-why-list": "changed"}))
        else:
            parts.append(html.P("Nothing changed since.", className="small text-muted mt-3 mb-0",
                                **{"data-why-list": "changed"}))
    return html.Div([part for part in parts if part is not None])


def node_status(status: str, node_key: str, label: str) -> html.Div:
    """The selected node's status with its Why? (above the node's cards)."""
    return html.Div([html.Span("Status of ", className="small text-muted me-1"),
                     html.Span(label, className="small fw-semibold me-2"), badge_with_why(status, "node", node_key)],
                    className="d-flex align-items-center flex-wrap mb-2 node-status",
                    **{"data-status-node": node_key, "data-status": status})
