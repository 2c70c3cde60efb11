"""Data in and out of the portal: ingest, CSV export, asset export.

Holds: ingest of asset folders, record dumps and S3 prefixes (ingest/), the overview's
filtered list as CSV (csv_export.py, GET /export/assets.csv) and `qc-portal export`, an
asset as a self-contained folder (export_asset.py).

May import: portal.qc, portal.store, portal.references, portal.views (filters),
portal.settings, portal.errors. Never Dash layout code.
"""
