"""Value widgets of a metric card, one per value kind.

Editable kinds (number, text, bool, dropdown, checkbox) are inputs with the metric's
`detail_ids.value(index)` id; a value that is already set is disabled unless "allow
edits" is on, and everything is disabled for users who may not annotate. Tables,
lists, JSON, curations and multi-asset lists are read-only views.

A stored value the widget cannot show exactly (portal.views.asset.shown: a checkbox value
`""`, a dropdown value outside its options) is written out beside the widget, which
starts from nothing chosen; the value stays as stored unless the reviewer chooses.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import detail_ids
from components.status import status_badge
from portal.store.protocol import UNSET
from portal.views.asset.curation import latest as latest_curation
from portal.views.asset.curation import versions as curation_versions
from portal.views.asset.model import MetricView

_JSON_LIMIT = 20_000  # characters of a JSON value shown before it is cut


def value_widget(metric: MetricView, *, can_edit: bool, allow_edits: bool, edited: Any = UNSET):
    """The widget for `metric`'s value; `edited` is an unsaved value to show instead."""
    if metric.kind == "curation":
        return curation_view(metric)
    if metric.editable_value:
        locked = metric.value_is_set and not allow_edits
        widget = with_note(_input(metric, not can_edit or locked, edited), metric.shown.note)
        return html.Div([widget, locked_hint(metric)]) if can_edit and locked else widget
    return with_note(read_only_value(metric.value, metric.kind), metric.shown.note)


def locked_hint(metric: MetricView) -> html.Div:
    """Why an annotator's value input is greyed out, and the way to change it."""
    return html.Div(
        ["Already set: ",
         html.Button("allow edits", id=detail_ids.allow_edits(metric.index), type="button",
                     className="btn btn-link btn-sm p-0 align-baseline value-allow-edits",
                     title="Turns on “Allow edits of values already set” (left)"),
         " to change it."],
        className="small text-muted value-locked",
    )


def with_note(widget, note: str | None):
    """A widget with the note saying how the stored value differs from what it shows."""
    if note is None:
        return widget
    return html.Div([widget, html.Div(note, className="small value-note")], className="value-marked")


def _input(metric: MetricView, disabled: bool, edited: Any):
    wid = detail_ids.value(metric.index)
    kind, value = metric.kind, metric.value
    shown = metric.shown.value if edited is UNSET else edited
    if kind == "number":
        # A number input keeps 0 a number (never "" or False).
        return dbc.Input(id=wid, type="number", value=shown, step="any", disabled=disabled, size="sm",
                         debounce=True, className="value-number")
    if kind == "string":
        return dbc.Input(id=wid, type="text", value=shown, disabled=disabled, size="sm", debounce=True,
                         className="value-text")
    if kind == "bool":
        return dbc.Switch(id=wid, value=bool(shown), label="True" if shown else "False", disabled=disabled,
                          className="value-bool")
    options = [_option(option, value) for option in value.get("options") or []]
    if kind == "dropdown":
        # Never a value outside the options: the dropdown would clear it by itself.
        return dcc.Dropdown(id=wid, options=options, value=shown, clearable=False,
                            disabled=disabled, placeholder="Choose…", className="value-dropdown")
    return dcc.Checklist(id=wid, options=[{**o, "disabled": disabled} for o in options], value=shown,
                         inline=False, className="value-checkbox", inputClassName="form-check-input mt-0 me-2",
                         labelClassName="d-flex align-items-center mb-1")


def _option(option: Any, value: dict) -> dict:
    statuses = value.get("status") or []
    options = value.get("options") or []
    index = options.index(option)
    status = statuses[index] if index < len(statuses) else None
    label = str(option) if status is None else f"{option}  ·  {status}"
    return {"label": label, "value": option}


def read_only_value(value: Any, kind: str):
    """A read-only view of a value: table, list, JSON, or plain text."""
    if kind == "none":
        return html.Span("no value", className="text-muted fst-italic value-none")
    if kind == "table":
        return value_table(value)
    if kind == "list":
        return html.Ul([html.Li(_scalar(item)) for item in value], className="value-list")
    if kind == "json":
        return json_view(value)
    if kind in ("dropdown", "checkbox"):
        chosen = value.get("value")
        return html.Span(", ".join(map(str, chosen)) if isinstance(chosen, list) else str(chosen or "—"))
    return html.Span(_scalar(value), className="value-scalar")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


