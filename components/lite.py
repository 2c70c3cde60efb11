"""Static HTML elements as the JSON Dash sends for them, for tables of hundreds of cells.

A `dash.html` component costs ~9 µs to construct (argument checks, validation) and as much again
to serialise (the JSON encoder calls `to_plotly_json` on each): the project page's tables, ~1,300
cells at 100k assets, spent ~30 ms of a 90 ms page on that. `el` builds the same wire form that
`html.Td(...).to_plotly_json()` gives, as a plain dict, for ~1 µs; the renderer draws it exactly
like the component. tests/test_lite.py holds the two equal, so a change of Dash's format fails
there first.

Only for plain elements: no `id` (no callback can target them), children are text, numbers,
other elements or components (the asset page's navigator puts its buttons, which callbacks
target, in lite list items; a card's widgets sit in a lite card body), and no prop renders
HTML (text children are text nodes).
"""

from __future__ import annotations

NAMESPACE = "dash_html_components"


def el(tag: str, children=None, **props) -> dict:
    """The element `tag` (a dash.html name: "Td", "Tr", "A", ...) with `props` (Dash's names:
    className, style, title, href, data-*), as Dash's JSON."""
    if "id" in props:
        raise ValueError("a lite element has no id: use a dash.html component for callbacks")
    if children is not None:
        props["children"] = children
    return {"type": tag, "namespace": NAMESPACE, "props": props}
