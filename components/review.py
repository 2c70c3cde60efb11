"""The review queue page (`/review`): one metric at a time, its reference large.

Pure layout: the callbacks (callbacks/review.py) find the item (portal.views.review) and
resolve its references; this module only arranges them. The parts of a metric card are
the asset page's own (components.asset: history, value, viewers, badges). The contract
browser tests rely on: the item's root has `data-review-item`, `data-asset`,
`data-metric-key` and `data-status`; the progress element `data-review-progress="i/n"`.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.asset.cards import history
from components.asset.header import asset_href
from components.asset.values import read_only_value
from components.asset.viewers import group_viewers
from components.markdown import markdown
from components.status import status_badge
from portal.qc.types import PENDING
from portal.references.parse import IMAGE, SVG
from portal.security.urls import safe_url
from portal.store.protocol import REVIEW_ORDERS
from portal.views.asset.viewers import ReferenceGroup, Viewer
from portal.views.review import ReviewItem
from portal.views.review_ratings import RoundView

# (keys, what they do) for the help overlay, in the order a reviewer needs them.
KEYS = (
    ("p", "Pass: saved at once, then the next item"),
    ("f", "Fail: saved at once, then the next item (where the project lists fail reasons, choose one first)"),
    ("n", "Skip: leave it Pending, go to the next item"),
    ("j  ↓  →", "Next item"),
    ("k  ↑  ←", "Previous item (the ones you decided too)"),
    ("1 – 9", "Choose a dropdown option (then Enter, or p / f); after f, choose a fail reason"),
    ("Enter", "Confirm the chosen option"),
    ("u", "Undo your last decision (adds the status it had back; history is kept)"),
    ("o", "Open the asset's full page"),
    ("?", "Show or hide these keys"),
    ("Esc", "Close the reason picker (from its boxes: back to the keys), or these keys"),
)
ORDER_LABELS = {"oldest": "Oldest first", "newest": "Newest first", "most_pending": "Most Pending first"}


def page(body, *, state: dict | None, orders: dict[str, str], order: str, notes: tuple[str, ...] = (),
         title: str = "Review queue"):
    """The page frame: title, order links, the item container (`body`), the stores, the keys overlay.

    `orders` maps each order to its URL (the filters kept, the position dropped); none: no order links."""
    order_links = html.Div(
        [html.A(ORDER_LABELS[name], href=orders[name],
                className="btn btn-sm review-order " + ("btn-secondary" if name == order else "btn-outline-secondary"),
                **{"data-order": name, "aria-current": "true" if name == order else "false"})
         for name in REVIEW_ORDERS if name in orders],
        className="btn-group btn-group-sm", role="group", **{"aria-label": "Queue order"},
    ) if orders else None
    top = html.Div(
        [html.H1(title, className="h4 mb-0 me-3"), order_links,
         html.Button("Keys (?)", type="button", className="btn btn-sm btn-link ms-auto review-help-toggle")],
        className="d-flex align-items-center flex-wrap gap-2 mb-2",
    )
    shown_notes = [dbc.Alert(note, color="warning", className="py-1 px-2 small mb-2 review-note") for note in notes]
    return html.Div(
        [
            top,
            *shown_notes,
            html.Div(body, id=ids.REVIEW_ITEM),
            dcc.Store(id=ids.REVIEW_STATE, data=state),
            dcc.Store(id=ids.REVIEW_SESSION, storage_type="session"),
            dcc.Store(id=ids.REVIEW_MOVE),
            dcc.Store(id=ids.REVIEW_DECIDE),
            dcc.Store(id=ids.REVIEW_URL_SYNC),
            help_overlay(),
        ],
        id=ids.REVIEW_PAGE,
        className="review-page",
        **{"data-review-page": ""},
    )


def help_overlay() -> html.Div:
    """The keys, hidden until `?` (assets/review.js toggles `hidden`)."""
    rows = [html.Tr([html.Td(html.Kbd(keys), className="text-nowrap pe-3"), html.Td(what)]) for keys, what in KEYS]
    return html.Div(
        html.Div(
            [html.Div([html.H2("Keys", className="h5 mb-0"),
                       html.Button("×", type="button", className="btn-close ms-auto review-help-toggle",
                                   **{"aria-label": "Close"})], className="d-flex align-items-center mb-2"),
             html.Table(html.Tbody(rows), className="table table-sm small mb-2"),
             html.Div("Keys are not captured while you type in a field.", className="small text-muted")],
            className="review-help-box card card-body shadow",
        ),
        id=ids.REVIEW_HELP,
        className="review-help",
        hidden=True,
        role="dialog",
        **{"aria-label": "Review keys"},
    )


def refused(message: str, *, sign_in: bool) -> html.Div:
    """Why this user cannot review (viewers, anonymous visitors): no item is shown."""
    link = html.A("Sign in", href=dash.get_relative_path("/login"), className="alert-link") if sign_in else None
    return dbc.Alert([message, " ", link] if link else message, color="secondary", className="review-refused")


def empty(message: str) -> html.Div:
    """Nothing left to review under these filters."""
    return html.Div(message, className="alert alert-success review-empty", role="status", **{"data-review-empty": ""})


def item(view: ReviewItem, groups: list[ReferenceGroup], *, prefetch: tuple[Viewer, ...] = (),
         message: str | None = None, message_kind: str = "warning", reasons: tuple[str, ...] = (),
         done: int = 0, render: str = "", rounds: RoundView | None = None, masked: bool = False) -> html.Div:
    """One item: the header line, progress, the reference (large) and the metric card.

    `groups` are the metric's resolved references (portal.views.asset.viewers), `prefetch`
    the next item's viewers (loaded hidden, so it shows at once), `message` a conflict or
    a refusal shown in place, `reasons` the project's fail reasons (offered on `f`), `done`
    the decisions made in this browser tab, `render` a token that differs on each render
    (assets/review.js waits for it to change before sending the next press), `rounds` the
    metric's rating round where a project needs several ratings, `masked` hides its status
    and history (a project serving blinded repeats: every item looks Pending).
    """
    metric, detail = view.metric, view.detail
    s = detail.summary
    progress = html.Div(
        [html.Span(f"Item {view.number} / {view.total}", className="fw-semibold me-3 review-progress",
                   **{"data-review-progress": f"{view.number}/{view.total}"}),
         html.Span(f"This asset: {view.asset_decided} of {len(detail.metrics)} decided, "
                   f"{view.asset_queued} in the queue", className="text-muted me-3 review-asset-progress"),
         html.Span(f"{done} decided in this tab", className="text-muted review-done") if done else None],
        className="small d-flex flex-wrap align-items-center mb-2",
    )
    header = html.Div(
        [html.A(detail.name, href=asset_href(detail.name), className="fw-semibold me-2 text-break review-asset"),
         status_badge(s.overall_status),
         html.Span(" · ".join(part for part in (s.project, f"subject {s.subject_id}" if s.subject_id else None,
                                               ", ".join(s.modalities) or None,
                                               s.acquired.strftime("%Y-%m-%d %H:%M UTC") if s.acquired else None)
                              if part), className="small text-muted ms-2 review-facts")],
        className="d-flex align-items-center flex-wrap mb-2 review-header",
    )
    alert = html.Div(message, className=f"alert alert-{message_kind} py-2 small mb-2 review-message", role="alert",
                     **{"data-review-message": message_kind}) if message else None
    note = dbc.Alert(view.note, color="info", className="py-1 px-2 small mb-2 review-note") if view.note else None
    viewers = [group_viewers(group) for group in groups if group.viewers]
    reference = html.Div(viewers or html.Div("This metric has no reference.", className="text-muted small p-3"),
                         className="review-reference")
    body = dbc.Row([dbc.Col(reference, lg=8, className="review-ref-col"),
                    dbc.Col(card(view, reasons, rounds=rounds, masked=masked), lg=4)], className="g-3")
    return html.Div(
        [progress, header, note, alert, body, _prefetch(prefetch)],
        className="review-item",
        **{"data-review-item": "", "data-asset": detail.name, "data-metric-key": metric.key,
           "data-status": PENDING if masked else metric.status, "data-asset-href": asset_href(detail.name),
           "data-options": str(len(_options(view))), "data-reasons": str(len(reasons)), "data-render": render},
    )


def _options(view: ReviewItem) -> list:
    metric = view.metric
    if metric.kind != "dropdown":
        return []
    return list(metric.value.get("options") or [])[:9]


def card(view: ReviewItem, reasons: tuple[str, ...] = (), *, rounds: RoundView | None = None,
         masked: bool = False) -> html.Div:
    """The metric card: name, status, modality / stage / tags, description, value, history
    (and, in a project that needs several ratings, the rating round)."""
    metric = view.metric
    tags = [dbc.Badge(f"{key}: {value}", color="light", text_color="dark", className="me-1 border tag")
            for key, value in metric.tags.items()]
    options = _options(view)
    chooser = None
    if options:
        chooser = html.Ol(
            [html.Li([html.Kbd(str(number)), " ", str(option)], className="review-option",
                     **{"data-option": str(number)}) for number, option in enumerate(options, start=1)],
            className="list-unstyled review-options mb-2",
        )
    reason_list = reason_picker(reasons) if reasons else None
    body = [
        html.Div([html.Span(metric.modality, title=metric.modality_name, className="me-2"),
                  html.Span(metric.stage, className="me-2 text-muted"), *tags], className="small mb-2 metric-meta"),
        markdown(metric.description, className="metric-description small mb-2") if metric.description else None,
        html.Div([html.Div("Value", className="metric-label small text-muted"),
                  html.Div(read_only_value(metric.value, metric.kind), className="review-value")], className="mb-2"),
        chooser,
        reason_list,
        html.Div([html.Kbd("p"), " Pass  ", html.Kbd("f"), " Fail  ", html.Kbd("n"), " skip  ", html.Kbd("u"),
                  " undo  ", html.Kbd("?"), " keys"], className="small text-muted mb-2 review-hint"),
        round_block(rounds) if rounds else None,
        None if masked else history(metric),
    ]
    return html.Div(
        [html.Div([html.Span(metric.name, className="metric-name fw-semibold me-2"),
                   status_badge(PENDING if masked else metric.status)],
                  className="card-header d-flex align-items-center flex-wrap"),
         html.Div([part for part in body if part is not None], className="card-body")],
        className="card metric-card review-card",
    )


def round_block(rounds: RoundView) -> html.Div:
    """The metric's rating round: how many must agree, this reviewer's rating, the others' (unless
    blind); for an adjudicator, every rating with its reason and comment."""
    lines = [html.Li([html.Span(r["rater_name"] or r["rater"], className="fw-semibold me-1"), r["status"],
                      f" — {r['reason']}" if r.get("reason") else "",
                      html.Div(r["comment"], className="text-muted text-break") if r.get("comment") else None],
                     className="review-rating", **{"data-rater": r["rater"], "data-rating": r["status"]})
             for r in rounds.shown]
    if rounds.adjudicate:
        intro = "The raters disagree: your p / f decides, appended under your name."
    else:
        intro = f"{rounds.needed} raters must agree before a status is appended; your key is a rating."
    parts = [html.Div(intro, className="small")]
    if rounds.blind:
        parts.append(html.Div("Blind: other raters' ratings are hidden until you rate.", className="small text-muted"))
    elif lines:
        parts.append(html.Ul(lines, className="list-unstyled small mb-0"))
    return html.Div(parts, className="review-round border-start border-3 ps-2 mb-2",
                    **{"data-round-needed": str(rounds.needed), "data-round-blind": "1" if rounds.blind else "0",
                       "data-adjudicate": "1" if rounds.adjudicate else "0"})


def reason_picker(reasons: tuple[str, ...]) -> html.Div:
    """The project's fail reasons, offered on `f` (assets/review.js opens it): keys 1-9 choose one
    of the first nine shown, typing filters them (every reason, renumbered), a comment is optional."""
    rows = [html.Li([html.Kbd(str(n) if n <= 9 else "", className="review-reason-key"), " ",
                     html.Span(reason, className="review-reason-text")],
                    className="review-reason", **{"data-reason": reason})
            for n, reason in enumerate(reasons, start=1)]
    return html.Div(
        [html.Div("This project asks for a reason with every Fail: press 1–9, or type to filter and Enter; "
                  "Esc cancels.", className="small mb-1 review-reason-help"),
         dcc.Input(type="text", className="form-control form-control-sm mb-1 review-reason-filter",
                   placeholder="Type to filter the reasons", autoComplete="off", debounce=True),
         html.Ol(rows, className="list-unstyled review-reasons mb-1"),
         html.Div("No reason matches.", className="small text-muted review-reason-none", hidden=True),
         dcc.Textarea(className="form-control form-control-sm review-comment", rows=2, maxLength=10_000,
                      placeholder="Comment (optional; Enter chooses the highlighted reason, Esc goes back to keys)")],
        className="review-reason-panel border rounded p-2 mb-2", hidden=True,
        **{"data-reason-panel": "", "role": "dialog", "aria-label": "Fail reason"},
    )


def _prefetch(viewers: tuple[Viewer, ...]) -> html.Div:
    """The next item's references, loaded out of sight: images as hidden <img>, others as prefetch links."""
    parts = []
    for v in viewers:
        if not v.url or safe_url(v.url) is None:  # as components.asset.viewers: http(s) or relative only
            continue
        if v.kind in (IMAGE, SVG):
            parts.append(html.Img(src=v.url, alt="", className="review-prefetch"))
        else:
            parts.append(html.Link(rel="prefetch", href=v.url))
    return html.Div(parts, hidden=True, className="review-prefetch-box", **{"aria-hidden": "true"})
