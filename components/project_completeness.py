"""The project page's completeness section (`data-section="completeness"`; issue 16 part 3):
expected / present / with QC / fully reviewed sessions, the missing ones and the extra
assets (no I/O: a Completeness from portal.review.completeness on the view-model).

Renders nothing while the project tracks no sessions (`view.completeness` is None)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.project_settings.page import settings_href

MATCHING = ("A subject and date match this project's assets of that subject acquired (UTC) that day; a session "
            "name matches assets whose name equals it or starts with it. With QC: a matching asset has QC "
            "metrics. Fully reviewed: with QC, and no matching asset has a Pending metric.")


def _tile(label: str, n: int, total: int, key: str) -> html.Div:
    share = f" ({100 * n / total:.0f}%)" if total and key != "expected" else ""
    return html.Div([html.Div(f"{n:,}", className="h5 mb-0"), html.Div(label + share, className="small text-muted")],
                    className="me-4", **{"data-count": key})


def _missing(found) -> list:
    if not found.missing_total:
        return [html.P("Nothing is missing: every expected session has an asset.", className="small mb-0",
                       **{"data-missing": "0"})]
    shown = len(found.missing)
    more = (f" (the first {shown:,} listed)" if shown < found.missing_total else "")
    return [html.Div(f"Missing: {found.missing_total:,}{more}", className="small fw-semibold mb-1"),
            html.Ul([html.Li(text, className="completeness-missing") for text in found.missing],
                    className="small mb-0 completeness-missing-list", style={"maxHeight": "14rem", "overflowY": "auto"},
                    **{"data-missing": str(found.missing_total)})]


def _body(view) -> list:
    found = view.completeness
    if not found.available:
        return [html.P(f"{found.expected:,} expected sessions are tracked; counting them against the assets is not "
                       "available on this store.", className="text-muted small mb-0",
                       **{"data-state": "unavailable"})]
    n = found.expected
    tiles = html.Div([_tile("expected", n, n, "expected"), _tile("present", found.present, n, "present"),
                      _tile("with QC", found.with_qc, n, "with-qc"),
                      _tile("fully reviewed", found.reviewed, n, "reviewed"),
                      _tile("extra assets", found.extra, 0, "extra")], className="d-flex flex-wrap mb-2")
    return [tiles, *_missing(found),
            html.P([MATCHING, " ", html.A("Change the list", href=settings_href(view.project))],
                   className="small text-muted mt-2 mb-0")]


def completeness_section(view) -> html.Div | None:
    """The completeness card, or None when the view-model has no completeness data."""
    if getattr(view, "completeness", None) is None:
        return None
    card = dbc.Card([dbc.CardHeader("Completeness (expected sessions)", className="small fw-semibold"),
                     dbc.CardBody(_body(view), className="p-2")])
    return html.Div(card, className="mb-3", **{"data-section": "completeness"})
