"""The asset page's "Why?" panel: a click on a badge's Why? opens the panel for it; the
panel (and its date control) is filled from portal.views.asset.why."""

from __future__ import annotations

import logging

import dash
from dash import ALL, Input, Output, State, ctx, no_update

from components import ids
from components.asset import why as why_components
from portal.context import current_portal
from portal.errors import PortalError
from portal.views.asset.why import WhyView, why_view

log = logging.getLogger(__name__)


def node_positions(asset: dict, group_value, node_key: str) -> list[int] | None:
    """The metric positions of navigator node `node_key` under the grouping shown (None: gone)."""
    from callbacks.asset.page import _detail, grouping_of, tree_for

    detail = _detail(asset)
    root, _ = tree_for(detail, grouping_of(detail, group_value if group_value is not None else []), "all")
    node = root.find(node_key)
    return None if node is None else [metric.index for metric in node.metrics]


def register(app: dash.Dash) -> None:
    """Register the Why? callbacks on `app`."""

    @app.callback(
        Output(ids.WHY_SCOPE, "data"),
        Output(ids.WHY_PANEL, "is_open"),
        Input(ids.why_button(ALL, ALL), "n_clicks"),
        prevent_initial_call=True,
    )
    def open_why(_clicks):
        # New buttons (a re-rendered navigator or status table) arrive with n_clicks 0: not a click.
        if not ctx.triggered_id or not (ctx.triggered and ctx.triggered[0].get("value")):
            return no_update, no_update
        return {"scope": ctx.triggered_id["scope"], "value": ctx.triggered_id["value"]}, True

    @app.callback(
        Output(ids.WHY_BODY, "children"),
        Input(ids.WHY_SCOPE, "data"),
        Input(ids.WHY_DATE, "value"),
        State(ids.DETAIL_ASSET, "data"),
        State(ids.DETAIL_GROUPING, "value"),
        prevent_initial_call=True,
    )
    def explain_badge(scope, date, asset, group_value):
        if not scope or not asset:
            return no_update
        kind, value = str(scope.get("scope", "")), str(scope.get("value", ""))
        try:
            positions = node_positions(asset, group_value, value) if kind == "node" else None
            if kind == "node" and positions is None:
                return why_components.body(WhyView(f"node {value}", None, None,
                                                   "The grouping changed: click the node's Why? again."))
            view = why_view(current_portal().store, asset["id"], kind, value, date or None, positions=positions)
        except PortalError as exc:
            log.info("why panel %r: %s", asset.get("name"), exc)
            return why_components.body(WhyView("this status", None, None, exc.message))
        return why_components.body(view)
