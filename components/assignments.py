"""The assignments page `/review/assignments` and the navbar's "My reviews" label.

Pure layout of portal.views.assignments' view-model. The contract tests and scripts rely on:
each card's wrapper has `data-assignment` (its id), `data-open` ("true"/"false"),
`data-reviewed` and `data-total`; the progress text `data-progress="reviewed/total"`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids

if TYPE_CHECKING:  # types only: the page gets its data from its callbacks
    from portal.views.assignments import AssignmentCard, AssignmentsView

FILTER_HINT = ["The overview's filters as its address shows them after the ", html.Code("?"), ", e.g. ",
               html.Code("project=Alpha&modality=ecephys"), " (project, modality, subject, status, level, from, "
               "to, q, metric, source, ...; repeat a key for several values). Empty: every asset. The assignment "
               "covers the metrics Pending now on the matching assets."]
NO_QUEUE = ("This portal's asset store (DocDB) has no review queue yet: open an assignment's assets from the "
            "overview (its Assets link) and review them on their pages. Progress is counted all the same.")
MAX_FILTERS = 2000  # characters of the filters input


def my_reviews_label(count: int | None) -> list:
    """The navbar link's text: "My reviews" and, when some are open, a badge of how many."""
    if not count:
        return ["My reviews"]
    return ["My reviews ", dbc.Badge(str(count), color="warning", text_color="dark", pill=True,
                                     className="ms-1 my-reviews-count")]


def my_reviews_link(count: int | None) -> html.A:
    """The navbar's link to /review/assignments (`count` None: could not be counted, no badge)."""
    return html.A(my_reviews_label(count), href=dash.get_relative_path("/review/assignments"), className="nav-link",
                  id=ids.NAV_MY_REVIEWS, **{"data-open-count": "" if count is None else str(count)})


def _filters(item: AssignmentCard) -> html.Div:
    if not item.readable:
        return html.Div(html.Span("every asset", className="assignment-filter"), className="assignment-filters")
    return html.Div([html.Span([html.Span(f"{label}: ", className="text-muted"), values],
                               className="assignment-filter") for label, values in item.readable],
                    className="assignment-filters", title=item.filters)


def _progress(item: AssignmentCard) -> html.Div:
    by = (["Decided by ", " · ".join(f"{who} ({n})" for who, n in item.by)] if item.by
          else ["Nobody has decided any yet"])
    text = (f"{item.reviewed} / {item.total} reviewed" if item.total
            else "nothing to review: no metric was Pending when it was made")
    return html.Div([
        html.Div([html.Span(text, className="assignment-count", **{"data-progress": f"{item.reviewed}/{item.total}"}),
                  html.Span(f"{item.percent}%", className="text-muted small") if item.total else None],
                 className="d-flex justify-content-between align-items-baseline"),
        dbc.Progress(value=item.percent, color="success" if item.reviewed >= item.total else "primary",
                     className="assignment-bar my-1", style={"height": "0.5rem"}),
        html.Div(by, className="small text-muted assignment-by"),
    ], className="assignment-progress")


def _actions(item: AssignmentCard, *, admin: bool, queue: bool) -> html.Div:
    links = []
    if item.is_open and queue:
        links.append(html.A("Review", href=dash.get_relative_path(item.review_href),
                            className="btn btn-sm btn-primary assignment-review"))
    links.append(html.A("Assets", href=dash.get_relative_path(item.assets_href),
                        className="btn btn-sm btn-outline-secondary assignment-assets",
                        title="These filters on the overview"))
    if admin and item.is_open:
        links.append(dbc.Button("Close", id=ids.assignment_close(item.id), size="sm", color="outline-danger",
                                className="assignment-close", title="Close it: it leaves its reviewers' lists"))
    return html.Div(links, className="d-flex gap-2 flex-shrink-0")


def assignment_card(item: AssignmentCard, *, admin: bool, queue: bool = True, message: str | None = None) -> html.Div:
    """One assignment: state, name, filters, reviewers, who made it, progress, its links."""
    state = dbc.Badge("open" if item.is_open else "closed", color="success" if item.is_open else "secondary",
                      className="me-2 assignment-state")
    made = f"#{item.id} · made by {item.created_by} on {item.created_at}"
    if item.closed:
        made += f" · closed {item.closed}"
    body = dbc.CardBody([
        html.Div([html.Div([html.H2([state, item.name], className="h6 mb-1 assignment-name"), _filters(item)]),
                  _actions(item, admin=admin, queue=queue)],
                 className="d-flex justify-content-between align-items-start gap-3 mb-2"),
        html.Div([html.Span("For ", className="text-muted"), ", ".join(item.reviewers)],
                 className="small assignment-reviewers"),
        html.Div(made, className="small text-muted mb-2"),
        _progress(item),
        dbc.Alert(message, color="warning", className="py-1 px-2 small mt-2 mb-0 assignment-message")
        if message else None,
    ])
    # dbc.Card takes no data-* attributes: the wrapper carries them (for tests and scripts).
    return html.Div(dbc.Card(body, className="mb-2" + ("" if item.is_open else " assignment-closed")),
                    className="assignment-card",
                    **{"data-assignment": item.id, "data-open": str(item.is_open).lower(),
                       "data-reviewed": item.reviewed, "data-total": item.total})


