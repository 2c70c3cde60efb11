"""The overview's filter bar: widgets whose values mirror the URL query (no I/O here)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.status import STATUS_COLORS
from portal.store.protocol import AssetQuery
from portal.views.filters_url import ASSET_STATUSES, CONTAINS_KEYS, LEVELS
from portal.views.overview import FilterOptions


def _status_option(status: str) -> dict:
    swatch = html.Span(className="status-swatch", style={"backgroundColor": STATUS_COLORS[status]})
    return {"label": html.Span([swatch, status]), "value": status}


def _labelled(label: str, widget, width: dict) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small text-muted mb-0"), widget], **width)


def widget_values(query: AssetQuery) -> list:
    """The filter widgets' values for a query, in the order of callbacks.overview's outputs."""
    return [
        list(query.project),
        list(query.modality),
        list(query.subject),
        list(query.status),
        list(query.level),
        query.acquired_from.isoformat() if query.acquired_from else None,
        query.acquired_to.isoformat() if query.acquired_to else None,
        query.text,
    ]


def filter_bar(query: AssetQuery, options: FilterOptions) -> dbc.Card:
    """Project, modality and subject dropdowns, status and level checks, dates and search."""
    project, modality, subject, status, level, start, end, text = widget_values(query)
    statuses = [s for s in ASSET_STATUSES if s != "Unreadable"] + (["Unreadable"] if "Unreadable" in status else [])
    return dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        _labelled("Project", dcc.Dropdown(
                            id=ids.OVERVIEW_PROJECT, options=options.project, value=project, multi=True,
                            placeholder="All projects"), {"lg": 3, "md": 6}),
                        _labelled("Modality", dcc.Dropdown(
                            id=ids.OVERVIEW_MODALITY, options=options.modality, value=modality, multi=True,
                            placeholder="All modalities"), {"lg": 2, "md": 6}),
                        _labelled("Subject", dcc.Dropdown(
                            id=ids.OVERVIEW_SUBJECT, options=subject, value=subject, multi=True,
                            placeholder=f"Search {options.subject_count:,} subjects"), {"lg": 2, "md": 6}),
                        _labelled("Acquired", dcc.DatePickerRange(
                            id=ids.OVERVIEW_DATES, start_date=start, end_date=end, clearable=True,
                            display_format="YYYY-MM-DD", start_date_placeholder_text="from",
                            end_date_placeholder_text="to", first_day_of_week=1), {"lg": "auto", "md": 6}),
                        _labelled("Asset name", dcc.Input(
                            id=ids.OVERVIEW_SEARCH, type="search", value=text, debounce=True,
                            placeholder="contains…", className="form-control"), {"lg": True, "md": 6}),
                    ],
                    className="g-2 align-items-end",
                ),
                dbc.Row(
                    [
                        dbc.Col(
                            [html.Span("QC status", className="small text-muted me-2"),
                             dbc.Checklist(id=ids.OVERVIEW_STATUS, options=[_status_option(s) for s in statuses],
                                           value=status, inline=True, className="d-inline-block")],
                            width="auto",
                        ),
                        dbc.Col(
                            [html.Span("Data level", className="small text-muted me-2"),
                             dbc.Checklist(id=ids.OVERVIEW_LEVEL, options=list(LEVELS), value=level, inline=True,
                                           className="d-inline-block")],
                            width="auto",
                        ),
                        dbc.Col(html.Div(chips(query), id=ids.OVERVIEW_CHIPS), className="flex-grow-1"),
                        dbc.Col(dbc.Button("Clear filters", id=ids.OVERVIEW_CLEAR, color="link", size="sm"),
                                width="auto"),
                    ],
                    className="g-2 mt-1 align-items-center",
                ),
            ],
            className="py-2",
        ),
        className="mb-3 filter-bar",
    )


# How a column's "contains" filter is named on its chip.
_CONTAINS_LABELS = {"project": "project", "subject": "subject", "modality": "modality", "status": "status",
                    "level": "level", "source": "raw source"}


def chips(query: AssetQuery) -> list:
    """Removable chips for the filters that have no widget (source, metric, pending, and
    the grid's "contains" column filters)."""
    items = []
    if query.source:
        items.append(_chip("source", f"made from {', '.join(query.source)}"))
    for key, field in CONTAINS_KEYS.items():
        texts = [text for name, text in query.contains if name == field]
        if texts:
            items.append(_chip(key, f"{_CONTAINS_LABELS[field]} contains " + " or ".join(f"“{t}”" for t in texts)))
    if query.metric or query.metric_status:
        names = ", ".join(query.metric) or "any metric"
        statuses = f" ({', '.join(query.metric_status)})" if query.metric_status else ""
        items.append(_chip("metric", f"metric {names}{statuses}"))
    if query.pending:
        items.append(_chip("pending", "with Pending metrics"))
    return items


def _chip(key: str, label: str) -> html.Span:
    return html.Span(
        [label, html.Button("×", id=ids.overview_chip(key), className="btn-close-chip",
                            title="Remove this filter", **{"aria-label": f"Remove filter: {label}"})],
        className="badge rounded-pill text-bg-light border filter-chip me-1",
        **{"data-chip": key},
    )
