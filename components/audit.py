"""The audit log page: who changed what, when; filterable by user and asset."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from portal.store.protocol import AuditEntry

LIMITS = (100, 500, 2000)
_DETAIL_LIMIT = 300  # characters of a value shown in "what changed"


@dataclass(frozen=True)
class AuditView:
    """What the page shows: the entries and the filters that chose them."""

    entries: list[AuditEntry]
    user: str = ""
    asset: str = ""
    limit: int = LIMITS[0]


def audit_href(user: str = "", asset: str = "") -> str:
    """The audit page filtered by `user` and/or `asset`."""
    query = urlencode({k: v for k, v in (("user", user), ("asset", asset)) if v})
    return dash.get_relative_path("/audit") + (f"?{query}" if query else "")


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= _DETAIL_LIMIT else text[:_DETAIL_LIMIT] + "…"


def _change_line(change: dict) -> html.Div:
    what = f"{change.get('metric') or 'asset'} · {change.get('field', '')}"
    if change.get("field") == "added":  # a metric a re-ingest or push added (portal.qc.diff)
        return html.Div(html.Span(what, className="fw-semibold me-1"))
    return html.Div([html.Span(what, className="fw-semibold me-1"),
                     f"{_short(change.get('old'))} → {_short(change.get('new'))}"])


def what_changed(entry: AuditEntry) -> list:
    """One line per change of an annotation (and per value or reference a re-ingest or push
    changed); the source of an ingest; else the detail as JSON."""
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    changes, metrics = detail.get("changes"), detail.get("metrics")
    if isinstance(changes, list) or isinstance(metrics, list):
        lines = [f"from {detail['source']}"] if detail.get("source") else []
        for change in [*(changes if isinstance(changes, list) else ()), *(metrics if isinstance(metrics, list)
                                                                           else ())]:
            if isinstance(change, dict):
                lines.append(_change_line(change))
        return lines
    if set(detail) == {"source"}:
        return [f"from {detail['source']}"] if detail["source"] else []
    return [_short(entry.detail)] if entry.detail else []


def _filter_form(view: AuditView) -> html.Form:
    # A plain GET form: the filters are the URL's query, so a filtered view can be shared.
    return html.Form(
        dbc.Row(
            [
                dbc.Col([dbc.Label("User", html_for="audit-user", className="small text-muted mb-0"),
                         dbc.Input(id="audit-user", name="user", value=view.user, size="sm",
                                   placeholder="who (as written in the log)")], md=4),
                dbc.Col([dbc.Label("Asset", html_for="audit-asset", className="small text-muted mb-0"),
                         dbc.Input(id="audit-asset", name="asset", value=view.asset, size="sm",
                                   placeholder="asset name or id")], md=4),
                dbc.Col([dbc.Label("Show", html_for="audit-limit", className="small text-muted mb-0"),
                         dbc.Select(id="audit-limit", name="limit", value=str(view.limit), size="sm",
                                    options=[{"label": f"newest {n}", "value": str(n)} for n in LIMITS])], md=2),
                dbc.Col([dbc.Button("Filter", type="submit", color="primary", size="sm", className="me-2"),
                         html.A("Clear", href=audit_href(), className="btn btn-link btn-sm")],
                        md=2, className="d-flex align-items-end"),
            ],
            className="g-2",
        ),
        method="get", action=dash.get_relative_path("/audit"), id=ids.AUDIT_FILTER, className="mb-3",
    )


def _row(entry: AuditEntry) -> html.Tr:
    asset_link = dcc.Link(entry.asset_name, href=dash.get_relative_path(f"/asset/{quote(entry.asset_name, safe='')}"))
    return html.Tr(
        [
            html.Td(entry.at.strftime("%Y-%m-%d %H:%M:%S"), className="text-nowrap"),
            html.Td([dcc.Link(entry.user, href=audit_href(user=entry.user), title="only this account's changes"),
                     # The account writes status entries under its display name: both are shown.
                     html.Span(f" ({entry.detail['evaluator']})", className="small text-muted")
                     if entry.detail.get("evaluator") not in (None, "", entry.user) else None]),
            html.Td([asset_link, " ", dcc.Link("(filter)", href=audit_href(asset=entry.asset_id),
                                               className="small text-muted", title="only this asset's changes")]),
            html.Td(entry.action),
            html.Td(what_changed(entry), className="small"),
        ],
        className="audit-entry", **{"data-user": entry.user, "data-asset": entry.asset_name},
    )


def audit_page(view: AuditView) -> html.Div:
    """The page: filters, then the entries newest first."""
    filters = [f"user “{view.user}”" if view.user else "", f"asset “{view.asset}”" if view.asset else ""]
    scope = " and ".join(f for f in filters if f) or "all users and assets"
    more = len(view.entries) >= view.limit
    summary = f"{len(view.entries)} change{'s' if len(view.entries) != 1 else ''} of {scope}, newest first" + (
        f" (the newest {view.limit}; choose more or narrow the filter)" if more else "")
    if view.entries:
        body = dbc.Table(
            [html.Thead(html.Tr([html.Th("When (UTC)"), html.Th("User"), html.Th("Asset"), html.Th("Action"),
                                 html.Th("What changed")])),
             html.Tbody([_row(entry) for entry in view.entries])],
            size="sm", hover=True, responsive=True, id=ids.AUDIT_TABLE, className="audit-table",
        )
    else:
        body = dbc.Alert("No change matches these filters.", color="secondary", id=ids.AUDIT_TABLE)
    return html.Div([html.H2("Audit log", className="h4"), _filter_form(view),
                     html.P(summary, className="small text-muted"), body], id=ids.AUDIT_PAGE)
