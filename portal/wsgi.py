"""WSGI entry point for gunicorn: `gunicorn portal.wsgi:server`.

A configuration error (a missing secret key, an invalid setting) or a database that
cannot be used at start is one line on stderr and exit status 4, which gunicorn treats
as "the app failed to load" and stops instead of restarting workers forever (an
orchestrator restarts the container). Like the command line's errors (and gunicorn's own
boot failures) it is a bare line, whatever QC_PORTAL_LOG_FORMAT says.
"""

import sys

from portal.app import create_app, warm_up
from portal.errors import ConfigError, StoreUnavailable
from portal.events.worker import start_delivery

APP_LOAD_ERROR = 4  # gunicorn's exit status for an application that cannot be loaded

try:
    app = create_app()
except (ConfigError, StoreUnavailable) as exc:
    print(f"qc-portal: error: {exc.message}", file=sys.stderr, flush=True)
    sys.exit(APP_LOAD_ERROR)
warm_up(app)
start_delivery(app)  # this worker's webhook delivery thread (QC_PORTAL_WEBHOOK_DELIVER)
server = app.server
