"""Batch annotation upload: a spreadsheet of (asset, metric, status, value, comment) rows.

The flow of the /upload page (validate -> preview -> submit):

- `sheets`: read a CSV or XLSX file into rows; the downloadable templates;
- `check`: each row's verdict against the store (unknown asset or metric, invalid
  status, value of the wrong type, duplicate row), with the plan of assets to apply;
- `records`: uploads and their rows in the portal's own database (who, when, counts,
  what happened to each row);
- `apply`: applies the plan one asset at a time, each asset atomically, through
  portal.review.annotation_service (the one write path), as the uploader.
"""
