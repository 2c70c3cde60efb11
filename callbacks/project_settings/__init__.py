"""The project settings page `/project/<name>/settings`: the page (page.py) and one module of
callbacks per section (reasons.py, policy.py, completeness.py). A new section adds its builder to page.SECTIONS
and its callbacks module to register() below."""

from __future__ import annotations

import dash


def register(app: dash.Dash) -> None:
    """Register the settings page and its sections' callbacks on `app` (before the project page,
    whose path template would match /project/<name>/settings too)."""
    from callbacks.project_settings import completeness, page, policy, reasons

    page.register(app)
    reasons.register(app)
    policy.register(app)
    completeness.register(app)
