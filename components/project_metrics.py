"""The project page's metric ranking (`data-section="metrics"`) and its pass rates by instrument
and by experimenter (`data-section="by-instrument"`), from a ProjectView (no I/O)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.lite import el
from components.status import STATUS_COLORS
from portal.qc.types import FAIL, PASS, PENDING
from portal.store.protocol import AssetQuery
from portal.views.filters_url import to_search
from portal.views.project import ProjectView
from portal.views.project_metrics import MIN_DECIDED, TOLERATED, Breakdown, MetricRank

TOLERATED_COLOR = "#56B4E9"  # sky blue (Okabe-Ito): a Fail allow_tag_failures counts as Pass
_COLORS = {**STATUS_COLORS, TOLERATED: TOLERATED_COLOR}
_ORDER = (PASS, TOLERATED, PENDING, FAIL)


def card(title, content, section: str | None = None, class_name: str = "h-100", note=None) -> html.Div:
    """A titled card of the project page in a Div carrying `data-section` when given (dbc.Card takes no
    data-* keys)."""
    header = [html.Span(title, className="fw-semibold")]
    if note:
        header.append(html.Span(note, className="text-muted ms-2 fw-normal"))
    extra = {"data-section": section} if section else {}
    return html.Div(dbc.Card([dbc.CardHeader(header, className="small"), dbc.CardBody(content, className="p-2")],
                             className="h-100"), className=class_name, **extra)


def counts_bar(counts: dict[str, int]) -> dict:
    """A thin bar split Pass / tolerated / Pending / Fail (widths proportional), drawn as one element
    with a gradient (a page holds dozens: one Dash component each, not one per segment); its title
    names every count."""
    total = sum(counts.values())
    stops, at = [], 0.0
    for status in _ORDER:
        if total and counts.get(status):
            end = at + 100 * counts[status] / total
            stops.append(f"{_COLORS[status]} {at:.1f}% {end:.1f}%")
            at = end
    title = ", ".join(f"{counts[s]:,} {s}" for s in _ORDER if counts.get(s))
    style = {"background": f"linear-gradient(to right, {', '.join(stops)})"} if stops else {}
    return el("Div", className="mini-bar", style=style, title=title)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _overview_href(query: AssetQuery) -> str:
    return dash.get_relative_path("/") + to_search(query)


def _num(n: int, cls: str = "") -> dict:
    return el("Td", f"{n:,}" if n else "·", className=f"text-end {cls}".strip())


def _metric_row(view: ProjectView, metric: MetricRank) -> dict:
    # Lite elements (components/lite.py): the ranking is 30 rows of 11 cells.
    needs = AssetQuery(project=(view.project,), metric=(metric.name,), metric_status=(FAIL, PENDING))
    low = metric.fail_lower
    extra = {"className": "few-decided"} if metric.decided < MIN_DECIDED else {}
    return el("Tr", [
        el("Td", el("A", metric.name, href=_overview_href(needs), title="The assets where this metric fails or is "
                    "pending"), className="metric-name"),
        el("Td", metric.modality), el("Td", metric.stage, className="text-nowrap"),
        _num(metric.n), _num(metric.passed), _num(metric.failed, "fw-semibold" if metric.failed else ""),
        _num(metric.pending), _num(metric.tolerated),
        el("Td", _percent(metric.fail_rate), className="text-end"),
        el("Td", _percent(low) if metric.decided else "–", className="text-end fw-semibold" if low >= 0.1 else
           "text-end", title="95 % Wilson lower bound of the fail rate"),
        el("Td", counts_bar(metric.counts()), style={"minWidth": "110px"}),
    ], **extra, **{"data-metric": metric.name, "data-n": str(metric.n), "data-fail": str(metric.failed),
                   "data-tolerated": str(metric.tolerated)})


def metrics_section(view: ProjectView) -> html.Div:
    """Metrics ranked by the Wilson lower bound of their fail rate, with n and every count."""
    if not view.metrics:
        return card("Metrics", html.P("No metrics yet.", className="text-muted small mb-0"), "metrics", "mb-3")
    names = ["Metric", "Modality", "Stage", "n", "Pass", "Fail", "Pending", "Tolerated", "Fail rate", "≥ (95 %)", ""]
    head = html.Thead(html.Tr([html.Th(n, className="text-end" if 3 <= i <= 9 else "") for i, n in enumerate(names)]))
    table = dbc.Table([head, html.Tbody([_metric_row(view, m) for m in view.metrics])], size="sm", hover=True,
                      className="metric-table mb-1")
    note = ("Ranked by the 95 % Wilson lower bound of the fail rate (Fail / decided; decided = Pass + Fail + "
            "tolerated), so a metric failing on 1 asset of 1 does not outrank one failing on 20 of 50; metrics "
            f"with fewer than {MIN_DECIDED} decided assets come after the others (greyed). n counts the assets "
            "having the metric. Tolerated: a Fail that allow_tag_failures counts as Pass.")
    if not view.aggregated:
        note += " This store does not keep tolerated counts: a tolerated Fail is counted as Fail here."
    if view.metric_total > len(view.metrics):
        note += f" The {len(view.metrics)} of {view.metric_total} metrics ranked highest."
    return card("Metrics ranked by fail rate", [html.Div(table, className="matrix-scroll sticky-head"),
                                                html.P(note, className="small text-muted mb-0")], "metrics", "mb-3")


def _rate_cell(metric: MetricRank | None) -> dict:
    if metric is None or not metric.decided:
        return el("Td", "–", className="text-end text-muted")
    rate = metric.pass_rate or 0.0
    tint = f"rgba(213, 94, 0, {min(0.6, (1 - rate) * 0.9):.2f})"  # vermillion, stronger as more fail
    return el("Td", f"{rate:.0%}", className="text-end rate-cell", style={"backgroundColor": tint},
              title=f"{metric.passed + metric.tolerated:,} of {metric.decided:,} decided pass "
                    f"({metric.failed:,} Fail, {metric.tolerated:,} tolerated, {metric.pending:,} Pending)")


def _short(name: str, width: int = 18) -> str:
    if len(name) <= width:
        return name
    tail = (width - 1) // 2  # per-probe / per-plane names differ at the end: keep both ends
    return name[: width - 1 - tail] + "…" + name[-tail:]


def breakdown_table(table: Breakdown, title: str) -> html.Div:
    """One dimension's pass rates: a row per instrument (or experimenter), all metrics, then the
    project's most failing metrics."""
    if not table.rows:
        return html.P(f"No {table.dimension} recorded.", className="text-muted small mb-0")
    head = html.Thead(html.Tr([html.Th(title), html.Th("n", className="text-end"), html.Th("All", className="text-end"),
                               *[html.Th(_short(m.name), className="text-end", title=f"{m.name} · {m.modality} · "
                                         f"{m.stage}") for m in table.metrics]]))
    rows = [el("Tr", [el("Td", row.label or f"(no {table.dimension})", className="text-nowrap group-label"),
                      el("Td", f"{row.total.decided:,}", className="text-end"), _rate_cell(row.total),
                      *[_rate_cell(row.per_metric.get(m.key)) for m in table.metrics]],
               **{"data-group": row.label, "data-decided": str(row.total.decided)})
            for row in table.rows]
    note = []
    if table.row_total > len(table.rows):
        note = [html.P(f"{len(table.rows)} of {table.row_total}, the most evaluated first.",
                       className="small text-muted mb-0")]
    return html.Div([html.Div(dbc.Table([head, html.Tbody(rows)], size="sm", className="mb-1 breakdown-table"),
                              className="matrix-scroll"), *note], **{"data-dimension": table.dimension})


def by_instrument_section(view: ProjectView) -> html.Div:
    """Pass rates by instrument and by experimenter x the project's most failing metrics."""
    if view.by_instrument is None or view.by_experimenter is None:
        body = html.P("Not available on this store (DocDB): pass rates by instrument need the SQL store's "
                      "project tables.", className="text-muted small mb-0", **{"data-state": "unavailable"})
        return card("By instrument and experimenter", body, "by-instrument", "mb-3")
    note = ("Pass rate = (Pass + tolerated) / decided metric evaluations; n = decided evaluations. From the "
            "acquisition metadata (instrument_id and experimenters; 1.x: session rig_id and "
            "experimenter_full_name), the instrument id without its configuration date. An asset with two "
            "experimenters counts for both.")
    body = [dbc.Row([dbc.Col(breakdown_table(view.by_instrument, "Instrument"), width=12, xxl=6),
                     dbc.Col(breakdown_table(view.by_experimenter, "Experimenter"), width=12, xxl=6)],
                    className="g-2"),
            html.P(note, className="small text-muted mb-0 mt-1")]
    return card("By instrument and experimenter", body, "by-instrument", "mb-3")
