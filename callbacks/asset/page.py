"""The asset page (`/asset/<name or id>`): its layout and the navigation callbacks.

URL query: `group=<key,key/key>` (grouping levels), `show=Pending|Fail` (filter),
`node=<node key>` (selected node). The browser's URL follows the choices without
reloading the page (a clientside `history.replaceState`), so a reload or a shared
link shows the same view.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote

import dash
from dash import ALL, MATCH, ClientsideFunction, Input, Output, State, ctx, no_update
from flask import request
from flask_login import current_user

from components import ids
from components.asset import navigator
from components.asset.cards import node_panel
from components.asset.header import overall, status_table
from components.asset.page import no_qc, not_found, page, skeleton, unreadable
from components.asset.why import node_status
from components.ids import detail_ids
from portal.accounts.auth import can
from portal.context import current_portal
from portal.errors import NotFound, PortalError
from portal.references import AssetLocation
from portal.references.route import resolvers
from portal.review import reasons
from portal.views.asset import edits as edit_state
from portal.views.asset.bulk import bulk_pass
from portal.views.asset.model import AssetDetail, load_detail
from portal.views.asset.navigator import (
    FILTERS,
    MODALITY,
    STAGE,
    Node,
    available_keys,
    build_tree,
    filter_tree,
    normalise_grouping,
    parse_grouping,
)
from portal.views.asset.viewers import reference_groups

log = logging.getLogger(__name__)
PAGE_SIZE = 30  # metrics of a node rendered at once ("Show more" adds as many)


def _can_edit() -> bool:
    return can(current_user, "annotate")


def levels_for(detail: AssetDetail) -> list[tuple[str, ...]]:
    """Grouping levels offered: the document's own levels first, then every single key."""
    levels = list(detail.default_grouping)
    for key in available_keys(m.nav() for m in detail.metrics):
        if (key,) not in levels:
            levels.append((key,))
    return levels


def grouping_of(detail: AssetDetail, value) -> tuple[tuple[str, ...], ...]:
    """The grouping chosen in the selector (a list of "key,key" levels) or the URL."""
    if isinstance(value, list):  # the selector's levels, taken as they are (a tag key may be "none")
        return normalise_grouping([v.split(",") for v in value if isinstance(v, str) and v])
    grouping = parse_grouping(value)
    return grouping if grouping is not None else (detail.default_grouping or ((MODALITY,), (STAGE,)))


def tree_for(detail: AssetDetail, grouping, status_filter: str, edits: dict | None = None) -> tuple[Node, Node | None]:
    """The full tree and the tree the filter leaves; with the reviewer's unsaved `edits`,
    the nodes count the statuses those edits give (portal.views.asset.navigator)."""
    unsaved = edit_state.unsaved_statuses(edits) if edits else {}
    edited = edit_state.edited_keys(edits) if edits else set()
    root = build_tree([m.nav(unsaved.get(m.key), m.key in edited) for m in detail.metrics], grouping)
    return root, filter_tree(root, status_filter)


def pick_node(shown: Node | None, key: str | None) -> Node | None:
    """The node to show: the one asked for if it is still there, else the first leaf."""
    if shown is None:
        return None
    return shown.find(key) or shown.first_leaf()


def panel_for(detail: AssetDetail, node: Node | None, *, limit: int, edits: dict, allow_edits: bool,
              whole: Node | None = None):
    """The cards of a node's first `limit` metrics, grouped by reference, viewers resolved.

    `whole` is the node in the unfiltered tree: "Pass all Pending in this group" passes its
    Pending metrics whatever the Pending / Fail filter shows (annotators only).
    """
    if node is None:
        return None
    metrics = [detail.metrics[m.index] for m in node.metrics]
    shown = metrics[:limit]
    location = AssetLocation(detail.name, detail.summary.location)
    host = request.host_url.rstrip("/")
    groups = reference_groups(location, shown, resolvers(), app_url=dash.get_relative_path,
                              absolute_url=lambda path: host + path,
                              frame_hosts=current_portal().settings.embeddable_hosts)
    title = " › ".join(node.path) or "All metrics"
    settings = current_portal().settings
    store = current_portal().store
    can_edit = _can_edit()
    bulk = None
    if can_edit:
        pending = [detail.metrics[m.index] for m in (whole or node).metrics]
        bulk = bulk_pass(pending, node=node.key, title=title, version=detail.version)
    cards = node_panel(groups, can_edit=can_edit, allow_edits=bool(allow_edits), version=detail.version,
                       edits=edits or {}, shown=len(shown), total=len(metrics), title=title,
                       curation_hosts=settings.curation_host_set & settings.embeddable_hosts,
                       entry_notes=reasons.notes_by_entry(reasons.explained(store, detail.id)),
                       reasons=reasons.project_reasons(store, detail.summary.project) if can_edit else None,
                       bulk=bulk)
    return [node_status(node.status, node.key, title), cards]  # the node's status and its Why? (issue 16)


