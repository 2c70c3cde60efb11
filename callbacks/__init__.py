"""Dash callbacks, one module per page or feature, each with register(app)."""

from __future__ import annotations

import dash


def register_all(app: dash.Dash) -> None:
    """Register every page and callback on `app`."""
    from callbacks import asset, grid, not_found, overview, project

    overview.register(app)
    grid.register(app)
    project.register(app)
    asset.register(app)
    not_found.register(app)
