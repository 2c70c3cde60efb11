"""A numeric metric's distribution across its project, drawn small inside its card.

The card gets an empty slot and a store naming the metric; the distributions of all the
cards shown are loaded after the page, in one request (callbacks/asset/context.py), so an
asset with 500 metrics renders as fast as before. The plot is a 20-bin histogram of plain
boxes, stacked by status (the status colours), with this asset's value marked and the count
beside it: no plotting library, nothing rendered as HTML. Its root carries `data-context-plot`
and `data-n="<count>"`.

What the request answers is the plot's description (`context_plot`: every box's height,
colour and tooltip, the caption's texts), which assets/detail.js (qcDetail.drawContext) turns
into those boxes, one element each, with textContent only. Not Dash components: Dash 4.4's
renderer pays for each element it mounts after the page in proportion to every element
already on it (one store notification per new element), and 20 cards' plots, ~60 elements
each, kept a 500-metric asset's page busy for 2–3 s after it appeared (issue 19).
"""

from __future__ import annotations

from dash import dcc, html

from components import ids
from components.status import STATUS_COLORS
from portal.qc.numeric import numeric_value
from portal.qc.stats import Distribution
from portal.views.asset.model import MetricView

_HEIGHT = 36  # px of the tallest bin
LOADING = "Loading the project's values…"


def stores(project: str | None, asset: str) -> list[dcc.Store]:
    """The project and asset the cards' distributions are read for, the plots the request
    answered (drawn by assets/detail.js), and the drawing's (unused) answer."""
    # No data rather than None: a memory store given None sets it to "undefined" on mount, a
    # change that runs the callbacks reading it.
    return [dcc.Store(id=ids.CONTEXT_INFO, data={"project": project, "asset": asset}),
            dcc.Store(id=ids.CONTEXT_PLOTS), dcc.Store(id=ids.CONTEXT_DRAWN)]


def context_slot(metric: MetricView):
    """The lazy slot of a metric whose value is a number (or a list of numbers); None otherwise.

    The plot is drawn into its empty `context-drawing` element, which Dash gives no children
    (so React never touches what is drawn there); "Loading…" is hidden once it is drawn."""
    if metric.curation is not None or numeric_value(metric.value) is None:
        return None
    return html.Div(
        [dcc.Store(id=ids.context_spec(metric.index),
                   data={"metric": metric.name, "modality": metric.modality, "stage": metric.stage}),
         html.Div([html.Span(LOADING, className="text-muted context-loading"), html.Div(className="context-drawing")],
                  id=ids.context_slot(metric.index), className="context-slot small")],
        className="mb-2",
    )


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def context_plot(found: Distribution, *, metric: str, project: str) -> dict:
    """The small histogram, as assets/detail.js draws it: bins stacked by status (Fail on top,
    then Pending, Pass at the bottom), this asset's value marked, the count.

    {"plot": metric, "n", "title", "bins": [{"title", "segments": [[colour, px], ...]}],
    "marker": {"left", "title"} or None, "caption": [count, stats, range, own]}."""
    tallest = max((b.passed + b.failed + b.pending for b in found.bins), default=1) or 1
    lo, hi = found.bins[0].lo, found.bins[-1].hi
    bins = []
    for b in found.bins:
        segments = [[STATUS_COLORS[status], round(_HEIGHT * count / tallest, 1)]
                    for status, count in (("Fail", b.failed), ("Pending", b.pending), ("Pass", b.passed)) if count]
        total = b.passed + b.failed + b.pending
        bins.append({"title": f"{_fmt(b.lo)} – {_fmt(b.hi)}: {total} ({b.passed} pass, {b.failed} fail, "
                              f"{b.pending} pending)", "segments": segments})
    marker = None
    if found.asset is not None:
        where = 50.0 if hi <= lo else 100 * (found.asset - lo) / (hi - lo)
        marker = {"left": f"calc({min(max(where, 0), 100):.2f}% - 1px)", "title": f"this asset: {_fmt(found.asset)}"}
    caption = [f"n = {found.n}", f"median {_fmt(found.median)}, MAD {_fmt(found.mad)}",
               f"range {_fmt(lo)} – {_fmt(hi)}", f"this asset {_fmt(found.asset)}" if found.asset is not None else ""]
    return {"plot": metric, "n": found.n, "height": _HEIGHT, "bins": bins, "marker": marker, "caption": caption,
            "title": f"{metric} across {project}: {found.n} values, coloured by status"}


def context_note(message: str) -> dict:
    """Why there is no distribution to show (no numbers in the project, a store that cannot say)."""
    return {"note": message}
