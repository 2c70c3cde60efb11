"""The metric cards' distributions (components/asset/context.py): one request for every
numeric card on the page once the cards are there, answered from metric_values, and drawn in
the browser (assets/detail.js, qcDetail.drawContext).

One request and one store, not a request and a component tree per card: Dash 4.4's renderer
pays for each answer it applies, and for each element it mounts, in proportion to everything
already on the page; 20 cards' answers kept a 500-metric asset's page busy for 2–3 s after it
appeared (issue 19). A store error is a note in each card, never a traceback.
"""

from __future__ import annotations

import logging

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, ctx

from callbacks.errors import user_message
from components import ids
from components.asset.context import context_note, context_plot
from portal.context import current_portal
from portal.errors import PortalError, StoreUnavailable, Unsupported
from portal.ops.http_errors import database_down

log = logging.getLogger(__name__)


def distributions(store, specs: list, info: dict | None) -> list:
    """What each slot shows, in the order of `specs` ({"metric", "modality", "stage"} of each
    numeric card; None for one the browser sent without data, which is left as it is): its
    plot, or a note saying why there is none. A metric shown on several cards (names repeat per
    probe, per plane) is read once; a store that cannot answer (down, or without distributions)
    is asked once. Any other failure is the note callbacks.errors gives it: a database that did
    not answer in every card (asked once), anything else in this card only (its reference in
    the log, with the traceback), the others still drawn."""
    project = (info or {}).get("project")
    if not project:
        return _in_every_card(context_note("No project: nothing to compare with."), specs)
    found: dict[tuple, dict] = {}
    shown = []
    for spec in specs:
        if not isinstance(spec, dict):
            shown.append(None)
            continue
        key = (spec.get("metric"), spec.get("modality"), spec.get("stage"))
        if key not in found:
            try:
                distribution = store.metric_distribution(project, *key, asset=info.get("asset"))
                found[key] = context_plot(distribution, metric=key[0], project=project)
            except (StoreUnavailable, Unsupported) as exc:
                # Not this metric's problem: every other card would wait for the same answer.
                log.info("distributions in %r: %s", project, exc)
                return _in_every_card(context_note(exc.message), specs)
            except PortalError as exc:  # this metric's: not found, no numbers
                log.info("distribution of %r in %r: %s", key[0], project, exc)
                found[key] = context_note(exc.message)
            except Exception as exc:  # noqa: BLE001 - one card's failure must not leave every card "Loading…"
                note = context_note(user_message(exc))
                if database_down(exc):  # not this metric's problem either
                    return _in_every_card(note, specs)
                found[key] = note
        shown.append(found[key])
    return shown


def _in_every_card(note: dict, specs: list) -> list:
    return [note if isinstance(spec, dict) else None for spec in specs]


def register(app: dash.Dash) -> None:
    """Register the distribution loader and its drawing on `app`."""

    @app.callback(
        Output(ids.CONTEXT_PLOTS, "data"),
        Input(ids.context_spec(ALL), "data"),
        State(ids.CONTEXT_INFO, "data"),
    )
    def load_distributions(specs, info):
        if not specs or not info:
            raise dash.exceptions.PreventUpdate
        indices = [item["id"]["index"] for item in ctx.inputs_list[0]]
        shown = distributions(current_portal().store, specs, info)
        # Keyed by the metric's index, which names its card's slot (ids.context_slot).
        return {str(index): plot for index, plot in zip(indices, shown, strict=True) if plot is not None}

    app.clientside_callback(
        ClientsideFunction("qcDetail", "drawContext"),
        Output(ids.CONTEXT_DRAWN, "data"),
        Input(ids.CONTEXT_PLOTS, "data"),
        State(ids.context_slot(ALL), "id"),
    )
