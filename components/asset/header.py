"""The asset page header: identity, links, location, statuses and the asset notes."""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.asset.why import badge_with_why, why_button
from components.status import status_badge
from portal.views.asset.model import AssetDetail


def asset_href(name: str) -> str:
    """The page of an asset."""
    return dash.get_relative_path(f"/asset/{quote(name, safe='')}")


def qc_json_href(name: str) -> str:
    """The asset's quality_control as a JSON download."""
    return dash.get_relative_path(f"/api/v1/assets/{quote(name, safe='')}/qc?download=1")


def project_href(project: str) -> str:
    """The page of a project."""
    return dash.get_relative_path(f"/project/{quote(project, safe='')}")


def header(detail: AssetDetail) -> html.Div:
    """Name, overall status, project, subject, modalities, acquisition, level, links, location."""
    s = detail.summary
    rows = [
        ("Project", dcc.Link(s.project, href=project_href(s.project), className="project-link") if s.project else "—"),
        ("Subject", s.subject_id or "—"),
        ("Modalities", [dbc.Badge(m, color="secondary", className="me-1") for m in s.modalities] or "—"),
        ("Acquired", s.acquired.strftime("%Y-%m-%d %H:%M UTC") if s.acquired else "—"),
        ("Data level", s.level or "—"),
        ("Location", html.Code(s.location, className="asset-location") if s.location else "—"),
    ]
    if s.source_data:
        rows.append(("Source data", _links(s.source_data, "source-link")))
    if detail.derived:
        rows.append(("Derived assets", _links(detail.derived, "derived-link")))
    if detail.key_experimenters:
        rows.append(("Key experimenters", ", ".join(detail.key_experimenters)))
    facts = html.Dl(
        [item for label, value in rows for item in (html.Dt(label, className="col-sm-3 col-lg-2"),
                                                     html.Dd(value, className="col-sm-9 col-lg-10"))],
        className="row small mb-0 asset-facts",
    )
    title = html.Div(
        [html.H2(detail.name, className="h4 mb-0 me-2 text-break asset-name"),
         # The overall badge and its Why?, refreshed after a submit (callbacks/asset/page.py).
         html.Span(overall(detail), id=ids.DETAIL_OVERALL_STATUS,
                   className="d-inline-flex align-items-center text-nowrap badge-why"),
         # The normalised document as a file (the REST API's GET .../qc; also `qc-portal export`).
         html.A("Download QC (JSON)", href=qc_json_href(detail.name), id=ids.DETAIL_QC_JSON, download="",
                className="btn btn-sm btn-outline-secondary ms-auto")],
        className="d-flex align-items-center flex-wrap mb-2",
    )
    return html.Div(
        [title, dbc.Row([dbc.Col(facts, lg=7), dbc.Col(html.Div(status_table(detail),
                                                                 id=ids.DETAIL_HEADER_STATUS), lg=5)])],
        className="asset-header mb-3",
    )


def _links(names, class_name: str):
    out = []
    for number, name in enumerate(names):
        if number:
            out.append(", ")
        out.append(dcc.Link(name, href=asset_href(name), className=class_name))
    return out


def status_table(detail: AssetDetail):
    """Status per modality (rows) and stage (columns), with each modality's status."""
    report = detail.summary.status
    if report is None:
        return None
    stages = sorted({stage for _, stage in report.modality_stage})
    head = html.Thead(html.Tr([html.Th("Modality"), html.Th("Overall"), *[html.Th(stage) for stage in stages]]))
    body = []
    for modality, status in report.modality.items():
        cells = [html.Th(modality, scope="row"), html.Td(badge_with_why(status, "modality", modality))]
        for stage in stages:
            cell = report.modality_stage.get((modality, stage))
            cells.append(html.Td(badge_with_why(cell, "cell", f"{modality}|{stage}") if cell else "",
                                 **{"data-stage": stage}))
        body.append(html.Tr(cells, **{"data-modality": modality}))
    body.append(_stage_row(report, stages))
    return dbc.Table([head, html.Tbody(body)], size="sm", bordered=False, className="small status-table mb-0")


def overall(detail: AssetDetail) -> list:
    """The asset's overall status badge (beside its name), with its Why? when there are metrics
    to explain."""
    status = detail.summary.overall_status
    return [status_badge(status), why_button("asset")] if status in ("Pass", "Fail", "Pending") else [
        status_badge(status)]


def _stage_row(report, stages) -> html.Tr:
    """The last row of the status table: each stage's status over every modality."""
    cells = [html.Th("All", scope="row", className="text-muted"), html.Td("")]
    for stage in stages:
        status = report.stage.get(stage)
        cells.append(html.Td(badge_with_why(status, "stage", stage) if status else "", **{"data-stage": stage}))
    return html.Tr(cells, className="status-stage-row", **{"data-modality": "all"})


def notes(detail: AssetDetail, *, can_edit: bool):
    """The asset-level QC notes: editable for annotators, read-only for everyone else."""
    field = dbc.Textarea(id=ids.DETAIL_NOTES, value=detail.notes or "", rows=2, debounce=True, disabled=not can_edit,
                         placeholder="Notes about this asset's QC" if can_edit else "No notes.",
                         className="asset-notes")
    return html.Div([html.Div("Asset QC notes", className="small text-muted"), field], className="mb-3")
