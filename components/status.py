"""Status colours and badges: the same colours everywhere (colour-blind safe, Okabe-Ito)."""

from __future__ import annotations

from dash import html

from components.lite import el

STATUS_COLORS = {
    "Pass": "#009E73",  # bluish green
    "Fail": "#D55E00",  # vermillion
    "Pending": "#E69F00",  # orange
    "No QC": "#8C8C8C",  # grey
    "Unreadable": "#CC79A7",  # reddish purple
}


def _badge(status: str, label: str | None) -> dict:
    return {"children": label or status, "className": "badge rounded-pill status-pill",
            "style": {"backgroundColor": STATUS_COLORS.get(status, "#6c757d")}, "title": status,
            "data-status": status}


def status_badge(status: str, *, label: str | None = None) -> html.Span:
    """A pill in the status's colour, carrying `data-status` and a title naming the status,
    so it never relies on colour alone."""
    return html.Span(**_badge(status, label))


def status_pill(status: str, *, label: str | None = None) -> dict:
    """The same pill as a lite element (components/lite.py), for tables of many rows."""
    return el("Span", **_badge(status, label))
