"""The pages under `/project/<name>/...`: the URL-encoded name decoded, a page built from it,
and an expected problem (unknown project, a store that is down) shown as a panel, never a trace."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote

from components.shell import error_panel
from portal.errors import PortalError

log = logging.getLogger(__name__)


def project_layout(what: str, build: Callable[[str], object]) -> Callable[..., object]:
    """A Dash page layout for `/project/<project>...`: `build(name)` with the decoded name, or
    the error panel of the PortalError it raises (logged as `what`'s page)."""

    def layout(project: str = "", **_query):
        name = unquote(project)
        try:
            return build(name)
        except PortalError as exc:
            log.warning("%s page %r: %s", what, name, exc)
            return error_panel(exc.title, exc.message)

    layout.__doc__ = f"The {what} page of one project (the path segment is the URL-encoded project name)."
    return layout


def project_title(suffix: str = "") -> Callable[..., str]:
    """The browser tab's title of a project page: "<name><suffix> · QC Portal"."""

    def title(project: str = "", **_kw) -> str:
        return f"{unquote(project)}{suffix} · QC Portal"

    return title
