"""The project page's trends (`data-section="trends"`) and time to QC (`data-section="time-to-qc"`),
from a ProjectView (no I/O)."""

from __future__ import annotations

from urllib.parse import quote

import dash
from dash import dcc, html

from components import ids
from components.project_metrics import card
from components.status import STATUS_COLORS
from portal.qc.types import FAIL, PASS, PENDING
from portal.views.project import ProjectView
from portal.views.project_trends import TREND_LIMIT, QCTimes, Trend, TrendOption

_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 11}
_AXIS = {"gridcolor": "#E5E5E5", "zeroline": False, "automargin": True}
CHOOSER_LIMIT = 300  # numeric metrics offered, most values first
_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def _asset_href(name: str) -> str:
    return dash.get_relative_path("/asset/" + quote(name, safe=""))


def _layout(height: int, **extra) -> dict:
    return {"height": height, "margin": {"l": 10, "r": 10, "t": 24, "b": 10}, "font": _FONT,
            "plot_bgcolor": "white", "paper_bgcolor": "white", "xaxis": dict(_AXIS), "yaxis": dict(_AXIS),
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0}, **extra}


def trend_figure(trend: Trend) -> dict:
    """Values over acquisition time by status, outliers ringed, the median and median ± 3 MAD as lines."""
    traces = []
    for status in (PASS, PENDING, FAIL):
        points = [p for p in trend.points if p.status == status]
        if points:
            traces.append({"type": "scatter", "mode": "markers", "name": status,
                           "x": [p.acquired.strftime("%Y-%m-%dT%H:%M") for p in points],
                           "y": [p.value for p in points], "hovertemplate": "%{x}<br>%{y}<extra>" + status + "</extra>",
                           "marker": {"color": STATUS_COLORS[status], "size": 5, "opacity": 0.7}})
    limits = trend.limits
    if limits:
        outliers = [p for p in trend.points if not limits[0] <= p.value <= limits[1]]
        if outliers:
            traces.append({"type": "scatter", "mode": "markers", "name": "outlier",
                           "x": [p.acquired.strftime("%Y-%m-%dT%H:%M") for p in outliers],
                           "y": [p.value for p in outliers],
                           "customdata": [trend.names.get(p.asset_id, p.asset_id) for p in outliers],
                           "hovertemplate": "%{customdata}<br>%{y}<extra>outlier</extra>",
                           "marker": {"symbol": "circle-open", "size": 11, "color": "#000", "line": {"width": 1.5}}})
    shapes = [_hline(trend.median, "#333", "solid")]
    if limits:
        shapes += [_hline(limits[0], "#999", "dash"), _hline(limits[1], "#999", "dash")]
    return {"data": traces, "layout": _layout(300, shapes=shapes)}


def _hline(y: float, color: str, dash_style: str) -> dict:
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y,
            "line": {"color": color, "width": 1, "dash": dash_style}}


def _value(v: float) -> str:
    return f"{v:.4g}"


def trend_body(trend: Trend | None, total_values: int | None = None) -> html.Div:
    """The chart, its figures (median, MAD, limits, how many points of how many) and the outliers as links."""
    if trend is None:
        return html.P("No values with an acquisition time.", className="text-muted small mb-0")
    limits = trend.limits
    total = total_values if total_values is not None else trend.option.n_values
    read = len(trend.points)
    shown = f"the latest {read:,} of {total:,} values" if total and total > read else f"{read:,} values"
    summary = (f"{shown} (at most {TREND_LIMIT:,} are read, by acquisition time); median {_value(trend.median)}, "
               f"MAD {_value(trend.mad)}, ")
    summary += (f"control limits {_value(limits[0])} … {_value(limits[1])} (median ± 3 MAD, of the values shown)."
                if limits else "no control limits (MAD 0: most values are equal).")
    links = []
    for p in trend.outliers:
        name = trend.names.get(p.asset_id, p.asset_id)
        links.append(html.A(f"{name} ({_value(p.value)})", href=_asset_href(name), className="outlier-link me-2"))
    outliers = html.Div([html.Span(f"{trend.n_outliers:,} outliers", className="fw-semibold me-2"),
                         *(links or [html.Span("none", className="text-muted")]),
                         html.Span(f"(the {len(links)} farthest)", className="text-muted")
                         if trend.n_outliers > len(links) else None],
                        className="small outlier-list", **{"data-outliers": str(trend.n_outliers)})
    return html.Div([dcc.Graph(figure=trend_figure(trend), config=_CONFIG, style={"height": "300px"}),
                     html.P(summary, className="small text-muted mb-1"), outliers],
                    **{"data-trend": trend.option.name, "data-points": str(read)})


