"""The delivery worker: a background thread per server process that works the webhook queue.

Every gunicorn worker (and `qc-portal serve`) starts one when QC_PORTAL_WEBHOOK_DELIVER is
on; `qc-portal webhooks deliver` runs the same loop in the foreground instead. Any number
of them may run against one database (portal.events.delivery claims each delivery for one
of them), and none keeps state of its own: stopping one loses nothing.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from portal.errors import PortalError
from portal.events.delivery import Policy, run_once

log = logging.getLogger(__name__)


class DeliveryWorker:
    """Runs delivery rounds every `poll` seconds until stopped."""

    def __init__(self, engine: Engine, policy: Policy, poll: float):
        self.engine, self.policy, self.poll = engine, policy, poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> DeliveryWorker:
        """Start the background thread (a daemon: it never holds up the process's exit)."""
        self._thread = threading.Thread(target=self.run, name="qc-portal-webhooks", daemon=True)
        self._thread.start()
        return self

    def run(self) -> None:
        """Deliver until stopped; a round that fails is logged and the next one tries again."""
        while not self._stop.is_set():
            self.round()
            self._stop.wait(self.poll)

    def round(self):
        """One delivery round; None when it failed (the database did not answer, say)."""
        try:
            done = run_once(self.engine, self.policy)
        except PortalError as exc:
            log.warning("webhook deliveries: %s", exc.message)
            return None
        except DBAPIError:
            log.warning("webhook deliveries: the database did not answer; trying again in %.0f s", self.poll)
            return None
        except Exception:  # noqa: BLE001 - a bad round must not end the thread: the queue is in the database
            log.exception("webhook deliveries: round failed")
            return None
        if done.queued or done.delivered or done.retried or done.failed:
            log.info("webhook deliveries: %d queued, %d delivered, %d to retry, %d failed", done.queued,
                     done.delivered, done.retried, done.failed)
        return done

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the current round (waiting at most `timeout` seconds for it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def start_delivery(app) -> DeliveryWorker | None:
    """Start the delivery worker of a server process (None when QC_PORTAL_WEBHOOK_DELIVER is off)."""
    portal = app.server.extensions["qc_portal"]
    settings = portal.settings
    if not settings.webhook_deliver:
        return None
    worker = DeliveryWorker(portal.users.engine, Policy.from_settings(settings), settings.webhook_poll_seconds)
    return worker.start()
