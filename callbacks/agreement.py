"""The raters' agreement page `/project/<name>/agreement`: computed per request in the store."""

from __future__ import annotations

import dash

from callbacks.project_paths import project_layout, project_title
from components.agreement import agreement_page
from portal.context import current_portal
from portal.review.ratings import project_agreement

layout = project_layout("agreement", lambda name: agreement_page(project_agreement(current_portal(), name)))


def register(app: dash.Dash) -> None:
    """Register the page on `app` (before the project page, whose template would match it too)."""
    dash.register_page("agreement", path_template="/project/<project>/agreement", title=project_title(" agreement"),
                       name="Agreement", layout=layout)
