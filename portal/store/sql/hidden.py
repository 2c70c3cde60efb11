"""Which assets readers see: every asset but the soft-deleted ones.

A deleted asset keeps its assets row (document, version, aliases) and its audit log, so
restoring it brings it back as it was. Deleting it (portal.store.sql.lifecycle) does three
things in one transaction:

- `asset_deletions` gets a row (who, when): the record of the deletion, and what every
  write path checks once it holds the asset's row (a deletion committed while a writer
  waited for the lock is seen then: see SqlAssetStore._locked);
- its status rows (asset_modalities, asset_stages, asset_metrics) and its share of
  asset_counts are removed, so every count, chart and facet read from those tables leaves
  it out with no filter at all;
- its `status` summary column becomes DELETED, so what reads the assets table itself
  (listing, search, export, the pages, the API, `get`) leaves it out with `visible()`.

Why a status value and not a join: `status` is in every covering sort index
(tables.SORT_COVER), so `visible()` is tested on the index entries a page scans and pages
stay index-only; an anti-join with asset_deletions probes that table once per entry scanned
(measured on 20 000 assets: a deep page 8 ms -> 43 ms with 200 deleted assets). Restore
writes the summary columns again from the document.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.store.sql.tables import asset_deletions, assets

DELETED = "Deleted"  # the `status` of a deleted asset: no QC status is called so


def visible():
    """True for assets that are not deleted (tested on the covering indexes' status column)."""
    return assets.c.status != DELETED


def deletion(connection, asset_id: str):
    """The deletion row (deleted_at, deleted_by) of an asset, or None when it is not deleted."""
    return connection.execute(
        select(asset_deletions.c.deleted_at, asset_deletions.c.deleted_by).where(asset_deletions.c.asset_id == asset_id)
    ).first()
