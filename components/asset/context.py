"""A numeric metric's distribution across its project, drawn small inside its card.

The card gets an empty slot and a store naming the metric; the distribution is loaded
after the page (callbacks/asset/context.py), so an asset with 500 metrics renders as fast
as before. The plot is a 20-bin histogram of plain boxes, stacked by status (the status
colours), with this asset's value marked and the count beside it: no plotting library,
nothing rendered as HTML. Its root carries `data-context-plot` and `data-n="<count>"`.
"""

from __future__ import annotations

from dash import dcc, html

from components import ids
from components.status import STATUS_COLORS
from portal.qc.numeric import numeric_value
from portal.qc.stats import Distribution
from portal.views.asset.model import MetricView

_HEIGHT = 36  # px of the tallest bin


def info_store(project: str | None, asset: str) -> dcc.Store:
    """The project and asset the cards' distributions are read for."""
    return dcc.Store(id=ids.CONTEXT_INFO, data={"project": project, "asset": asset})


def context_slot(metric: MetricView):
    """The lazy slot of a metric whose value is a number (or a list of numbers); None otherwise."""
    if metric.curation is not None or numeric_value(metric.value) is None:
        return None
    return html.Div(
        [dcc.Store(id=ids.context_spec(metric.index),
                   data={"metric": metric.name, "modality": metric.modality, "stage": metric.stage}),
         html.Div(html.Span("Loading the project's values…", className="text-muted"), id=ids.context_slot(metric.index),
                  className="context-slot small")],
        className="mb-2",
    )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def context_plot(found: Distribution, *, metric: str, project: str) -> html.Div:
    """The small histogram: bins stacked by status, this asset's value marked, the count."""
    tallest = max((b.passed + b.failed + b.pending for b in found.bins), default=1) or 1
    lo, hi = found.bins[0].lo, found.bins[-1].hi
    columns = []
    for b in found.bins:
        segments = [html.Div(style={"height": f"{_HEIGHT * count / tallest:.1f}px",
                                    "backgroundColor": STATUS_COLORS[status]})
                    for status, count in (("Fail", b.failed), ("Pending", b.pending), ("Pass", b.passed)) if count]
        total = b.passed + b.failed + b.pending
        columns.append(html.Div(segments, className="context-bin",
                                title=f"{_fmt(b.lo)} – {_fmt(b.hi)}: {total} ({b.passed} pass, {b.failed} fail, "
                                      f"{b.pending} pending)"))
    marker = None
    if found.asset is not None:
        where = 50.0 if hi <= lo else 100 * (found.asset - lo) / (hi - lo)
        marker = html.Div(className="context-marker", title=f"this asset: {_fmt(found.asset)}",
                          style={"left": f"calc({min(max(where, 0), 100):.2f}% - 1px)"})
    chart = html.Div([html.Div(columns, className="context-bins", style={"height": f"{_HEIGHT}px"}), marker],
                     className="context-chart")
    caption = html.Div(
        [html.Span(f"n = {found.n}", className="me-2 context-count"),
         html.Span(f"median {_fmt(found.median)}, MAD {_fmt(found.mad)}", className="me-2"),
         html.Span(f"range {_fmt(lo)} – {_fmt(hi)}", className="me-2"),
         html.Span(f"this asset {_fmt(found.asset)}" if found.asset is not None else "", className="context-own")],
        className="text-muted context-caption")
    return html.Div([chart, caption], className="context-plot",
                    title=f"{metric} across {project}: {found.n} values, coloured by status",
                    **{"data-context-plot": metric, "data-n": str(found.n)})


def context_note(message: str) -> html.Span:
    """Why there is no distribution to show (no numbers in the project, a store that cannot say)."""
    return html.Span(message, className="text-muted context-note")