def value_table(value: dict) -> dbc.Table:
    """A dict of equal-length lists as a table; an "index" column names the rows."""
    columns = [key for key in value if key != "index"]
    rows = len(next(iter(value.values())))
    index = value.get("index")
    head = ([html.Th("")] if index is not None else []) + [html.Th(str(c)) for c in columns]
    body = []
    for row in range(rows):
        cells = [html.Th(_scalar(index[row]), scope="row")] if index is not None else []
        cells += [html.Td(_scalar(value[c][row])) for c in columns]
        body.append(html.Tr(cells))
    return dbc.Table([html.Thead(html.Tr(head)), html.Tbody(body)], size="sm", bordered=True,
                     className="value-table mb-0", responsive=True)


def json_view(value: Any) -> html.Pre:
    """Any value as indented JSON (read-only)."""
    text = json.dumps(value, indent=2, default=str, ensure_ascii=False)
    if len(text) > _JSON_LIMIT:
        text = text[:_JSON_LIMIT] + "\n… (cut)"
    return html.Pre(text, className="value-json")


def curation_view(metric: MetricView) -> html.Div:
    """The latest curation of a curation metric, then every version (newest first), each
    with who curated it when and its content on demand."""
    curation = metric.curation
    newest = latest_curation(metric.value)
    if curation is None or curation.latest is None:
        latest = html.Span("no curation yet", className="text-muted fst-italic")
    elif newest.as_text:
        # Real records store curations as JSON text: shown decoded, and said so.
        latest = html.Div([json_view(newest.data),
                           html.Div("stored as JSON text", className="small value-note")], className="value-marked")
    else:
        latest = json_view(curation.latest)
    listed = curation_versions(metric.value, curation.history if curation else ())
    count = curation.versions if curation else 0
    return html.Div(
        [
            html.Div([html.Span(_curation_title(curation.type if curation else ""), className="fw-semibold "
                                "curation-title"),
                      html.Span(f" · {count} version{'s' if count != 1 else ''}", className="text-muted")],
                     className="curation-heading"),
            latest,
            html.Details([html.Summary(f"Versions ({len(listed)})", className="small"),
                          html.Ol([_version(v, latest=n == 0) for n, v in enumerate(listed)], reversed=True,
                                  className="list-unstyled small mb-0 curation-versions")],
                         className="mt-1 curation-versions-box") if listed else None,
        ],
        className="value-curation",
    )


def _version(version, *, latest: bool) -> html.Li:
    who = version.curator or "(unnamed)" if version.at is not None else "curator not recorded"
    when = f" · {_when(version.at)}" if version.at is not None else ""
    body = [json_view(version.data)]
    if version.as_text:
        body.append(html.Div("stored as JSON text", className="small value-note"))
    summary = [html.Span(f"Version {version.number}", className="fw-semibold"),
               html.Span(" (latest)", className="text-muted") if latest else None, f" · {who}{when}"]
    return html.Li(html.Details([html.Summary(summary), *body], className="curation-version"),
                   **{"data-version": str(version.number)})


def _curation_title(kind: str) -> str:
    kind = (kind or "").strip()
    return kind if kind.lower().endswith("curation") else f"{kind} curation".strip()


def evaluated_assets(names: tuple[str, ...]) -> html.Div:
    """Links to the assets a multi-asset metric evaluated."""
    links = [dcc.Link(name, href=dash.get_relative_path(f"/asset/{_quote(name)}")) for name in names]
    items = [html.Li(link) for link in links]
    return html.Div([html.Span("Evaluated assets", className="small text-muted"),
                     html.Ul(items, className="evaluated-assets small mb-0")])


def status_entry(status: str):
    """A status pill, for histories and previews."""
    return status_badge(status)


def _quote(name: str) -> str:
    return quote(name, safe="")


def _when(at) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")
