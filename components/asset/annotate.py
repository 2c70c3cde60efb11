"""The annotation bar: change counter, preview, Submit; the outcome of a submit and the
conflicts with other reviewers' changes (theirs next to yours, re-apply or drop)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.ids import detail_ids
from components.status import status_badge
from portal.views.asset.edits import Change


def changes_bar() -> html.Div:
    """The bar with the change counter, a preview and Submit / Discard; hidden until
    something changed. Its buttons stay on the page (only texts and visibility change),
    so a click is never lost to a re-render."""
    return html.Div(
        dbc.Alert(
            [
                html.Div(
                    [
                        html.Span(id=ids.DETAIL_CHANGE_COUNT, className="fw-semibold me-3 change-count"),
                        dbc.Button("Submit", id=ids.DETAIL_SUBMIT, color="primary", size="sm", className="me-2"),
                        dbc.Button("Discard", id=ids.DETAIL_DISCARD, color="secondary", outline=True, size="sm"),
                    ],
                    className="d-flex align-items-center",
                ),
                html.Details([html.Summary("Preview", className="small"),
                              html.Div(id=ids.DETAIL_PREVIEW)], className="mt-1"),
            ],
            color="info",
            className="changes-bar py-2 mb-2",
        ),
        id=ids.DETAIL_CHANGES,
        className="changes-sticky",
        style={"display": "none"},
    )


def change_summary(changes: list[Change], missing: frozenset[str] = frozenset()) -> tuple[dict, list, html.Ul | None]:
    """(bar style, counter, preview) for the pending changes; `missing`: the keys of the Fails
    that still need one of the project's reasons (said in the counter and beside each)."""
    if not changes:
        return {"display": "none"}, [], None
    n = len(changes)
    preview = html.Ul([html.Li(_change(c, c.key in missing and c.field == "status"), **{"data-field": c.field})
                       for c in changes], className="small mb-0 change-preview")
    counter = [f"{n} unsaved change{'s' if n != 1 else ''}"]
    if missing:
        k = len(missing)
        counter.append(html.Span(f" · {k} Fail{'s' if k != 1 else ''} need{'s' if k == 1 else ''} a reason",
                                 className="text-danger reasons-missing"))
    return {"display": "block"}, counter, preview


def metric_label(name: str, key: str) -> list:
    """A metric's name, then what its key adds to it (modality, stage, tags: names repeat)."""
    if not name:
        return [html.Span("Asset notes", className="fw-semibold")]
    rest = key[len(name):].strip() if key.startswith(name) else key
    return [html.Span(name, className="fw-semibold"),
            html.Span(f" {rest}", className="text-muted metric-qualifiers") if rest else None]


def _change(change: Change, needs_reason: bool = False):
    where = metric_label(change.metric, change.key)
    if change.field == "status":
        implied = [html.Span(" (set by the choice)", className="text-muted change-implied")] if change.implied else []
        if change.reason:
            implied.append(html.Span(f" (reason: {change.reason})", className="change-reason"))
        if needs_reason:
            implied.append(html.Span(" (needs a reason)", className="text-danger change-reason-missing"))
        return [*where, ": status ", _status(change.old), " → ", _status(change.new), *implied]
    if change.field == "comment":
        return [*where, ": comment ", html.Q(_short(change.new), className="change-comment")]
    return [*where, f": {change.field} ", html.Code(_short(change.old)), " → ", html.Code(_short(change.new))]


def _status(status: Any):
    return status_badge(status) if isinstance(status, str) else html.Code(_short(status))


def _short(value: Any) -> str:
    if isinstance(value, dict) and "options" in value:
        value = value.get("value")
    if value == "":
        return "''"  # an empty string is a value too (a blank checkbox or dropdown)
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def saved(n: int) -> dbc.Alert:
    """The message after a successful submit."""
    return dbc.Alert(f"Saved {n} change{'s' if n != 1 else ''}.", color="success", dismissable=True,
                     className="py-2 submit-saved")


def conflicts_panel(conflicts: list[dict], resolved: dict[str, str] | None = None):
    """Each conflict: their change next to yours, with Re-apply mine / Drop mine."""
    if not conflicts:
        return None
    resolved = resolved or {}
    rows = []
    for conflict in conflicts:
        key = conflict.get("key") or ""
        outcome = resolved.get(f"{key}|{conflict['field']}")
        actions = html.Span(f"you chose: {outcome}", className="small fst-italic") if outcome else html.Span([
            dbc.Button("Re-apply mine", id=detail_ids.conflict_keep(key, conflict["field"]),
                       size="sm", color="primary", className="me-1"),
            dbc.Button("Drop mine", id=detail_ids.conflict_drop(key, conflict["field"]),
                       size="sm", color="secondary", outline=True),
        ])
        rows.append(html.Tr(
            [html.Td(metric_label(conflict["metric"], key)), html.Td(conflict["field"]),
             html.Td(_theirs(conflict)), html.Td(_yours(conflict)), html.Td(actions)],
            className="conflict-row",
            **{"data-metric": conflict["metric"], "data-metric-key": key, "data-field": conflict["field"]},
        ))
    table = dbc.Table([html.Thead(html.Tr([html.Th("Metric"), html.Th("Field"), html.Th("Their change"),
                                           html.Th("Yours"), html.Th("")])), html.Tbody(rows)],
                      size="sm", className="small mb-1 bg-white")
    pending = sum(1 for c in conflicts if f"{c.get('key') or ''}|{c['field']}" not in resolved)
    note = ("Choose for each conflict, then Submit again." if pending else
            "All conflicts resolved: Submit to save what you kept.")
    return dbc.Alert([html.Div("Someone else changed these while you were editing. Nothing of yours was saved "
                               "yet and nothing of theirs is lost.", className="fw-semibold"),
                      table, html.Div(note, className="small")], color="warning", className="conflicts py-2")


def _theirs(conflict: dict):
    theirs = conflict.get("theirs")
    if conflict["field"] == "status" and isinstance(theirs, list):
        return html.Ul([html.Li([status_badge(str(e.get("status"))), f" by {e.get('evaluator') or '(unnamed)'} at ",
                                 _when(e.get("timestamp"))]) for e in theirs], className="list-unstyled mb-0")
    return html.Code(_short(theirs))


def _yours(conflict: dict):
    yours = conflict.get("yours")
    if conflict["field"] == "status" and isinstance(yours, str):
        return status_badge(yours)
    return html.Code(_short(yours))


def _when(stamp: Any) -> str:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return str(stamp)
