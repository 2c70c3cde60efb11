"""Plotly figures of the overview and project pages, built from view-models (no I/O).

Status colours are components.status.STATUS_COLORS everywhere (Okabe-Ito, colour-blind
safe); each bar carries its filter values in `customdata` so a click can set filters
without parsing labels.
"""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from components.status import STATUS_COLORS
from portal.views import NO_PROJECT, STATUS_ORDER, attention_share

_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}
# White to vermillion: one hue, light to dark, readable by every kind of colour vision.
ATTENTION_SCALE = [[0.0, "#F7F7F7"], [0.5, "#F0A35E"], [1.0, "#B34700"]]


def _layout(fig: go.Figure, *, height: int, **extra) -> go.Figure:
    fig.update_layout(
        barmode="stack",
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font=_FONT,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "title": None,
                "traceorder": "normal"},
        plot_bgcolor="white",
        paper_bgcolor="white",
        clickmode="event",
        **extra,
    )
    fig.update_xaxes(gridcolor="#E5E5E5", zeroline=False)
    fig.update_yaxes(gridcolor="#E5E5E5", zeroline=False, automargin=True)
    return fig


def status_bars(rows: list[tuple[str, dict[str, int]]], *, dimension: str, unit: str = "assets") -> go.Figure:
    """Horizontal stacked bars: one bar per row label, one segment per status.

    `dimension` ("project" or "modality") goes into each point's customdata as
    [dimension, label, status], which the click handler turns into filters.
    """
    labels = [label for label, _ in rows]
    fig = go.Figure()
    for status in STATUS_ORDER:
        values = [counts.get(status, 0) for _, counts in rows]
        if not any(values):
            continue
        fig.add_trace(go.Bar(
            name=status,
            y=labels,
            x=values,
            orientation="h",
            marker={"color": STATUS_COLORS[status]},
            customdata=[[dimension, label, status] for label in labels],
            hovertemplate=f"%{{y}}<br>{status}: %{{x:,}} {unit}<extra></extra>",
        ))
    height = max(180, 60 + 26 * len(labels))
    fig = _layout(fig, height=height)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=labels)
    fig.update_xaxes(title={"text": unit})
    return fig


def attention_heatmap(cells: list[tuple[str, str, dict[str, int]]]) -> go.Figure:
    """Project x modality: the share of assets (with QC) failing or pending, with counts."""
    projects = sorted({p for p, _, _ in cells})
    modalities = sorted({m for _, m, _ in cells})
    index = {(p, m): counts for p, m, counts in cells}
    z, text, custom = [], [], []
    for project in projects:
        row_z, row_text, row_custom = [], [], []
        for modality in modalities:
            counts = index.get((project, modality))
            share = attention_share(counts) if counts else None
            n = sum(counts.values()) if counts else 0
            row_z.append(share)
            if counts is None:
                row_text.append("")
            elif share is None:
                row_text.append(f"no QC<br>n={n:,}")
            else:
                row_text.append(f"{share:.0%}<br>n={n:,}")
            row_custom.append(["cell", project, modality])
        z.append(row_z)
        text.append(row_text)
        custom.append(row_custom)
    fig = go.Figure(go.Heatmap(
        z=z,
        x=modalities,
        y=projects,
        text=text,
        texttemplate="%{text}",
        customdata=custom,
        colorscale=ATTENTION_SCALE,
        zmin=0,
        zmax=1,
        xgap=2,
        ygap=2,
        hoverongaps=False,
        colorbar={"title": {"text": "failing or<br>pending"}, "tickformat": ".0%", "thickness": 12},
        hovertemplate="%{y} · %{x}<br>%{text}<extra></extra>",
    ))
    fig = _layout(fig, height=max(200, 70 + 34 * len(projects)))
    fig.update_xaxes(side="top", showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return fig


def weekly_bars(weeks: list[tuple[date, dict[str, int]]]) -> go.Figure:
    """Assets per acquisition week (Monday), stacked by overall status."""
    fig = go.Figure()
    for status in STATUS_ORDER:
        values = [counts.get(status, 0) for _, counts in weeks]
        if not any(values):
            continue
        fig.add_trace(go.Bar(
            name=status,
            x=[week.isoformat() for week, _ in weeks],
            y=values,
            marker={"color": STATUS_COLORS[status]},
            hovertemplate=f"week of %{{x}}<br>{status}: %{{y:,}} assets<extra></extra>",
        ))
    fig = _layout(fig, height=300, bargap=0.1)
    fig.update_xaxes(type="date", title={"text": "acquisition week"})
    fig.update_yaxes(title={"text": "assets"})
    return fig


def click_filters(click_data: dict | None) -> dict[str, tuple[str, ...]] | None:
    """The filters a chart click asks for ({"project": (...), ...}), or None for no usable click."""
    points = (click_data or {}).get("points") or []
    if not points:
        return None
    custom = points[0].get("customdata")
    if not isinstance(custom, list) or len(custom) != 3:
        return None
    kind, first, second = custom
    if kind == "project":
        return {"project": () if first == NO_PROJECT else (first,), "status": (second,)}
    if kind == "modality":
        return {"modality": (first,), "status": (second,)}
    if kind == "cell":
        return {"project": () if first == NO_PROJECT else (first,), "modality": (second,)}
    return None
