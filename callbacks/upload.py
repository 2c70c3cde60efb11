"""The batch annotation upload page `/upload` (annotators); `?upload=<id>` shows one upload's result.

Three steps: the file is checked as soon as it is chosen (nothing written), Submit saves
the upload and starts applying it, and an interval applies the next assets until all
are done, moving the progress bar. Submitting and applying are write paths: marked
with `writes("annotate")`, and they go through portal.review.batch.apply, which reads the
file again, checks it again and applies through the annotation service.
"""

from __future__ import annotations

import base64
import binascii
import logging

import dash
from dash import Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.shell import for_user
from components import ids
from components.shell import error_panel
from components.upload import UploadView, preview, progress, recent, result, submit_button, upload_page
from portal.accounts.auth import can
from portal.context import current_portal
from portal.errors import InvalidInput, NotFound, PortalError
from portal.review.batch import apply
from portal.review.batch.check import check_rows
from portal.review.batch.sheets import read_upload
from portal.security.writes import writes

log = logging.getLogger(__name__)


def layout(upload=None, **_query):
    """The page for annotators; everyone else is told who may use it."""
    if not for_user():
        return upload_page(UploadView([]))  # Dash's shared validation layout: every id, nobody's data
    if not can(current_user, "annotate"):
        signed_in = getattr(current_user, "is_authenticated", False)
        return error_panel("Forbidden", "Only annotators can upload annotations." if signed_in
                           else "Sign in as an annotator to upload annotations.")
    portal = current_portal()
    store = apply.records(portal)
    current = rows = None
    chosen = upload[0] if isinstance(upload, list) and upload else upload
    if isinstance(chosen, str) and chosen.isdigit():
        try:
            current = store.get(int(chosen))
            rows = store.rows(current.id)
        except NotFound:
            return error_panel("Not found", f"There is no upload {chosen}.")
    running = current is not None and not current.done and current.user_name == current_user.name
    return upload_page(UploadView(store.recent(), current, rows, running))


def _content(contents: str) -> bytes:
    """The bytes of a dcc.Upload `contents` data URL."""
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, ValueError, binascii.Error):
        raise InvalidInput("the file could not be read from the browser; choose it again") from None


def check_file(contents, filename):
    """Read and check the chosen file: the verdict of every row (nothing is written), and Submit."""
    if not contents:
        raise PreventUpdate
    if not can(current_user, "annotate"):
        return (error_panel("Forbidden", "Sign in as an annotator to upload annotations."), *submit_button(None),
                None)
    try:
        checked = check_rows(current_portal().store, read_upload(filename or "", _content(contents)))
    except PortalError as exc:
        return error_panel("This file cannot be used", exc.message), *submit_button(None), None
    # A new file replaces the last result on screen.
    return preview(filename or "upload", checked), *submit_button(checked), None


@writes("annotate")
def run(clicks, ticks, contents, filename, job):
    """Submit (save the upload, apply its first assets) or apply the next assets of the running one."""
    portal = current_portal()
    if ctx.triggered_id == ids.UPLOAD_SUBMIT:
        if not clicks or not contents:
            raise PreventUpdate
        upload = apply.submit(portal, current_user, filename or "upload", _content(contents))
        hide_preview, hide_submit = None, "mb-3 d-none"  # submitted: the preview gives way to progress
    else:
        if not job or not isinstance(job.get("id"), int):
            raise PreventUpdate
        upload = apply.apply_more(portal, current_user, job["id"])
        hide_preview = hide_submit = no_update
    store = apply.records(portal)
    if upload.done:
        rows = store.rows(upload.id)
        return (None, True, None, result(upload, rows), hide_preview, hide_submit, recent(store.recent()))
    return ({"id": upload.id}, False, progress(upload), None, hide_preview, hide_submit, no_update)


def register(app: dash.Dash) -> None:
    """Register the page and its callbacks on `app`."""
    dash.register_page("upload", path="/upload", title="Upload annotations · QC Portal", name="Upload",
                       layout=layout)
    app.callback(Output(ids.UPLOAD_PREVIEW, "children"), Output(ids.UPLOAD_SUBMIT, "disabled"),
                 Output(ids.UPLOAD_SUBMIT, "children"), Output(ids.UPLOAD_SUBMIT, "className"),
                 Output(ids.UPLOAD_RESULT, "children"),
                 Input(ids.UPLOAD_FILE, "contents"), State(ids.UPLOAD_FILE, "filename"),
                 prevent_initial_call=True)(check_file)
    app.callback(
        Output(ids.UPLOAD_JOB, "data"), Output(ids.UPLOAD_TICK, "disabled"), Output(ids.UPLOAD_PROGRESS, "children"),
        Output(ids.UPLOAD_RESULT, "children", allow_duplicate=True),
        Output(ids.UPLOAD_PREVIEW, "children", allow_duplicate=True),
        Output(ids.UPLOAD_SUBMIT, "className", allow_duplicate=True),
        Output(ids.UPLOAD_RECENT, "children"),
        Input(ids.UPLOAD_SUBMIT, "n_clicks"), Input(ids.UPLOAD_TICK, "n_intervals"),
        State(ids.UPLOAD_FILE, "contents"), State(ids.UPLOAD_FILE, "filename"), State(ids.UPLOAD_JOB, "data"),
        prevent_initial_call=True,
        running=[(Output(ids.UPLOAD_SUBMIT, "disabled"), True, True)],  # one click, one upload
    )(run)
