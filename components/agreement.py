"""The raters' agreement page `/project/<name>/agreement`, rendered from the agreement dict of
portal.review.ratings.project_agreement (no I/O)."""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.project_settings.page import settings_href
from portal.review.agreement import CATEGORIES


def agreement_href(project: str) -> str:
    """The agreement page of `project`."""
    return dash.get_relative_path(f"/project/{quote(project, safe='')}/agreement")


def _number(value, suffix: str = "") -> str:
    return "n/a" if value is None else f"{value}{suffix}"


def _policy_line(policy: dict) -> str:
    needed = policy["ratings_required"]
    parts = ["one rating decides a metric" if needed == 1 else f"{needed} agreeing ratings decide a metric"]
    if policy["blind"]:
        parts.append("raters are blind to each other's open ratings")
    if policy["repeat_fraction"]:
        parts.append(f"{round(100 * policy['repeat_fraction'])}% of a queue are blinded repeats")
    if policy["leads"]:
        parts.append("leads: " + ", ".join(policy["leads"]))
    return "; ".join(parts) + "."


def _right(value) -> html.Td:
    return html.Td(value, className="text-end")


def _right_head(text: str) -> html.Th:
    return html.Th(text, className="text-end")


def _confusion(confusion: dict) -> html.Table:
    cats = [c for c in CATEGORIES if c in confusion] + [c for c in confusion if c not in CATEGORIES]
    # A category nobody gave (ratings are Pass or Fail: Pending) is a row and a column of zeros.
    used = {a for a in cats if any(confusion[a].values())} | {b for a in cats for b, n in confusion[a].items() if n}
    cats = [c for c in cats if c in used] or cats
    head = html.Tr([html.Th("")] + [_right_head(c) for c in cats])
    rows = [html.Tr([html.Th(a)] + [_right(confusion[a].get(b, 0)) for b in cats]) for a in cats]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="table table-sm table-borderless mb-0 small")


def _pairs_table(pairs: list[dict], *, by_metric: bool) -> dbc.Table:
    head = ([html.Th("Metric")] if by_metric else []) + [
        html.Th("Raters"), *map(_right_head, ("Items both rated", "Agreement", "Cohen's κ")),
        html.Th("Confusion (rows: first rater)")]
    rows = []
    for pair in pairs:
        cells = ([html.Td(pair["metric"])] if by_metric else []) + [
            html.Td(" & ".join(pair["raters"])), _right(pair["n"]), _right(_number(pair["percent"], "%")),
            _right(_number(pair["kappa"])), html.Td(_confusion(pair["confusion"]))]
        rows.append(html.Tr(cells, **{"data-pair": " ".join(pair["raters"]), "data-kappa": _number(pair["kappa"])}))
    return dbc.Table([html.Thead(html.Tr(head)), html.Tbody(rows)], size="sm", hover=True, responsive=True,
                     className="align-middle")


def _raters_table(raters: list[dict]) -> dbc.Table:
    head = html.Tr([html.Th("Rater")] + [_right_head(t) for t in ("Ratings", "Share Fail", "Mean time per decision",
                                                                  "Repeats", "Consistent on repeats")])
    rows = []
    for rater in raters:
        share = None if rater["share_fail"] is None else f"{round(100 * rater['share_fail'])}%"
        shown = None if rater["mean_shown_ms"] is None else f"{rater['mean_shown_ms'] / 1000:.1f} s"
        consistent = None if rater["consistency"] is None else f"{round(100 * rater['consistency'])}%"
        cells = [rater["ratings"], _number(share), _number(shown), rater["repeats"], _number(consistent)]
        rows.append(html.Tr([html.Td(f"{rater['name']} ({rater['rater']})"), *map(_right, cells)],
                            **{"data-rater": rater["rater"]}))
    return dbc.Table([html.Thead(head), html.Tbody(rows)], size="sm", hover=True, responsive=True)


def _card(title: str, body, section: str) -> html.Div:
    # dbc.Card takes no data-* keys: the section attribute goes on a wrapping Div.
    return html.Div(dbc.Card([dbc.CardHeader(title, className="fw-semibold"), dbc.CardBody(body)], className="mb-3"),
                    **{"data-section": section})


def agreement_page(view: dict) -> html.Div:
    """The whole page: the policy, agreement over every metric and per metric, Fleiss' kappa, raters."""
    project = view["project"]
    header = html.Div([
        html.Div([html.A("Overview", href=dash.get_relative_path("/")), " / ",
                  html.A(project, href=dash.get_relative_path(f"/project/{quote(project, safe='')}")),
                  " / agreement"], className="small text-muted"),
        html.H2(f"{project}: raters' agreement", className="h4 mb-1"),
        html.P([_policy_line(view["policy"]), " ",
                html.A("Settings", href=settings_href(project))],
               className="text-muted mb-0"),
    ], className="mb-3")
    overall = [p for p in view["pairs"] if p["metric"] is None]
    per_metric = [p for p in view["pairs"] if p["metric"] is not None]
    if not view["pairs"] and not view["raters"]:
        body = [html.Div(dbc.Alert("No ratings yet: agreement is measured once at least two raters rated the same "
                                   "metrics (a review policy of two or three ratings per metric).",
                                   color="secondary"), **{"data-state": "empty"})]
    else:
        fleiss = view["fleiss"]
        body = [
            html.P(f"{view['disputed']} metric(s) wait for an adjudicator.", className="mb-3",
                   **{"data-disputed": str(view["disputed"])}),
            _card("Every metric, per pair of raters", _pairs_table(overall, by_metric=False), "pairs"),
            _card("Per metric and pair of raters", _pairs_table(per_metric, by_metric=True), "per-metric"),
            _card("Three raters", html.P(f"Fleiss' κ {_number(fleiss['kappa'])} over {fleiss['n']} item(s) rated "
                                         "by three raters.", className="mb-0"), "fleiss"),
            _card("Raters", _raters_table(view["raters"]), "raters"),
        ]
    return html.Div([header, *body], className="container-fluid py-3")