def assignment_list(view: AssignmentsView, messages: dict[int, str] | None = None) -> html.Div:
    """Every card of the view (open ones first, as the view orders them), or why there is none."""
    messages = messages or {}
    shown = {c.id for c in view.cards}
    # A message about an assignment without a card (gone, or not this account's) goes on top.
    loose = [dbc.Alert(text, color="warning", className="py-1 px-2 small assignment-message")
             for key, text in messages.items() if key not in shown]
    if not view.cards:
        text = ("No assignments yet: make one above." if view.admin
                else "Nothing is assigned to you. Admins give assignments here; the review queue is open to you "
                     "meanwhile.")
        return html.Div([*loose, html.P(text, className="text-muted assignment-none")])
    return html.Div([*loose, *(assignment_card(c, admin=view.admin, queue=view.queue, message=messages.get(c.id))
                               for c in view.cards)])


def created(item: AssignmentCard) -> dbc.Alert:
    """The assignment just made."""
    return dbc.Alert([html.Strong(f"Assignment #{item.id} made: "), f"{item.name} — {item.total} Pending metrics "
                      f"for {', '.join(item.reviewers)}."], color="success", className="py-1 px-2 mb-0 assignment-made")


def refusal(message: str) -> dbc.Alert:
    """Why the assignment was not made (the form keeps what was typed)."""
    return dbc.Alert([html.Strong("Not made: "), message], color="danger",
                     className="py-1 px-2 mb-0 assignment-refused")


def _form(view: AssignmentsView) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H2("New assignment", className="h6"),
        dbc.Row([
            dbc.Col([dbc.Label("Name", html_for=ids.ASSIGN_NAME, className="small text-muted mb-0"),
                     dbc.Input(id=ids.ASSIGN_NAME, placeholder="Alpha ecephys, March", maxLength=200)], md=5),
            dbc.Col([dbc.Label("Reviewers", html_for=ids.ASSIGN_REVIEWERS, className="small text-muted mb-0"),
                     dcc.Dropdown(id=ids.ASSIGN_REVIEWERS, multi=True, placeholder="Choose accounts",
                                  options=[{"label": label, "value": name} for name, label in view.reviewers])],
                    md=7),
        ], className="g-2 mb-2"),
        dbc.Label("Filters", html_for=ids.ASSIGN_FILTERS, className="small text-muted mb-0"),
        dbc.Input(id=ids.ASSIGN_FILTERS, value=view.filters, placeholder="project=Alpha&modality=ecephys",
                  maxLength=MAX_FILTERS, className="font-monospace"),
        dbc.FormText(FILTER_HINT, className="d-block mb-2"),
        html.Div([dbc.Button("Create", id=ids.ASSIGN_CREATE, color="primary", size="sm"),
                  html.Div(id=ids.ASSIGN_MESSAGE, className="flex-grow-1")],
                 className="d-flex align-items-start gap-3"),
    ]), className="mb-3 assignment-form")


def assignments_page(view: AssignmentsView) -> html.Div:
    """The page: what assignments are, the form (admins), the note for stores without a queue, the cards."""
    if view.admin:
        intro = ("Give reviewers a named set of the overview's filters: the metrics Pending on those assets now. "
                 "Each reviewer sees it here (My reviews) with its progress until it is closed.")
    else:
        intro = "The assignments given to you, open ones first: Review opens each one's queue."
    return html.Div([
        html.H1("Assignments" if view.admin else "My reviews", className="h4"),
        html.P(intro, className="small text-muted"),
        dbc.Alert(NO_QUEUE, color="info", className="py-2 small assignment-no-queue") if not view.queue else None,
        _form(view) if view.admin else None,
        html.Div(assignment_list(view), id=ids.ASSIGN_LIST),
    ], id=ids.ASSIGN_PAGE, className="assignments-page")


def sign_in_panel(next_path: str) -> dbc.Alert:
    """What an anonymous visitor sees: a sign-in link that comes back here."""
    href = dash.get_relative_path("/login") + "?" + urlencode({"next": dash.get_relative_path(next_path)})
    return dbc.Alert(["Sign in to see the assignments given to you. ",
                      html.A("Sign in", href=href, className="alert-link")], color="secondary",
                     id=ids.PAGE_ALERT, className="assignment-sign-in")
