"""The operators' status page: `/status` (HTML) and `/status.json`.

What it checks, each with its latency: the portal's own database, the asset store
(the same database, or DocDB's gateway), S3 (the bucket of an asset stored in S3, when
there is one); and what the store holds: assets per QC schema version and how many
documents cannot be read. A plain Flask page rather than a Dash page: it must render
when the store is down, and it is for operators, not reviewers.

`QC_PORTAL_STATUS_PAGE=admin` (the default) shows it to signed-in admins only;
`anonymous` to anyone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

from flask import Flask, abort, jsonify, redirect, render_template_string, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, text

from portal.accounts.auth import login_target
from portal.context import current_portal
from portal.errors import PortalError
from portal.qc.types import UNREADABLE
from portal.store.protocol import AssetQuery

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    """One reachability check: what, whether it answered, how fast, and what it said."""

    name: str
    ok: bool | None  # None: not applicable here
    ms: float | None
    detail: str


def _timed(name: str, probe) -> Check:
    started = time.perf_counter()
    try:
        detail = probe() or "ok"
    except PortalError as exc:
        return Check(name, False, _ms(started), exc.message)
    except Exception as exc:  # noqa: BLE001 - a status page reports, it never crashes
        log.exception("status check %s failed", name)
        return Check(name, False, _ms(started), f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
    if detail == "not used":
        return Check(name, None, None, detail)
    return Check(name, True, _ms(started), detail)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _s3_bucket(store, tries: int = 5) -> str | None:
    """The bucket of one of the newest assets located in S3 (None when none of them is)."""
    for row in store.list_assets(AssetQuery(), limit=tries).rows:
        stored = store.get(row.id)
        location = stored.summary.location if stored else None
        if location and location.lower().startswith("s3://"):
            return location[5:].split("/", 1)[0]
    return None


def _check_s3(store, settings) -> str:
    bucket = _s3_bucket(store)
    if bucket is None:
        return "not used"
    from portal.transfer.ingest.s3 import s3_client

    s3_client(settings).head_bucket(Bucket=bucket)
    return f"bucket {bucket} answers"


def _schema_versions(store) -> dict[str, int]:
    if hasattr(store, "schema_versions"):  # DocDB: a $group pipeline
        return store.schema_versions()
    from portal.store.sql.tables import assets

    with store.engine.connect() as connection:
        rows = connection.execute(select(assets.c.schema_version, func.count()).group_by(assets.c.schema_version))
        return {version or "(none)": n for version, n in rows}


def status_report() -> dict:
    """Every check and count, as one JSON-ready dict."""
    portal = current_portal()
    store, settings = portal.store, portal.settings
    docdb = settings.store.startswith("docdb")

    def database():
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    checks = [
        _timed("portal database", database),
        _timed("DocDB gateway" if docdb else "asset store", lambda: store.ping()),
        _timed("S3", lambda: _check_s3(store, settings)),
    ]
    report: dict = {"store": "docdb" if docdb else "sql", "checks": [asdict(c) for c in checks]}
    try:
        totals = store.status_totals(AssetQuery())
        report["assets"] = sum(totals.values())
        report["unreadable"] = totals.get(UNREADABLE, 0)
        report["schema_versions"] = _schema_versions(store)
    except PortalError as exc:
        report["error"] = exc.message
    report["ok"] = all(c.ok is not False for c in checks) and "error" not in report
    return report


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Status · QC Portal</title>
<link rel="stylesheet" href="{{ css }}"></head>
<body><main class="container my-4">
<h1 class="h3">QC Portal status <span class="badge {{ 'bg-success' if r.ok else 'bg-danger' }}">
{{ 'all good' if r.ok else 'problems' }}</span></h1>
<table class="table table-sm mt-3" id="status-checks"><thead><tr><th>check</th><th>state</th><th>latency</th>
<th>detail</th></tr></thead><tbody>
{% for c in r.checks %}<tr data-check="{{ c.name }}"><td>{{ c.name }}</td>
<td>{{ 'ok' if c.ok else ('n/a' if c.ok is none else 'FAILED') }}</td>
<td>{{ '%.1f ms' % c.ms if c.ms is not none else '' }}</td><td>{{ c.detail }}</td></tr>{% endfor %}
</tbody></table>
{% if r.error %}<div class="alert alert-danger">{{ r.error }}</div>{% else %}
<p>Store: {{ r.store }} · assets: {{ r.assets }} · unreadable documents: <b id="status-unreadable">{{ r.unreadable
}}</b></p>
<h2 class="h5">quality_control schema versions seen</h2>
<table class="table table-sm" id="status-versions"><tbody>
{% for version, n in r.schema_versions|dictsort %}<tr><td>{{ version }}</td><td>{{ n }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
<p><a href="{{ home }}">Back to the portal</a> · <a href="{{ json_url }}">JSON</a></p>
</main></body></html>"""


def _allowed() -> None:
    """Let the request through, send an anonymous user to sign in, or refuse (403)."""
    if current_portal().settings.status_page == "anonymous":
        return
    if not getattr(current_user, "is_authenticated", False):
        abort(redirect(url_for("login", next=login_target())))
    if getattr(current_user, "role", None) != "admin":
        abort(403)


def init_status(server: Flask) -> None:
    """Register `/status` and `/status.json` on `server`."""

    @server.get("/status")
    def status_page():
        _allowed()
        report = status_report()
        page = render_template_string(_PAGE, r=report, css=f"{request.script_root}/assets/00-bootstrap.min.css",
                                      home=f"{request.script_root}/", json_url=url_for("status_json"))
        return page, (200 if report["ok"] else 503)

    @server.get("/status.json")
    def status_json():
        _allowed()
        report = status_report()
        return jsonify(report), (200 if report["ok"] else 503)
