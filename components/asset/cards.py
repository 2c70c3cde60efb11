"""Metric cards and the panel of the selected node: metrics sharing a reference are
shown together, next to that reference's viewer."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.asset.bulk import bulk_bar
from components.asset.context import context_slot
from components.asset.fail_reason import reason_box
from components.asset.values import evaluated_assets, value_widget
from components.asset.viewers import group_viewers
from components.ids import detail_ids
from components.lite import el
from components.markdown import markdown
from components.status import status_pill
from portal.qc.types import STATUSES
from portal.store.protocol import UNSET
from portal.views.asset.bulk import BulkPass, blocked
from portal.views.asset.curation import curation_frame
from portal.views.asset.edits import edit_of, metric_base
from portal.views.asset.model import MetricView
from portal.views.asset.viewers import ReferenceGroup


def metric_card(metric: MetricView, *, can_edit: bool, allow_edits: bool, version: int, edit: dict | None = None,
                entry_notes: dict | None = None, reasons: list[str] | None = None):
    """One metric: name, description, modality, stage, tags, value, status control, history.

    The root carries `data-metric` (name), `data-metric-key` (its key, unique in the
    document: names repeat) and `data-status` (its current status). `edit` is the
    reviewer's unsaved edit of this metric, shown in the widgets. `reasons`: the project's
    fail reasons; an explicit Fail then asks for one (components.asset.fail_reason).
    """
    edit = edit or {}
    status_shown = edit.get("status", metric.status)
    # The card's static parts are lite elements (components/lite.py): an asset page builds
    # dozens of cards, and only the widgets, links and stores need to be components.
    header = el(
        "Div",
        [
            el("Span", metric.name, className="metric-name fw-semibold me-2"),
            status_pill(metric.status),
            el("Span", " counts as Pass (allowed failure)", className="small text-muted ms-2")
            if metric.effective != metric.status else None,
        ],
        className="card-header d-flex align-items-center flex-wrap",
    )
    body = [
        _meta(metric),
        markdown(metric.description, className="metric-description small") if metric.description else None,
        _row("Value", value_widget(metric, can_edit=can_edit, allow_edits=allow_edits,
                                   edited=edit.get("value", UNSET))),
        context_slot(metric),  # the project's values of this metric, loaded after the page (issue 16)
        evaluated_assets(metric.evaluated_assets) if metric.evaluated_assets else None,
        _row("Status", status_control(metric, status_shown, disabled=not can_edit or metric.choice_sets_status)),
        el("Div", "The status follows the choice above.", className="small text-muted")
        if metric.choice_sets_status else None,
        reason_box(metric, reasons, edit) if reasons and can_edit and not metric.choice_sets_status else None,
        history(metric, entry_notes),
        dcc.Link("Timeline", href="", id=ids.timeline_link(metric.key), className="metric-timeline-link small",
                 title="Every status, value and reference change of this metric"),  # href: assets/timeline.js
        dcc.Store(id=detail_ids.base(metric.index), data=metric_base(metric, version)),
    ]
    return el(
        "Div",
        [header, el("Div", [part for part in body if part is not None], className="card-body")],
        className="card metric-card mb-2",
        **{"data-metric": metric.name, "data-metric-key": metric.key, "data-status": metric.status},
    )


def _meta(metric: MetricView) -> dict:
    tags = [dbc.Badge(f"{key}: {value}", color="light", text_color="dark", className="me-1 border tag")
            for key, value in metric.tags.items()]
    return el(
        "Div",
        [el("Span", metric.modality, title=metric.modality_name, className="me-2 metric-modality"),
         el("Span", metric.stage, className="me-2 text-muted metric-stage"), *tags],
        className="small mb-2 metric-meta",
    )


def _row(label: str, widget) -> dict:
    return el("Div", [el("Div", label, className="metric-label small text-muted"),
                      el("Div", widget, className="flex-grow-1")],
              className="d-flex align-items-start gap-2 mb-2 metric-row")


def status_control(metric: MetricView, value: str, *, disabled: bool) -> dbc.RadioItems:
    """Pass / Fail / Pending as a button group."""
    return dbc.RadioItems(
        id=detail_ids.status(metric.index),
        options=[{"label": status, "value": status, "disabled": disabled} for status in STATUSES],
        value=value,
        inline=True,
        className="btn-group status-control",
        inputClassName="btn-check",
        labelClassName="btn btn-sm btn-outline-secondary",
        labelCheckedClassName="active",
    )


def _explained(metric: MetricView, entry, entry_notes: dict | None):
    """The reason and comment the portal keeps with an entry (portal.review.reasons), or None."""
    if not entry_notes:
        return None
    note = entry_notes.get((metric.key, entry.evaluator, entry.status, entry.at.replace(microsecond=0)))
    if note is None:
        return None
    return [el("Span", note.reason, className="badge bg-light text-dark border entry-reason") if note.reason else None,
            el("Span", f" {note.comment}", className="text-muted entry-comment") if note.comment else None]


def history(metric: MetricView, entry_notes: dict | None = None) -> dict:
    """The status history, newest first: who, what, when (UTC), and a Fail's reason and comment
    (`entry_notes`: portal.review.reasons.notes_by_entry). Lite elements: no callback targets it."""
    rows = [
        el("Tr", [el("Td", entry.at.strftime("%Y-%m-%d %H:%M UTC"), className="text-nowrap"),
                  el("Td", entry.evaluator or el("Span", "(unnamed)", className="text-muted")),
                  el("Td", status_pill(entry.status)),
                  el("Td", _explained(metric, entry, entry_notes))],
           className="history-entry")
        for entry in sorted(metric.history, key=lambda e: e.at, reverse=True)
    ]
    return el(
        "Details",
        [el("Summary", f"Status history ({len(metric.history)})", className="small"),
         dbc.Table(el("Tbody", rows), size="sm", className="small mb-0 history-table")],
        className="metric-history",
    )


def node_panel(groups: list[ReferenceGroup], *, can_edit: bool, allow_edits: bool, version: int, edits: dict,
               shown: int, total: int, title: str, curation_hosts: frozenset[str] = frozenset(),
               entry_notes: dict | None = None, reasons: list[str] | None = None, bulk: BulkPass | None = None):
    """The selected node: one row per reference (viewer left, its metrics right).

    `edits` is the asset's edit state (portal.views.asset.edits); `curation_hosts` are the
    hosts whose embedded pages exchange curations with the portal (QC_PORTAL_CURATION_HOSTS).
    `reasons` are the project's fail reasons; `bulk` the node's "Pass all Pending" (given to
    annotators only).
    """
    rows = []
    for group in groups:
        cards = [metric_card(m, can_edit=can_edit, allow_edits=allow_edits, version=version,
                             edit=edit_of(edits, m.key), entry_notes=entry_notes, reasons=reasons)
                 for m in group.metrics]
        if group.viewers:
            frame = curation_frame(group, curation_hosts)
            rows.append(html.Div(dbc.Row([dbc.Col(group_viewers(group, frame), lg=7, className="ref-col"),
                                          dbc.Col(cards, lg=5)], className="g-3"),
                                 className="reference-group mb-3", **{"data-reference": group.reference or ""}))
        else:
            rows.append(html.Div(dbc.Row([dbc.Col(card, lg=6) for card in cards], className="g-2"),
                                 className="reference-group no-reference mb-3"))
    # Always there (hidden when all are shown): the node-click callback takes it as an input,
    # and Dash fires no callback one of whose inputs is missing.
    more = dbc.Button(f"Show more ({total - shown} more metrics)", id=ids.DETAIL_MORE, color="secondary",
                      outline=True, size="sm", className="mb-3",
                      style=None if shown < total else {"display": "none"})
    heading = html.H5([title, html.Span(f" · {total} metric{'s' if total != 1 else ''}",
                                        className="text-muted small")], className="mb-3 node-title")
    bar = bulk_bar(bulk, blocked(edits)) if bulk is not None and can_edit else None
    return html.Div([heading, bar, *rows, more])


