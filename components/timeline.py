"""A metric's timeline page (`/asset/<name>/timeline?key=`), rendered from
portal.views.timeline.Timeline (no I/O): the metric now, then what happened to it, newest
first, and where the audited history starts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.shell import error_panel
from components.status import status_badge
from portal.references.parse import IMAGE, SVG
from portal.security.urls import safe_url
from portal.views.timeline_events import (
    ADDED,
    ANNOTATION,
    COMMENT,
    CREATED,
    DOCUMENT,
    INGEST,
    PUSH,
    REFERENCE,
    REPLACED,
    STATUS,
    VALUE,
    Event,
    Origin,
    ReferenceLink,
    Timeline,
)

_SHORT = 300  # characters of a value shown
_KIND_LABELS = {STATUS: "Status", VALUE: "Value", REFERENCE: "Reference", COMMENT: "Comment", ADDED: "Added",
                REPLACED: "Replaced"}
_VIA_LABELS = {ANNOTATION: "in the portal", PUSH: "pushed", INGEST: "ingest", DOCUMENT: "in the document"}


def timeline_href(asset: str, key: str) -> str:
    """The timeline page of the metric `key` of `asset`."""
    return dash.get_relative_path(f"/asset/{quote(asset, safe='')}/timeline") + "?" + urlencode({"key": key})


def back_href(asset: str, node: str | None) -> str:
    """The asset page, at the navigator node holding the metric."""
    href = dash.get_relative_path(f"/asset/{quote(asset, safe='')}")
    return href + ("?" + urlencode({"node": node}) if node else "")


def when(moment: datetime | None) -> str:
    """A moment as the page shows it (UTC, to the second)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "—"


def short(value: Any, chars: int | None = None) -> str:
    """A value as a short text (JSON but for plain text); a value the log did not keep says so."""
    if chars is not None:
        return f"(a value of {chars} characters, too large for the audit log)"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= _SHORT else text[:_SHORT] + "…"


def _link(link: ReferenceLink):
    url = safe_url(link.url) if link.url else None
    if url is None:
        return html.Span([html.Code(link.name), html.Span(f" ({link.error})" if link.error else "",
                                                          className="text-muted")], className="me-2")
    label = html.A(link.name, href=url, target="_blank", rel="noopener noreferrer", className="me-2 reference-link")
    if link.kind in (IMAGE, SVG):
        thumb = html.A(html.Img(src=url, alt=link.name, className="timeline-thumb"), href=url, target="_blank",
                       rel="noopener noreferrer")
        return html.Span([thumb, label], className="timeline-ref d-inline-flex align-items-end gap-1 me-2")
    return label


def reference(text: str | None, links: dict[str, tuple[ReferenceLink, ...]]):
    """A reference text as links through the asset page's resolution (its raw text when it was not
    resolved); "none" without one."""
    if not text:
        return html.Span("none", className="text-muted")
    resolved = links.get(text)
    if not resolved:
        return html.Code(text)
    return html.Span([_link(link) for link in resolved], title=text)


def _who(event: Event) -> list:
    parts = [html.Span(event.who or "(unnamed)", className="timeline-who fw-semibold")]
    via = _VIA_LABELS.get(event.via)
    if via:
        parts.append(html.Span(f" · {via}" + (f" by {event.by}" if event.by else ""), className="text-muted"))
    return parts


def _what(event: Event, links: dict) -> list:
    if event.kind == STATUS:
        return [status_badge(event.status or ""),
                html.Span(event.reason, className="badge bg-light text-dark border ms-2 entry-reason")
                if event.reason else None,
                html.Span(f" {event.comment}", className="text-muted entry-comment") if event.comment else None]
    if event.kind == VALUE:
        return [html.Code(short(event.old, event.old_chars), className="timeline-old"), " → ",
                html.Code(short(event.new, event.new_chars), className="timeline-new")]
    if event.kind == REFERENCE:
        return [html.Span("was ", className="text-muted"),
                html.Span(reference(event.old, links), className="timeline-old"),
                html.Span(" now ", className="text-muted"),
                html.Span(reference(event.new, links), className="timeline-new")]
    if event.kind == COMMENT:
        return [html.Span(event.comment, className="entry-comment")]
    if event.kind == ADDED:
        return [html.Span("the metric was added", className="text-muted"),
                status_badge(event.status) if event.status else None]
    return [html.Span("replaced by a push; its value and reference before it were not recorded",
                      className="text-muted")]


