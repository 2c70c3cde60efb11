"""QC Portal: explore and annotate the quality_control metadata of data assets."""

from __future__ import annotations


def create_app(settings=None):
    """Build the portal app (see portal.app.create_app); imported lazily so that
    `import portal` stays cheap for the CLI and the client."""
    from portal.app import create_app as factory

    return factory(settings)


__all__ = ["create_app"]
