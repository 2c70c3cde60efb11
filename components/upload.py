"""The batch annotation upload page: file, verdicts, submit with progress, result, recent uploads."""

from __future__ import annotations

from dataclasses import dataclass

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from portal.review.batch.check import Checked, CheckedRow
from portal.review.batch.records import APPLIED, Upload, UploadRow
from portal.review.batch.sheets import COLUMNS, MAX_BYTES, MAX_ROWS

SHOWN_VALID = 500  # valid rows listed in a preview (every row with an error is listed)
TICK_MS = 400


@dataclass(frozen=True)
class UploadView:
    """What the page shows: the recent uploads, and one upload's result when the URL names it."""

    recent: list[Upload]
    current: Upload | None = None
    current_rows: list[UploadRow] | None = None
    running: bool = False  # the current upload is the viewer's and still applying: keep applying


def upload_href(upload_id: int | None = None) -> str:
    """The upload page, or one upload's result."""
    return dash.get_relative_path("/upload") + (f"?upload={upload_id}" if upload_id else "")


def _intro() -> html.Div:
    template = dash.get_relative_path("/upload/template")
    return html.Div([
        html.H2("Batch annotation upload", className="h4"),
        html.P([
            "Annotate many metrics at once from a spreadsheet with the columns ",
            *[item for column in COLUMNS for item in (html.Code(column), " ")],
            "(asset and metric required; a status is appended to the metric's history under your name, a value "
            "replaces the metric's value, a comment goes to the audit log). Each asset's rows are applied together: "
            "all of them or none.",
        ], className="small"),
        html.P(["Templates: ", html.A("CSV", href=f"{template}.csv", id="upload-template-csv", download=""), " · ",
                html.A("XLSX", href=f"{template}.xlsx", id="upload-template-xlsx", download=""), ". ",
                max_rows_note()], className="small"),
    ])


def upload_page(view: UploadView) -> html.Div:
    """The page for annotators."""
    current = view.current
    job = {"id": current.id} if current is not None and view.running else None
    return html.Div([
        _intro(),
        dcc.Upload(
            html.Div(["Drop a CSV or XLSX file here, or ", html.A("choose one", href="#")]),
            id=ids.UPLOAD_FILE, accept=".csv,.xlsx,.txt", max_size=MAX_BYTES, multiple=False,
            className="upload-drop border border-2 rounded p-4 text-center text-muted mb-3",
        ),
        dcc.Store(id=ids.UPLOAD_JOB, data=job),
        dcc.Interval(id=ids.UPLOAD_TICK, interval=TICK_MS, disabled=job is None),
        # Static (not part of the preview): a click is never lost to a re-rendered preview.
        dbc.Button("Submit", id=ids.UPLOAD_SUBMIT, color="primary", disabled=True, className="mb-3 d-none"),
        html.Div(id=ids.UPLOAD_PREVIEW),
        html.Div(progress(current) if current is not None and view.running else None, id=ids.UPLOAD_PROGRESS),
        html.Div(result(current, view.current_rows or []) if current is not None and not view.running else None,
                 id=ids.UPLOAD_RESULT),
        html.Div(recent(view.recent), id=ids.UPLOAD_RECENT),
    ], id=ids.UPLOAD_PAGE)


def submit_button(checked: Checked | None) -> tuple[bool, str, str]:
    """(disabled, label, class) of Submit for a checked file (None: nothing to submit)."""
    n = checked.n_valid if checked is not None else 0
    if not n:
        return True, "Submit", "mb-3 d-none"
    return False, f"Submit {n} valid row{'s' if n != 1 else ''}", "mb-3"


def preview(filename: str, checked: Checked) -> html.Div:
    """The rows with their verdicts and the summary."""
    errors = [row for row in checked.rows if not row.valid]
    valid = [row for row in checked.rows if row.valid]
    shown = sorted(errors + valid[:SHOWN_VALID], key=lambda row: row.row_no)
    color = "success" if not errors else ("warning" if valid else "danger")
    summary = dbc.Alert([html.Strong(filename), f": {checked.summary()}",
                         f" ({len(checked.plan)} asset{'s' if len(checked.plan) != 1 else ''} to change)."
                         if valid else " — nothing can be applied."],
                        color=color, className="upload-summary py-2")
    more = [html.P(f"{len(valid) - SHOWN_VALID} more valid rows are not listed.", className="small text-muted")] \
        if len(valid) > SHOWN_VALID else []
    return html.Div([summary, _rows_table([_preview_row(row) for row in shown]), *more])