def _row(event: Event, links: dict) -> html.Tr:
    return html.Tr([html.Td(when(event.at), className="text-nowrap timeline-at"),
                    html.Td(_KIND_LABELS.get(event.kind, event.kind), className="timeline-kind"),
                    html.Td(_who(event)),
                    html.Td([part for part in _what(event, links) if part is not None], className="timeline-what")],
                   className="timeline-event", **{"data-kind": event.kind, "data-via": event.via})


def origin_text(origin: Origin) -> str:
    """Where the audited history starts, in a sentence."""
    if origin.at is None:
        return ("The portal's audit log has nothing on this asset: the value and reference it had before now are "
                "not known (as ingested).")
    if origin.known and origin.how == CREATED:
        return f"{when(origin.at)}: created by {origin.who}, as ingested, with this value and reference."
    if origin.known:
        return f"{when(origin.at)}: added by {origin.who}, with this value and reference."
    return (f"Before {when(origin.at)}: as ingested. The audit log does not record the value or reference before "
            "then; from then on they were:")


def _origin(view: Timeline) -> html.Div:
    origin = view.origin
    return html.Div(
        [html.Div(origin_text(origin), className="mb-1"),
         html.Div([html.Span("Value ", className="text-muted"),
                   html.Code(short(origin.value, origin.value_chars)),
                   html.Span(" · Reference ", className="text-muted ms-2"), reference(origin.reference, view.links)])],
        id=ids.TIMELINE_ORIGIN, className="timeline-origin small border-top pt-2",
        **{"data-known": "true" if origin.known else "false", "data-how": origin.how},
    )


def _meta(view: Timeline) -> html.Div:
    tags = [dbc.Badge(f"{key}: {value}", color="light", text_color="dark", className="me-1 border tag")
            for key, value in view.tags.items()]
    return html.Div([html.Span(view.modality, title=view.modality_name, className="me-2 metric-modality"),
                     html.Span(view.stage, className="me-2 text-muted metric-stage"), *tags,
                     html.Code(view.key, className="ms-2 small metric-key")], className="small mb-2")


def timeline_page(view: Timeline) -> html.Div:
    """The whole page: the way back, the metric now, its events newest first, their origin."""
    now = html.Div([html.Div([html.Span("Value now ", className="text-muted"), html.Code(short(view.value))]),
                    html.Div([html.Span("Reference now ", className="text-muted"),
                              reference(view.reference, view.links)])], className="small mb-3")
    missing = [dbc.Alert(text, color="info", className="small py-2 mb-2 timeline-missing") for text in view.missing]
    rows = [_row(event, view.links) for event in view.events]
    table = dbc.Table([html.Thead(html.Tr([html.Th("When (UTC)"), html.Th("Event"), html.Th("Who"), html.Th("What")])),
                       html.Tbody(rows)], size="sm", hover=True, responsive=True, id=ids.TIMELINE_EVENTS,
                      className="small align-middle timeline-table mb-2")
    return html.Div(
        [dcc.Link(f"← {view.asset}", href=back_href(view.asset, view.node), id=ids.TIMELINE_BACK,
                  className="small"),
         html.H3([html.Span(view.metric, className="me-2 metric-name"), status_badge(view.status),
                  html.Span(" timeline", className="text-muted fs-5")], className="mt-2 mb-1"),
         _meta(view), now, *missing,
         table if rows else html.P("No status entry and no recorded change.", className="text-muted small"),
         _origin(view)],
        id=ids.TIMELINE_PAGE, className="timeline-page",
        **{"data-asset": view.asset, "data-metric-key": view.key},
    )


def not_found(title: str, message: str, asset: str | None = None) -> html.Div:
    """An unknown asset or metric (or a document that cannot be read): the message, a way back."""
    back = (dcc.Link(f"Back to {asset}", href=back_href(asset, None)) if asset
            else dcc.Link("Back to the overview", href=dash.get_relative_path("/")))
    return html.Div([error_panel(title, message), back], id=ids.TIMELINE_PAGE, className="timeline-page")
