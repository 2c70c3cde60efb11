"""The metric cards' distributions (components/asset/context.py): one small request per
numeric card once the cards are on the page, answered from metric_values."""

from __future__ import annotations

import logging

import dash
from dash import MATCH, Input, Output, State

from components import ids
from components.asset.context import context_note, context_plot
from portal.context import current_portal
from portal.errors import PortalError

log = logging.getLogger(__name__)


def register(app: dash.Dash) -> None:
    """Register the distribution loader on `app`."""

    @app.callback(
        Output(ids.context_slot(MATCH), "children"),
        Input(ids.context_spec(MATCH), "data"),
        State(ids.CONTEXT_INFO, "data"),
    )
    def load_distribution(spec, info):
        if not spec or not info:
            raise dash.exceptions.PreventUpdate
        project = info.get("project")
        if not project:
            return context_note("No project: nothing to compare with.")
        try:
            found = current_portal().store.metric_distribution(
                project, spec["metric"], spec["modality"], spec["stage"], asset=info.get("asset"))
        except PortalError as exc:
            log.info("distribution of %r in %r: %s", spec.get("metric"), project, exc)
            return context_note(exc.message)
        return context_plot(found, metric=spec["metric"], project=project)
