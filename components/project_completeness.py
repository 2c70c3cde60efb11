"""The project page's completeness section (`data-section="completeness"`; issue 16 part 3):
expected / present / with QC / fully reviewed sessions and the missing ones.

Not built yet: the view-model has no completeness data, so this renders nothing. The page
already calls it at its place (after the by-instrument tables)."""

from __future__ import annotations

from dash import html


def completeness_section(view) -> html.Div | None:
    """The completeness card, or None when the view-model has no completeness data."""
    if getattr(view, "completeness", None) is None:
        return None
    return html.Div(**{"data-section": "completeness"})
