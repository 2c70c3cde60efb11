"""Plotly figures (as figure dicts) of the overview and project pages, from view-models (no I/O).

Status colours are components.status.STATUS_COLORS everywhere (Okabe-Ito, colour-blind
safe); each bar carries its filter values in `customdata` so a click can set filters
without parsing labels.
"""

from __future__ import annotations

from datetime import date

from components.status import STATUS_COLORS
from portal.views.overview import NO_PROJECT, STATUS_ORDER, attention_share

_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}
# White to vermillion: one hue, light to dark, readable by every kind of colour vision.
ATTENTION_SCALE = [[0.0, "#F7F7F7"], [0.5, "#F0A35E"], [1.0, "#B34700"]]
_AXIS = {"gridcolor": "#E5E5E5", "zeroline": False, "automargin": True}


def _figure(traces: list[dict], *, height: int, xaxis: dict | None = None, yaxis: dict | None = None,
            **extra) -> dict:
    # Plain dicts, not plotly.graph_objects: building validated objects costs more than all
    # the overview's queries together, and dcc.Graph takes the same JSON either way.
    return {
        "data": traces,
        "layout": {
            "barmode": "stack",
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "font": _FONT,
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0,
                       "traceorder": "normal"},
            "plot_bgcolor": "white",
            "paper_bgcolor": "white",
            "clickmode": "event",
            "xaxis": {**_AXIS, **(xaxis or {})},
            "yaxis": {**_AXIS, **(yaxis or {})},
            **extra,
        },
    }


def status_bars(rows: list[tuple[str, dict[str, int]]], *, dimension: str, unit: str = "assets") -> dict:
    """Horizontal stacked bars: one bar per row label, one segment per status.

    `dimension` ("project" or "modality") goes into each point's customdata as
    [dimension, label, status], which the click handler turns into filters.
    """
    labels = [label for label, _ in rows]
    traces = []
    for status in STATUS_ORDER:
        values = [counts.get(status, 0) for _, counts in rows]
        if not any(values):
            continue
        traces.append({
            "type": "bar",
            "name": status,
            "y": labels,
            "x": values,
            "orientation": "h",
            "marker": {"color": STATUS_COLORS[status]},
            "customdata": [[dimension, label, status] for label in labels],
            "hovertemplate": f"%{{y}}<br>{status}: %{{x:,}} {unit}<extra></extra>",
        })
    return _figure(traces, height=max(180, 60 + 26 * len(labels)),
                   yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": labels})


def attention_heatmap(cells: list[tuple[str, str, dict[str, int]]]) -> dict:
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
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": modalities,
        "y": projects,
        "text": text,
        "texttemplate": "%{text}",
        "customdata": custom,
        "colorscale": ATTENTION_SCALE,
        "zmin": 0,
        "zmax": 1,
        "xgap": 2,
        "ygap": 2,
        "hoverongaps": False,
        "colorbar": {"title": {"text": "failing or<br>pending"}, "tickformat": ".0%", "thickness": 12},
        "hovertemplate": "%{y} · %{x}<br>%{text}<extra></extra>",
    }
    figure = _figure([heatmap], height=max(200, 70 + 34 * len(projects)),
                     xaxis={"side": "top", "showgrid": False}, yaxis={"autorange": "reversed", "showgrid": False})
    figure["layout"]["margin"]["t"] = 40  # room for the modality names on top
    return figure


def weekly_bars(weeks: list[tuple[date, dict[str, int]]]) -> dict:
    """Assets per acquisition week (Monday), stacked by overall status."""
    traces = []
    for status in STATUS_ORDER:
        values = [counts.get(status, 0) for _, counts in weeks]
        if not any(values):
            continue
        traces.append({
            "type": "bar",
            "name": status,
            "x": [week.isoformat() for week, _ in weeks],
            "y": values,
            "marker": {"color": STATUS_COLORS[status]},
            "hovertemplate": f"week of %{{x}}<br>{status}: %{{y:,}} assets<extra></extra>",
        })
    return _figure(traces, height=300, bargap=0.1, xaxis={"type": "date", "title": {"text": "acquisition week"}},
                   yaxis={"title": {"text": "assets"}})


def click_filters(click_data: dict | None, *, heatmap: bool = False) -> dict[str, tuple[str, ...]] | None:
    """The filters a chart click asks for ({"project": (...), ...}), or None for no usable click.

    Bars carry their filters in `customdata`. A heat-map click does not: dcc.Graph drops
    a heat map's customdata from clickData (a cell's pointNumber is a [row, column]
    pair, which it cannot index customdata with), so with `heatmap` the cell is read
    from the point's own axes, `y` the project and `x` the modality. A cell without
    assets (no text) asks for nothing.
    """
    points = (click_data or {}).get("points") or []
    if not points:
        return None
    point = points[0]
    custom = point.get("customdata")
    if heatmap and not isinstance(custom, list):
        project, modality = point.get("y"), point.get("x")
        if not isinstance(project, str) or not isinstance(modality, str) or not point.get("text"):
            return None
        custom = ["cell", project, modality]
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