def layout(name: str | None = None, group=None, show=None, node=None, **_query):
    """The page for the asset named (or with id) `name`, built per request."""
    if name is None:
        return skeleton()  # Dash's callback validation calls every page layout without arguments
    key = unquote(name)
    try:
        detail = load_detail(current_portal().store, key)
    except PortalError as exc:
        log.info("asset page %r: %s", key, exc)
        return not_found(exc.message)
    if detail.qc_error:
        return unreadable(detail)
    if not detail.has_qc:
        return no_qc(detail)
    grouping = grouping_of(detail, group)
    status_filter = show if show in FILTERS else "all"
    root, shown = tree_for(detail, grouping, status_filter)
    selected = pick_node(shown, node if isinstance(node, str) else None)
    panel = panel_for(detail, selected, limit=PAGE_SIZE, edits={}, allow_edits=False,
                      whole=root.find(selected.key) if selected else None)
    return page(detail, can_edit=_can_edit(), levels=levels_for(detail), grouping=grouping,
                status_filter=status_filter, root=shown, selected=selected.key if selected else None, panel=panel,
                limit=PAGE_SIZE)


def http_status(name: str | None = None, **_) -> int | None:
    """404 when no asset has this name or id (the page then says so; callbacks.not_found)."""
    if not name:
        return None
    try:
        # The detail, not a bare get: it is kept (portal.views.remembered), so the page's own
        # callback that follows reads the document once, not twice.
        load_detail(current_portal().store, unquote(name))
        return None
    except NotFound:
        return 404
    except Exception:  # a store that does not answer (whatever its driver raises): the page's own data
        log.info("asset page %r: status not checked (the store did not answer)", name)  # request says so
        return None


def _title(name: str | None = None, **_):
    return f"{unquote(name)} · QC Portal" if name else "Asset · QC Portal"


def _detail(asset: dict | None) -> AssetDetail:
    if not asset:
        raise dash.exceptions.PreventUpdate
    return load_detail(current_portal().store, asset["id"], with_derived=False)


