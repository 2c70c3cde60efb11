"""The "Completeness" section's upload: admins only, checked on the server before anything runs
(a forged POST included); the file is read whole first, and what it gets wrong is said in
place with nothing changed."""

from __future__ import annotations

import base64
import binascii

import dash
from dash import Input, Output, State, no_update
from flask_login import current_user

from components import ids
from components.project_settings.page import outcome
from portal.context import current_portal
from portal.errors import InvalidInput, NotFound, Unsupported
from portal.review import completeness
from portal.review.expected_files import MAX_BYTES, parse_expected
from portal.security.writes import writes
from portal.views.project_settings import check_project


def file_bytes(contents: object) -> bytes:
    """The bytes of a dcc.Upload's `contents` (a base64 data URL); InvalidInput otherwise."""
    if not isinstance(contents, str) or "," not in contents:
        raise InvalidInput("no file was received")
    head, _, encoded = contents.partition(",")
    if ";base64" not in head or len(encoded) > MAX_BYTES * 4 // 3 + 4:
        raise InvalidInput(f"the file is not a base64 upload of at most {MAX_BYTES // 1_000_000} MB")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the upload is not valid base64") from None


@writes("admin")
def upload(contents, filename, project):
    """Replace the project's expected sessions with those the uploaded file lists."""
    if contents is None:
        return no_update, no_update
    store = current_portal().store
    try:
        check_project(store, project if isinstance(project, str) else "")
        name = filename if isinstance(filename, str) else ""
        rows = parse_expected(name, file_bytes(contents))
        found = completeness.set_expected_sessions(store, current_user, project, rows)
    except (InvalidInput, NotFound, Unsupported) as exc:
        return outcome(f"Not saved: {exc.message}", ok=False), no_update
    text = completeness.summary(found)
    return outcome(f"Read {len(rows):,} row{'s' if len(rows) != 1 else ''} from {name}. {text}", ok=True), text


def register(app: dash.Dash) -> None:
    """Register the section's callbacks on `app`."""
    app.callback(Output(ids.SETTINGS_EXPECTED_MESSAGE, "children"), Output(ids.SETTINGS_EXPECTED_SUMMARY, "children"),
                 Input(ids.SETTINGS_EXPECTED_UPLOAD, "contents"), State(ids.SETTINGS_EXPECTED_UPLOAD, "filename"),
                 State(ids.SETTINGS_PROJECT, "data"), prevent_initial_call=True)(upload)