def _verdict(ok: bool, text: str) -> html.Td:
    return html.Td(text, className="upload-verdict " + ("text-success" if ok else "text-danger"))


def _preview_row(row: CheckedRow) -> html.Tr:
    return html.Tr([html.Td(row.row_no), html.Td(row.asset), html.Td(row.metric), html.Td(row.status_text),
                    html.Td(row.value_text), html.Td(row.comment or ""),
                    _verdict(row.valid, "valid" if row.valid else row.error)],
                   className="upload-row", **{"data-row": row.row_no, "data-verdict": "ok" if row.valid else "error"})


def _rows_table(body: list) -> dbc.Table:
    head = html.Thead(html.Tr([html.Th(name) for name in ("Row", "Asset", "Metric", "Status", "Value", "Comment",
                                                          "Verdict")]))
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True, responsive=True, className="upload-table small")


def progress(upload: Upload) -> html.Div:
    """The progress of an upload being applied."""
    done = upload.cursor if not upload.done else len(upload.plan)
    return html.Div([
        html.P(f"Applying {upload.filename}: {done} of {len(upload.plan)} assets", className="small mb-1"),
        dbc.Progress(value=round(100 * upload.progress), label=f"{round(100 * upload.progress)} %", striped=True,
                     animated=not upload.done, className="mb-3 upload-progress-bar"),
    ])


def result(upload: Upload, rows: list[UploadRow]) -> html.Div:
    """What an upload applied and what it did not, row by row."""
    applied = [row for row in rows if row.outcome == APPLIED]
    refused = [row for row in rows if row.outcome != APPLIED]
    when = upload.created_at.strftime("%Y-%m-%d %H:%M UTC")
    state = "" if upload.done else " (still applying)"
    sections = [
        html.H3(f"Upload {upload.id}: {upload.filename}{state}", className="h5"),
        html.P(f"By {upload.user_display} at {when}: {len(applied)} row{'s' if len(applied) != 1 else ''} applied, "
               f"{len(refused)} not applied.", className="upload-result-summary"),
    ]
    for title, group, key in (("Applied", applied, "applied"), ("Not applied", refused, "not-applied")):
        if group:
            body = [html.Tr([html.Td(r.row_no), html.Td(r.asset), html.Td(r.metric), html.Td(r.status or ""),
                             html.Td(r.value_text or ""), html.Td(r.comment or ""),
                             _verdict(r.outcome == APPLIED, r.message or ("waiting" if r.outcome is None else ""))],
                            className="upload-row", **{"data-row": r.row_no, "data-outcome": key}) for r in group]
            sections += [html.H4(title, className="h6 mt-3"), _rows_table(body)]
    return html.Div(sections, className="upload-result", **{"data-upload": upload.id})


def recent(uploads: list[Upload]) -> html.Div:
    """Recent uploads: who, when, the file and what became of its rows."""
    if not uploads:
        return html.P("No uploads yet.", className="small text-muted mt-4")
    head = html.Thead(html.Tr([html.Th(h) for h in ("When (UTC)", "Who", "File", "Rows", "Valid", "Errors",
                                                     "Applied", "Not applied", "")]))
    body = [html.Tr([
        html.Td(u.created_at.strftime("%Y-%m-%d %H:%M")), html.Td(u.user_display), html.Td(u.filename),
        html.Td(u.n_rows), html.Td(u.n_valid), html.Td(u.n_errors), html.Td(u.n_applied), html.Td(u.n_failed),
        html.Td(dcc.Link("result" if u.done else "applying…", href=upload_href(u.id))),
    ], className="upload-recent-row", **{"data-upload": u.id}) for u in uploads]
    return html.Div([html.H3("Recent uploads", className="h5 mt-4"),
                     dbc.Table([head, html.Tbody(body)], size="sm", hover=True, responsive=True, className="small")])


def max_rows_note() -> str:
    """The limits, said once."""
    return f"At most {MAX_ROWS} rows and {MAX_BYTES // (1024 * 1024)} MB per file."
