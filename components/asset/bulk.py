""""Pass all Pending in this group": the button on the selected node's panel, its
confirmation (naming the count and the node) and the outcome (portal.views.asset.bulk)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.asset.annotate import metric_label
from components.ids import review_ids
from portal.views.asset.bulk import BulkPass, question

_LISTED = 12  # metrics named in the confirmation; the rest are counted


def bulk_bar(bulk: BulkPass, blocked: str | None):
    """The button (annotators and admins only: the page leaves it out for everyone else) with
    what it would pass, and why it waits while there are unsaved changes. None when the node
    has no Pending metric to pass."""
    if not bulk.metrics:
        return None
    n = len(bulk.metrics)
    left = (f"{bulk.left} Pending metric{'s' if bulk.left != 1 else ''} whose status follows a choice "
            f"{'are' if bulk.left != 1 else 'is'} left to choose." if bulk.left else None)
    return html.Div(
        [
            dcc.Store(id=review_ids.bulk_data(bulk.node), data=bulk.data()),
            dbc.Button(f"Pass all Pending in this group ({n})", id=review_ids.bulk_open(bulk.node),
                       color="success", outline=True, size="sm", disabled=blocked is not None,
                       className="me-2 bulk-pass", n_clicks=0),
            html.Span(blocked, id=review_ids.bulk_hint(bulk.node), className="small text-muted bulk-hint"),
            html.Span(left, className="small text-muted ms-1 bulk-left") if left else None,
        ],
        className="d-flex align-items-center flex-wrap mb-2 bulk-bar",
        **{"data-bulk-node": bulk.node, "data-bulk-count": str(n)},
    )


def bulk_modal() -> dbc.Modal:
    """The page's one confirmation (closed); its text and count are filled when it opens."""
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Pass all Pending in this group")),
            dbc.ModalBody(id=ids.DETAIL_BULK_TEXT),
            dbc.ModalFooter([
                dbc.Button("Cancel", id=ids.DETAIL_BULK_CANCEL, color="secondary", outline=True, n_clicks=0),
                dbc.Button("Pass", id=ids.DETAIL_BULK_CONFIRM, color="success", n_clicks=0),
            ]),
        ],
        id=ids.DETAIL_BULK_MODAL, is_open=False, centered=True, scrollable=True, className="bulk-modal",
    )


def confirm_text(data: dict) -> html.Div:
    """The question ("Pass 7 Pending metrics in ProbeA › Drift?"), the metrics it names, and what
    each gets."""
    metrics = data.get("metrics") or []
    listed = [html.Li(metric_label(m["name"], m["key"]), **{"data-metric-key": m["key"]}) for m in metrics[:_LISTED]]
    if len(metrics) > _LISTED:
        listed.append(html.Li(f"and {len(metrics) - _LISTED} more", className="text-muted"))
    left = data.get("left") or 0
    return html.Div([
        html.P(question(data), className="fw-semibold bulk-question"),
        html.Ul(listed, className="small bulk-metrics"),
        html.P("Each gets its own Pass entry in its status history, under your name, at the current UTC time.",
               className="small mb-1"),
        html.P(f"Left as they are: {left} Pending metric{'s' if left != 1 else ''} whose status follows a choice.",
               className="small text-muted mb-0") if left else None,
    ])


def passed(n: int, title: str) -> dbc.Alert:
    """The message after a bulk Pass was saved."""
    return dbc.Alert(f"Passed {n} metric{'s' if n != 1 else ''} in {title}.", color="success", dismissable=True,
                     className="py-2 submit-saved bulk-saved")


def refused(message: str) -> dbc.Alert:
    """Why a bulk Pass was not saved (nothing was)."""
    return dbc.Alert(f"Nothing was passed: {message}", color="danger", dismissable=True, className="py-2 bulk-refused")
