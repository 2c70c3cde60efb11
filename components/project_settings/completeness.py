"""The settings page's "Completeness" section: the project's expected sessions, replaced by an
admin's upload of a CSV or YAML file (no I/O)."""

from __future__ import annotations

from dash import dcc, html

from components import ids
from components.project_settings.page import section_card

HELP = ["Upload a CSV with a header row: ", html.Code("subject"), " (or ", html.Code("subject_id"), ") and ",
        html.Code("date"), " (YYYY-MM-DD, the acquisition day in UTC), or ", html.Code("session"),
        " (a session or asset name, matched as a prefix). YAML: a list of mappings with the same keys. The file "
        "replaces the whole list; a bad row refuses the file and nothing changes."]


def completeness_section(view) -> html.Section:
    """The expected sessions' size for everyone; the upload for admins."""
    summary = html.P(view.expected, id=ids.SETTINGS_EXPECTED_SUMMARY, className="mb-2",
                     **{"data-expected": "summary"})
    if not view.editable:
        return section_card("Completeness", "completeness", [summary])
    upload = dcc.Upload(
        id=ids.SETTINGS_EXPECTED_UPLOAD, multiple=False, accept=".csv,.yaml,.yml",
        children=html.Div(["Drop a CSV or YAML file here, or ", html.A("choose one", href="#")]),
        className="settings-upload border border-secondary-subtle rounded p-3 text-center small",
        style={"borderStyle": "dashed", "cursor": "pointer"})
    body = [html.P(HELP, className="small text-muted"), summary, upload,
            html.Div(id=ids.SETTINGS_EXPECTED_MESSAGE, className="mt-2", role="status")]
    return section_card("Completeness", "completeness", body)
