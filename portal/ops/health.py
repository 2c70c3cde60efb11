"""Probes for load balancers and orchestrators: `/healthz` and `/readyz`.

- `/healthz`: the process is alive and serving. Touches nothing: a database outage
  must not make an orchestrator restart every instance (restarting does not fix it).
- `/readyz`: this instance can do its work: the portal's database answers and its
  schema is at this release's newest migration, and (with DocDB) the gateway answers.
  503 with a JSON `reason` otherwise, so a load balancer sends traffic elsewhere.

Both are unauthenticated (see `portal.accounts.auth`'s public endpoints) and cheap: `/readyz`
is two small queries (plus one tiny DocDB find). They name what failed, not how: the
details (hosts, driver messages) go to the log, not to anonymous callers.

A database at a *newer* revision than this release knows is ready: during a rolling
deployment the first new instance migrates, and the old ones must keep serving until
they are replaced (migrations only add; see the README's "Deployment").
"""

from __future__ import annotations

import logging
import time

from flask import Flask, jsonify

from portal.context import current_portal
from portal.errors import PortalError
from portal.store.sql.engine import schema_state

log = logging.getLogger(__name__)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _database(portal) -> tuple[dict, str | None]:
    """The portal database's check and, when it fails, the reason."""
    started = time.perf_counter()
    try:
        with portal.users.engine.connect() as connection:
            state, revision = schema_state(connection)  # a query: it also proves the database answers
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        log.warning("readiness: the database does not answer: %s", (str(exc).strip().splitlines() or ["?"])[0])
        return {"ok": False, "ms": _ms(started)}, "the database does not answer"
    check = {"ok": state != "behind", "ms": _ms(started), "schema": state, "revision": revision}
    if state == "behind":
        return check, "the database schema is behind this release (migrations not applied)"
    return check, None


def _store(portal) -> tuple[dict | None, str | None]:
    """The asset store's check when it is not the portal database (DocDB), else None."""
    if portal.settings.store == "sql":
        return None, None  # the same database, checked above
    started = time.perf_counter()
    try:
        portal.store.ping()
    except PortalError as exc:
        log.warning("readiness: the asset store does not answer: %s", exc.message)
        return {"ok": False, "ms": _ms(started)}, "the asset store does not answer"
    return {"ok": True, "ms": _ms(started)}, None


def readiness(portal) -> tuple[bool, dict]:
    """(ready, the JSON body of /readyz) for `portal`."""
    checks: dict = {}
    checks["database"], reason = _database(portal)
    store, store_reason = _store(portal)
    if store is not None:
        checks["store"] = store
    reason = reason or store_reason
    body = {"status": "ready" if reason is None else "not ready", "checks": checks}
    if reason:
        body["reason"] = reason
    return reason is None, body


def init_health(server: Flask) -> None:
    """Register `/healthz` and `/readyz` on `server`."""

    @server.get("/healthz")
    def healthz():
        """Process liveness: cheap, unauthenticated, touches nothing."""
        return jsonify(status="ok")

    @server.get("/readyz")
    def readyz():
        """Readiness: the database (and DocDB) answer and the schema is current."""
        ready, body = readiness(current_portal())
        response = jsonify(body)
        response.status_code = 200 if ready else 503
        response.headers["Cache-Control"] = "no-store"
        return response
