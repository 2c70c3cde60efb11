"""Status colours and badges: the same colours everywhere (colour-blind safe, Okabe-Ito)."""

from __future__ import annotations

from dash import html

STATUS_COLORS = {
    "Pass": "#009E73",  # bluish green
    "Fail": "#D55E00",  # vermillion
    "Pending": "#E69F00",  # orange
    "No QC": "#8C8C8C",  # grey
    "Unreadable": "#CC79A7",  # reddish purple
}


def status_badge(status: str, *, label: str | None = None) -> html.Span:
    """A pill in the status's colour, carrying `data-status` and a title naming the status,
    so it never relies on colour alone."""
    color = STATUS_COLORS.get(status, "#6c757d")
    return html.Span(
        label or status,
        className="badge rounded-pill status-pill",
        style={"backgroundColor": color},
        title=status,
        **{"data-status": status},
    )
