"""The asset detail page: layout and navigation (page.py), annotation (edit.py), "Pass all
Pending in this group" (bulk.py), curations sent back by embedded curation GUIs (curation.py),
old names of renamed assets redirecting (renamed.py)."""

from __future__ import annotations

import dash


def register(app: dash.Dash) -> None:
    """Register the asset page and all its callbacks on `app`."""
    from callbacks.asset import bulk, context, curation, edit, page, renamed, why

    page.register(app)
    edit.register(app)
    bulk.register(app)  # Pass all Pending in this group (issue 14)
    curation.register(app)
    renamed.register(app)
    why.register(app)  # the Why? panel of the status badges (issue 16)
    context.register(app)  # the numeric metric cards' distributions (issue 16)
