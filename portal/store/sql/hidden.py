"""Which assets readers see: every asset but the soft-deleted ones (asset_deletions).

A deleted asset keeps its assets row (document, version, aliases) and its audit log, so
restoring it brings it back as it was. Its status rows (asset_modalities, asset_stages,
asset_metrics) and its share of asset_counts are removed when it is deleted and written
again when it is restored (portal.store.sql.lifecycle), so every count, chart and facet
read from those tables leaves it out with no filter at all; what reads the assets table
itself (listing, search, export, the pages, the API, `get`) adds `visible()`.

`visible()` is an anti-join on a small table probed by the primary key: the listing's
covering sort indexes (tables.SORT_INDEXES) still find a page without reading the rows.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.store.sql.tables import asset_deletions, assets


def visible(column=assets.c.id):
    """True for assets (by `column`, an asset id) that are not deleted."""
    return column.not_in(select(asset_deletions.c.asset_id))


def deletion(connection, asset_id: str):
    """The deletion row (deleted_at, deleted_by) of an asset, or None when it is not deleted."""
    return connection.execute(
        select(asset_deletions.c.deleted_at, asset_deletions.c.deleted_by).where(asset_deletions.c.asset_id == asset_id)
    ).first()
