"""The webhooks page (admins): register a webhook, see each one's last delivery results, pause,
resume, retry or remove it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids

if TYPE_CHECKING:  # types only: the page gets its data from its callback
    from portal.events.webhooks import Delivery, Webhook

REFRESH_MS = 5000
_STATE_COLORS = {"delivered": "success", "pending": "warning", "failed": "danger"}


@dataclass(frozen=True)
class WebhooksView:
    """What the page shows: the webhooks and the event types one may choose."""

    webhooks: list[Webhook]
    event_types: tuple[str, ...]


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _result(delivery: Delivery) -> str:
    if delivery.last_error:
        return delivery.last_error
    if delivery.last_code:
        return f"HTTP {delivery.last_code}"
    return "not tried yet"


def deliveries_table(webhook: Webhook) -> html.Div:
    """A webhook's last deliveries, newest first."""
    if not webhook.last:
        return html.P("Nothing delivered yet: events written from now on are sent here.",
                      className="small text-muted mb-0")
    head = html.Thead(html.Tr([html.Th(h) for h in ("Event", "Asset · metric", "State", "Attempts",
                                                     "Last try (UTC)", "Result", "Next try (UTC)")]))
    rows = [html.Tr([
        html.Td([html.Code(d.event_type), f" #{d.event_id}"]),
        html.Td(d.asset + (f" · {d.metric}" if d.metric else "")),
        html.Td(dbc.Badge(d.state, color=_STATE_COLORS.get(d.state, "secondary"))),
        html.Td(str(d.attempts)),
        html.Td(_when(d.last_at), className="text-nowrap"),
        html.Td(_result(d), className="webhook-result"),
        html.Td(_when(d.next_at) if d.state == "pending" else "—", className="text-nowrap"),
    ], className="webhook-delivery", **{"data-state": d.state}) for d in webhook.last]
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, className="small mb-0")


def _buttons(webhook: Webhook) -> html.Div:
    toggle = ("resume", "Resume", "outline-success") if not webhook.active else ("pause", "Pause", "outline-secondary")
    buttons = [dbc.Button(toggle[1], id=ids.webhook_action(webhook.id, toggle[0]), size="sm", color=toggle[2],
                          className="me-2")]
    if webhook.counts.get("failed"):
        buttons.append(dbc.Button("Retry failed", id=ids.webhook_action(webhook.id, "retry"), size="sm",
                                  color="outline-primary", className="me-2"))
    buttons.append(dbc.Button("Remove", id=ids.webhook_action(webhook.id, "remove"), size="sm",
                              color="outline-danger"))
    return html.Div(buttons)


def webhook_card(webhook: Webhook) -> html.Div:
    """One webhook: where, what, its counts, its buttons and its last deliveries."""
    counts = [dbc.Badge(f"{webhook.counts.get(state, 0)} {state}", color=color, className="me-1")
              for state, color in _STATE_COLORS.items()]
    state = dbc.Badge("active" if webhook.active else "paused", color="success" if webhook.active else "secondary",
                      className="me-2")
    card = dbc.Card(dbc.CardBody([
        html.Div([html.Div([state, html.Code(webhook.url, className="webhook-url")]), _buttons(webhook)],
                 className="d-flex justify-content-between align-items-start mb-1"),
        html.P([f"#{webhook.id} · receives ", *[html.Code(t, className="me-1") for t in webhook.events],
                f"· added {_when(webhook.created_at)} by {webhook.created_by}"], className="small text-muted mb-1"),
        html.Div(counts, className="mb-2"),
        deliveries_table(webhook),
    ]), className="mb-3")
    # dbc.Card takes no data-* attributes: the wrapper carries them (for tests and scripts).
    return html.Div(card, className="webhook-card",
                    **{"data-webhook": webhook.id, "data-active": str(webhook.active).lower()})


def webhooks_list(webhooks: list[Webhook]) -> html.Div:
    """Every webhook, oldest first."""
    if not webhooks:
        return html.P("No webhooks yet.", className="text-muted")
    return html.Div([webhook_card(w) for w in webhooks])


def new_webhook(webhook: Webhook, secret: str) -> dbc.Alert:
    """The webhook just added, with its signing key: shown this once."""
    return dbc.Alert([
        html.P([html.Strong(f"Webhook #{webhook.id} added."), " Copy its signing key now: it is not shown again."],
               className="mb-1"),
        html.Code(secret, className="user-select-all d-block p-2 bg-light border new-webhook-secret"),
        html.P(["Each delivery carries ", html.Code("X-QC-Portal-Signature"),
                ": the hex HMAC-SHA256 of the request body under this key."], className="small mb-0 mt-1"),
    ], color="success")


def refusal(message: str) -> dbc.Alert:
    """Why the webhook was not added."""
    return dbc.Alert(message, color="danger", className="webhook-refused")


def webhooks_page(view: WebhooksView) -> html.Div:
    """The page: what webhooks are, the form to add one, the list with results."""
    form = dbc.Card(dbc.CardBody([
        dbc.Label("Receiver URL", html_for=ids.WEBHOOKS_URL, className="small text-muted mb-0"),
        dbc.Input(id=ids.WEBHOOKS_URL, placeholder="https://hooks.example.org/qc", maxLength=2000, className="mb-2"),
        dbc.Label("Events", className="small text-muted mb-0"),
        dbc.Checklist(id=ids.WEBHOOKS_EVENTS, options=[{"label": t, "value": t} for t in view.event_types],
                      value=["metric_failed"], inline=True, className="mb-2"),
        dbc.Button("Add webhook", id=ids.WEBHOOKS_ADD, color="primary", size="sm"),
    ]), className="mb-3", style={"maxWidth": "52rem"})
    return html.Div([
        html.H2("Webhooks", className="h4"),
        html.P(["Every event chosen is POSTed to the receiver as JSON (the shape of ", html.Code("GET /api/v1/events"),
                "), signed with ", html.Code("X-QC-Portal-Signature"), ". A delivery that fails is retried with "
                "growing delays from a queue in the database, so nothing is lost when the portal restarts."],
               className="small"),
        form,
        html.Div(id=ids.WEBHOOKS_NEW),
        html.Div(webhooks_list(view.webhooks), id=ids.WEBHOOKS_LIST),
        dcc.Interval(id=ids.WEBHOOKS_TICK, interval=REFRESH_MS),
    ], id=ids.WEBHOOKS_PAGE)