def register(app: dash.Dash) -> None:
    """Register the page and its navigation callbacks on `app`."""
    dash.register_page("asset", path_template="/asset/<name>", layout=layout, title=_title, name="Asset",
                       http_status=http_status)

    @app.callback(
        Output(ids.DETAIL_NODE, "data", allow_duplicate=True),
        Output(ids.DETAIL_LIMIT, "data"),
        Input(detail_ids.nav_node(ALL), "n_clicks"),
        Input(ids.DETAIL_MORE, "n_clicks"),
        State(ids.DETAIL_LIMIT, "data"),
        prevent_initial_call=True,
    )
    def choose_cards(node_clicks, more_clicks, limit):
        # A node click and "Show more" share one callback: the navigator re-rendered on load
        # fires this with no clicks, and two callbacks writing the limit, one answering
        # no_update, could put back the limit "Show more" had just raised (dash#1861).
        # Both can trigger one call (the click lands while the navigator is re-rendered):
        # triggered_id names only the first, so each is looked for among the triggers.
        triggered = ctx.triggered_prop_ids
        if f"{ids.DETAIL_MORE}.n_clicks" in triggered and more_clicks:
            return no_update, int(limit or PAGE_SIZE) + PAGE_SIZE
        for component_id in triggered.values():
            if isinstance(component_id, dict) and any(node_clicks or ()):
                return component_id["node"], PAGE_SIZE
        return no_update, no_update

    @app.callback(
        Output(ids.DETAIL_NAV, "children"),
        Output(ids.DETAIL_NODE, "data", allow_duplicate=True),
        Output(ids.DETAIL_HEADER_STATUS, "children"),
        Output(ids.DETAIL_OVERALL_STATUS, "children"),
        Output(ids.DETAIL_NAV_COUNTED, "data"),
        Input(ids.DETAIL_GROUPING, "value"),
        Input(ids.DETAIL_FILTER, "value"),
        Input(ids.DETAIL_REFRESH, "data"),
        Input(ids.DETAIL_EDITS, "data"),  # the counts follow unsaved edits
        State(ids.DETAIL_NODE, "data"),
        State(ids.DETAIL_ASSET, "data"),
        State(ids.DETAIL_NAV_COUNTED, "data"),
        prevent_initial_call=True,
    )
    def navigate(group_value, status_filter, _refresh, edits, node_key, asset, shown_counted):
        if not asset:
            raise dash.exceptions.PreventUpdate
        # Unsaved edits count only for those who may submit them (as the cards show them).
        state = (edits or {}).get(asset["id"]) if isinstance(edits, dict) and _can_edit() else None
        state = state if isinstance(state, dict) else None
        counted = edit_state.counted(state)
        edit_only = set(ctx.triggered_prop_ids) == {f"{ids.DETAIL_EDITS}.data"}  # not a submit's refresh too
        if edit_only and counted == shown_counted:
            # The navigator already counts these edits (local storage answering on page load, an
            # edit of a comment): redrawing it would draw the same tree, and a redraw of its
            # hundreds of elements costs the browser seconds on a large asset (issue 19).
            raise dash.exceptions.PreventUpdate
        detail = _detail(asset)
        grouping = grouping_of(detail, group_value if group_value is not None else [])
        _, shown = tree_for(detail, grouping, status_filter, state)
        selected = pick_node(shown, node_key)
        key = selected.key if selected else None
        if edit_only:
            # An edit: only the counts change. The node is not sent again when it stays (that
            # would re-render the cards under the widget being edited), nor the stored statuses.
            return navigator.tree(shown, key), key if key != node_key else no_update, no_update, no_update, counted
        return navigator.tree(shown, key), key, status_table(detail), overall(detail), counted

    @app.callback(
        Output(ids.DETAIL_CARDS, "children"),
        Input(ids.DETAIL_NODE, "data"),
        Input(ids.DETAIL_LIMIT, "data"),
        Input(ids.DETAIL_REFRESH, "data"),
        Input(ids.DETAIL_ALLOW_EDITS, "value"),  # re-rendered with the value widgets enabled or not
        State(ids.DETAIL_FILTER, "value"),
        State(ids.DETAIL_GROUPING, "value"),
        State(ids.DETAIL_ASSET, "data"),
        State(ids.DETAIL_EDITS, "data"),
        prevent_initial_call=True,
    )
    def render_cards(node_key, limit, _refresh, allow_edits, status_filter, group_value, asset, edits):
        detail = _detail(asset)
        grouping = grouping_of(detail, group_value if group_value is not None else [])
        root, shown = tree_for(detail, grouping, status_filter or "all")
        selected = pick_node(shown, node_key)
        # Unsaved edits are shown only to those who may submit them.
        state = (edits or {}).get(detail.id) if isinstance(edits, dict) and _can_edit() else None
        return panel_for(detail, selected, limit=int(limit or PAGE_SIZE), edits=state if isinstance(state, dict)
                         else {}, allow_edits=allow_edits, whole=root.find(selected.key) if selected else None)

    @app.callback(
        Output(ids.DETAIL_ALLOW_EDITS, "value"),
        Input(detail_ids.allow_edits(ALL), "n_clicks"),
        prevent_initial_call=True,
    )
    def allow_edits(clicks):
        # The hint beside a greyed-out value turns on "Allow edits of values already set".
        if not any(clicks or ()):
            return no_update
        return True

    app.clientside_callback(
        ClientsideFunction("qcDetail", "highlightNode"),
        Output(detail_ids.nav_node(ALL), "className"),
        Input(ids.DETAIL_NODE, "data"),
        State(detail_ids.nav_node(ALL), "id"),
    )
    app.clientside_callback(
        ClientsideFunction("qcDetail", "syncUrl"),
        Output(ids.DETAIL_URL_SYNC, "data"),
        Input(ids.DETAIL_GROUPING, "value"),
        Input(ids.DETAIL_FILTER, "value"),
        Input(ids.DETAIL_NODE, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("qcDetail", "renderSpec"),
        Output(detail_ids.spec_graph(MATCH), "figure"),
        Output(detail_ids.spec_wrap(MATCH), "style"),
        Output(detail_ids.spec_message(MATCH), "children"),
        Input(detail_ids.spec(MATCH), "data"),
        State(detail_ids.spec_vega(MATCH), "id"),
    )
