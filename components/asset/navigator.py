"""The metric navigator: grouping selector, Pending/Fail filter and the node tree."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.ids import detail_ids
from components.lite import el
from components.status import STATUS_COLORS, status_pill
from portal.qc.types import FAIL, PASS, PENDING
from portal.views.asset.navigator import Grouping, Node, level_label

_FILTER_OPTIONS = [
    {"label": "All", "value": "all"},
    {"label": "Pending", "value": PENDING},
    {"label": "Fail", "value": FAIL},
]


def controls(levels: list[tuple[str, ...]], grouping: Grouping, status_filter: str) -> html.Div:
    """The grouping selector (levels in the order chosen) and the status filter."""
    options = [{"label": level_label(level), "value": ",".join(level)} for level in levels]
    return html.Div(
        [
            html.Label("Group by", htmlFor=ids.DETAIL_GROUPING, className="small text-muted"),
            dcc.Dropdown(id=ids.DETAIL_GROUPING, options=options, value=[",".join(level) for level in grouping],
                         multi=True, clearable=True, placeholder="No grouping (all metrics)",
                         className="mb-2 grouping-select"),
            html.Div("Show", className="small text-muted"),
            dbc.RadioItems(id=ids.DETAIL_FILTER, options=_FILTER_OPTIONS, value=status_filter, inline=True,
                           className="btn-group mb-2 status-filter", inputClassName="btn-check",
                           labelClassName="btn btn-sm btn-outline-secondary", labelCheckedClassName="active"),
        ],
        className="navigator-controls",
    )


def tree(root: Node | None, selected: str | None):
    """The node tree (root first); a message when the filter leaves nothing.

    Only each node's button is a component (callbacks target it by id); its parts, lists and
    list items are lite elements (components/lite.py): a 500-metric asset's tree is hundreds
    of nodes, and each was ten components to build and serialise.
    """
    if root is None:
        return html.Div("No metric matches this filter.", className="text-muted small p-2 nav-empty")
    return html.Ul([_node(root, selected)], className="nav-tree list-unstyled mb-0")


def _node(node: Node, selected: str | None) -> dict:
    counts = node.counts
    unsaved = None
    if node.unsaved:
        # Counts and status include the unsaved edits: marked, so nobody takes them for saved.
        unsaved = el("Span", className="nav-unsaved", title=f"{node.unsaved} metric{'s' if node.unsaved != 1 else ''}"
                     " with unsaved changes (counted)", **{"data-unsaved": str(node.unsaved)})
    parts = [
        status_pill(node.status, label=" "),
        el("Span", node.label, className="nav-label"),
        el("Span", [unsaved, _count(counts.get(FAIL, 0), FAIL), _count(counts.get(PENDING, 0), PENDING),
                    el("Span", str(sum(counts.values())), className="nav-total", title="metrics")],
           className="nav-counts ms-auto"),
    ]
    button = html.Button(
        parts,
        id=detail_ids.nav_node(node.key),
        className="nav-node" + (" active" if node.key == selected else ""),
        type="button",
        title=f"{node.label}: {node.status} ({counts.get(PASS, 0)} pass, {counts.get(FAIL, 0)} fail, "
        f"{counts.get(PENDING, 0)} pending)",
        **{"data-node": node.key, "data-status": node.status},
    )
    children = [el("Ul", [_node(child, selected) for child in node.children], className="list-unstyled")] \
        if node.children else []
    return el("Li", [button, *children])


def _count(n: int, status: str):
    if not n:
        return None
    return el("Span", str(n), className="nav-count", title=f"{n} {status}", style={"color": STATUS_COLORS[status]},
              **{"data-count": status})
