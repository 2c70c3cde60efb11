"""The asset detail page assembled from its parts, and the page's id skeleton."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.asset import context, navigator, why
from components.asset.annotate import changes_bar
from components.asset.bulk import bulk_modal
from components.asset.header import header, notes
from components.ids import detail_ids, review_ids
from components.shell import error_panel
from portal.views.asset.model import AssetDetail
from portal.views.asset.navigator import Grouping, Node


def stores(detail: AssetDetail | None, *, node: str | None, limit: int) -> list:
    """The page's state: the asset shown, unsaved edits (local storage), refresh, node."""
    asset = None
    if detail is not None:
        asset = {"id": detail.id, "name": detail.name, "version": detail.version, "notes": detail.notes,
                 "project": detail.summary.project}
    return [
        dcc.Store(id=ids.DETAIL_ASSET, data=asset),
        # Unsaved edits survive a reload or a store error: {asset id: edits}. Its data is null, as
        # local storage's is when nothing was saved: the store then sets nothing on load, and the
        # callbacks that follow the edits run on load only when there are some (issue 19).
        dcc.Store(id=ids.DETAIL_EDITS, storage_type="local", data=None),
        dcc.Store(id=ids.DETAIL_REFRESH, data=0),
        dcc.Store(id=ids.DETAIL_NODE, data=node),
        dcc.Store(id=ids.DETAIL_NAV_COUNTED),  # none: the navigator is built without unsaved edits
        dcc.Store(id=ids.DETAIL_LIMIT, data=limit),
        dcc.Store(id=ids.DETAIL_CONFLICTS, data=None),
        dcc.Store(id=ids.DETAIL_CURATION_IN),  # set by assets/curation.js
        dcc.Store(id=ids.DETAIL_URL_SYNC),
        dcc.Store(id=ids.DETAIL_REASONS_MISSING, data=[]),  # Fails a refused Submit found without a reason
        dcc.Store(id=ids.DETAIL_BULK_CHOSEN, data=None),  # what the bulk Pass confirmation would pass
    ]


def page(
    detail: AssetDetail,
    *,
    can_edit: bool,
    levels: list[tuple[str, ...]],
    grouping: Grouping,
    status_filter: str,
    root: Node | None,
    selected: str | None,
    panel,
    limit: int,
) -> html.Div:
    """The whole page for an asset with a readable QC document."""
    # Present for everyone (callbacks read it); only annotators see it.
    edit_tools = [dbc.Switch(id=ids.DETAIL_ALLOW_EDITS, label="Allow edits of values already set", value=False,
                             className="small mb-2 allow-edits", style=None if can_edit else {"display": "none"})]
    return html.Div(
        [
            *stores(detail, node=selected, limit=limit),
            *why.panel(),
            bulk_modal(),
            *context.stores(detail.summary.project, detail.name),
            header(detail),
            notes(detail, can_edit=can_edit),
            changes_bar(),
            html.Div(id=ids.DETAIL_RESULT),
            dbc.Row(
                [
                    dbc.Col(
                        html.Div([navigator.controls(levels, grouping, status_filter), *edit_tools,
                                  html.Div(navigator.tree(root, selected), id=ids.DETAIL_NAV, className="nav-scroll")],
                                 className="navigator"),
                        md=4, lg=3,
                    ),
                    dbc.Col(html.Div(panel, id=ids.DETAIL_CARDS), md=8, lg=9),
                ],
                className="g-3",
            ),
        ],
        id=ids.DETAIL_PAGE,
        className="asset-page",
        **{"data-asset": detail.name, "data-can-edit": "true" if can_edit else "false"},
    )


def without_metrics(detail: AssetDetail, message: html.Div) -> html.Div:
    """The page of an asset whose QC cannot be shown (none, or unreadable): header and why."""
    return html.Div([header(detail), message], id=ids.DETAIL_PAGE,
                    className="asset-page", **{"data-asset": detail.name})


def unreadable(detail: AssetDetail) -> html.Div:
    """The reason the QC domain gives for a document it cannot read."""
    return without_metrics(detail, error_panel("This asset's quality control cannot be read",
                                               detail.qc_error or "unknown error"))


def no_qc(detail: AssetDetail) -> html.Div:
    """An asset without a quality_control document."""
    return without_metrics(detail, dbc.Alert("This asset has no quality control metadata yet.", color="info",
                                             className="no-qc"))


def not_found(message: str) -> html.Div:
    """An unknown asset (or a store error): the message, and a way back."""
    return html.Div([error_panel("Asset not found" if message.startswith("Asset not found") else "Error", message),
                     dcc.Link("Back to the overview", href=dash.get_relative_path("/"))], className="asset-page")


def skeleton() -> html.Div:
    """One of every component id the page's callbacks use (Dash validates callbacks
    against it; the page itself is built per asset)."""
    return html.Div(
        [
            *stores(None, node=None, limit=0),
            *why.panel(),
            html.Button(id=ids.why_button("asset")),
            *context.stores(None, ""),
            dcc.Store(id=ids.context_spec(0)),
            html.Div(id=ids.context_slot(0)),
            html.Div(id=ids.DETAIL_PAGE),
            html.Div(id=ids.DETAIL_HEADER_STATUS),
            html.Span(id=ids.DETAIL_OVERALL_STATUS),
            dcc.Dropdown(id=ids.DETAIL_GROUPING, multi=True),
            dbc.RadioItems(id=ids.DETAIL_FILTER),
            html.Div(id=ids.DETAIL_NAV),
            html.Div(id=ids.DETAIL_CARDS),
            html.Button(id=ids.DETAIL_MORE),
            dbc.Textarea(id=ids.DETAIL_NOTES),
            dbc.Switch(id=ids.DETAIL_ALLOW_EDITS),
            changes_bar(),
            html.Div(id=ids.DETAIL_RESULT),
            html.Button(id=detail_ids.nav_node("")),
            dbc.RadioItems(id=detail_ids.status(0)),
            dcc.Input(id=detail_ids.value(0)),
            html.Button(id=detail_ids.allow_edits(0)),
            dcc.Store(id=detail_ids.base(0)),
            dcc.Store(id=detail_ids.spec("0")),
            dcc.Graph(id=detail_ids.spec_graph("0")),
            html.Div(id=detail_ids.spec_wrap("0")),
            html.Div(id=detail_ids.spec_vega("0")),
            html.Div(id=detail_ids.spec_message("0")),
            html.Button(id=detail_ids.conflict_keep("", "")),
            html.Button(id=detail_ids.conflict_drop("", "")),
            bulk_modal(),
            dcc.Dropdown(id=review_ids.reason(0)),
            dbc.Input(id=review_ids.comment(0)),
            html.Div(id=review_ids.reason_feedback("")),
            html.Button(id=review_ids.bulk_open("")),
            dcc.Store(id=review_ids.bulk_data("")),
            html.Span(id=review_ids.bulk_hint("")),
        ],
        style={"display": "none"},
    )
