"""The templates of the batch upload: GET /upload/template.csv and /upload/template.xlsx."""

from __future__ import annotations

from flask import Flask, Response

from portal.review.batch.sheets import template_csv, template_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def init_batch(server: Flask) -> None:
    """Add the template downloads to `server` (readable by whoever may read the portal)."""
    from portal.accounts.auth import require

    @server.get("/upload/template.csv")
    def upload_template_csv():
        require("view")
        return Response(template_csv(), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="qc-annotations-template.csv"'})

    @server.get("/upload/template.xlsx")
    def upload_template_xlsx():
        require("view")
        return Response(template_xlsx(), mimetype=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="qc-annotations-template.xlsx"'})
