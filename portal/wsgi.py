"""WSGI entry point for gunicorn: `gunicorn portal.wsgi:server`.

A configuration error (a missing secret key, an invalid setting) is one line on
stderr and exit status 4, which gunicorn treats as "the app failed to load" and stops
instead of restarting workers forever.
"""

import sys

from portal.app import create_app, warm_up
from portal.errors import ConfigError

APP_LOAD_ERROR = 4  # gunicorn's exit status for an application that cannot be loaded

try:
    app = create_app()
except ConfigError as exc:
    print(f"qc-portal: error: {exc.message}", file=sys.stderr, flush=True)
    sys.exit(APP_LOAD_ERROR)
warm_up(app)
server = app.server
