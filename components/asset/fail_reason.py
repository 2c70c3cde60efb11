"""A metric card's fail reason picker and comment, shown with an unsaved explicit Fail when
the asset's project lists fail reasons (portal.review.reasons), and the messages about Fails
that still lack one."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.asset.annotate import metric_label
from components.ids import review_ids
from portal.views.asset.edits import Change
from portal.views.asset.fail_notes import MAX_COMMENT
from portal.views.asset.model import MetricView


def reason_box(metric: MetricView, reasons: list[str], edit: dict) -> html.Div:
    """The reason picker (type to filter) and the optional comment of one metric.

    It is on every editable card of such a project and shows only while the status control
    holds a Fail the metric does not have saved (assets/detail.css: `.reason-box`), so choosing
    Fail shows it at once, without a round trip.
    """
    reason = edit.get("reason") if edit.get("reason") in reasons else None
    return html.Div(
        [
            html.Div(
                [html.Div("Reason", className="metric-label small text-muted"),
                 html.Div(dcc.Dropdown(id=review_ids.reason(metric.index),
                                       options=[{"label": r, "value": r} for r in reasons], value=reason,
                                       searchable=True, clearable=True, optionHeight=30,
                                       placeholder="Why it fails (required): type to filter",
                                       className="reason-picker"),
                          className="flex-grow-1")],
                className="d-flex align-items-start gap-2 mb-1 metric-row",
            ),
            html.Div(
                [html.Div("Comment", className="metric-label small text-muted"),
                 dbc.Input(id=review_ids.comment(metric.index), type="text", value=edit.get("comment") or "",
                           debounce=True, maxLength=MAX_COMMENT, placeholder="Optional", size="sm",
                           className="flex-grow-1 reason-comment")],
                className="d-flex align-items-start gap-2 mb-1 metric-row",
            ),
            html.Div(id=review_ids.reason_feedback(metric.key), className="small text-danger reason-feedback"),
        ],
        className="reason-box mb-2",
        **{"data-reason-for": metric.key},
    )


def feedback(project: str | None) -> str:
    """The message beside a metric whose Fail a Submit found without a reason."""
    return f"Choose a reason to save this Fail: project {project or ''} asks for one with every Fail."


def reasons_needed(missing: list[Change], project: str | None, listed: list[str]) -> dbc.Alert:
    """Why Submit saved nothing: the Fails without one of the project's reasons, each named."""
    rows = [html.Li([*metric_label(c.metric, c.key),
                     html.Span(f": {c.reason!r} is not one of the project's reasons" if c.reason else "",
                               className="text-muted")],
                    **{"data-metric-key": c.key}) for c in missing]
    n = len(missing)
    return dbc.Alert(
        [html.Div(f"Nothing was saved: {n} Fail{'s' if n != 1 else ''} need{'s' if n == 1 else ''} a reason. "
                  f"Project {project} asks for one with every Fail ({'; '.join(listed)}).", className="fw-semibold"),
         html.Ul(rows, className="small mb-1"),
         html.Div("Choose one beside each metric (your changes are kept), then Submit again.", className="small")],
        color="danger", className="py-2 reasons-needed",
    )
