"""Dash callbacks, one module per page or feature, each with register(app)."""

from __future__ import annotations

import dash


def register_all(app: dash.Dash) -> None:
    """Register every page and callback on `app`."""
    from callbacks import (
        agreement,
        asset,
        assignments,
        audit,
        grid,
        not_found,
        overview,
        project,
        project_settings,
        review,
        shell,
        timeline,
        tokens,
        upload,
        webhooks,
    )

    shell.register(app)  # first: layouts must know when they are built for a user
    overview.register(app)
    grid.register(app)
    agreement.register(app)  # before the project page: /project/<name> would match its path too
    project_settings.register(app)  # matched before the project page through its `order` (see its register)
    project.register(app)
    timeline.register(app)  # matched before the asset page (order=0): /asset/<name> matches its path too
    asset.register(app)
    audit.register(app)
    upload.register(app)
    tokens.register(app)
    webhooks.register(app)
    review.register(app)
    assignments.register(app)  # /review/assignments
    not_found.register(app)