def trend_stub() -> html.Div:
    """The chooser's components, hidden and empty: on pages without a chooser (no numeric metric, no
    assets, a store without trends) the chooser's callback still finds them (Dash validates every
    callback against each page's layout)."""
    return html.Div([dcc.Store(id=ids.PROJECT_TREND_PROJECT), dcc.Dropdown(id=ids.PROJECT_TREND_METRIC),
                     html.Div(id=ids.PROJECT_TREND_BODY)], hidden=True)


def trends_section(view: ProjectView) -> html.Div:
    """A numeric metric over acquisition time, with its chooser (default: the one with most values)."""
    if not view.aggregated:
        body = html.P("Not available on this store (DocDB): trends read the SQL store's metric_values table.",
                      className="text-muted small mb-0", **{"data-state": "unavailable"})
        return card("Trends", [body, trend_stub()], "trends")
    if not view.trend_options:
        return card("Trends", [html.P("No numeric metric.", className="text-muted small mb-0"), trend_stub()],
                    "trends")
    options: list[TrendOption] = view.trend_options
    chosen = view.trend.option.value if view.trend else options[0].value
    chooser = dcc.Dropdown(id=ids.PROJECT_TREND_METRIC, options=[{"label": o.label, "value": o.value}
                                                                   for o in options[:CHOOSER_LIMIT]],
                           value=chosen, clearable=False, className="trend-chooser mb-1")
    return card("Trends", [dcc.Store(id=ids.PROJECT_TREND_PROJECT, data=view.project), chooser,
                           html.Div(trend_body(view.trend), id=ids.PROJECT_TREND_BODY)], "trends",
                note="values over acquisition time, median ± 3 MAD")


def qc_time_figure(times: QCTimes) -> dict:
    """Grouped bars: assets per time bucket to the first decision and to no Pending left."""
    labels = [label for label, _ in times.first_hist]
    traces = [{"type": "bar", "name": "first decision", "x": labels, "y": [n for _, n in times.first_hist],
               "marker": {"color": "#0072B2"}},
              {"type": "bar", "name": "no Pending left", "x": labels, "y": [n for _, n in times.settled_hist],
               "marker": {"color": "#009E73"}}]
    return {"data": traces, "layout": _layout(200, barmode="group", bargap=0.2)}


def _hours(h: float | None) -> str:
    if h is None:
        return "–"
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} d"


def qc_time_section(view: ProjectView) -> html.Div:
    """Time to QC: a histogram and the median per month of creation."""
    caption = ("From an asset's creation in the portal (its first ingest) to its first Pass/Fail status entry "
               "written through the portal (asset page, review queue, API), and to its last one once no metric is "
               "Pending. Status entries that came in ingested documents are not counted as human decisions.")
    times = view.qc_times
    if times is None:
        body = html.P("Not available on this store (DocDB).", className="text-muted small mb-0",
                      **{"data-state": "unavailable"})
        return card("Time to QC", body, "time-to-qc")
    if not times.n:
        body = [html.P("No asset of this project has a status entry written through the portal yet.",
                       className="small mb-1", **{"data-state": "empty"}),
                html.P(caption, className="small text-muted mb-0")]
        return card("Time to QC", body, "time-to-qc")
    head = html.Thead(html.Tr([html.Th("Created"), html.Th("Assets", className="text-end"),
                               html.Th("Median to decision", className="text-end"),
                               html.Th("to no Pending", className="text-end")]))
    rows = [html.Tr([html.Td(month), html.Td(f"{n:,}", className="text-end"), html.Td(_hours(a), className="text-end"),
                     html.Td(_hours(b), className="text-end")], **{"data-month": month})
            for month, n, a, b in times.months[-12:]]
    months = html.Div(html.Table([head, html.Tbody(rows)], className="table table-sm small mb-1 qc-time-months"),
                      className="qc-time-scroll")
    summary = f"{times.n:,} assets decided, {times.n_settled:,} with no Pending left."
    if times.limited:
        summary += " The most recently created assets only."
    return card("Time to QC", [dcc.Graph(figure=qc_time_figure(times), config=_CONFIG, style={"height": "200px"}),
                               months,
                               html.P([summary, " ", caption], className="small text-muted mb-0")], "time-to-qc")
