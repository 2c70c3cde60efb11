"""WSGI entry point for gunicorn: `gunicorn portal.wsgi:server`.

A configuration error (a missing or short secret key, an invalid setting) or a database
that cannot be used at start (after QC_PORTAL_DATABASE_WAIT_S) is one line on stderr and
exit status 4, which gunicorn treats as "the app failed to load" and stops instead of restarting workers forever (an
orchestrator restarts the container). Like the command line's errors (and gunicorn's own
boot failures) it is a bare line, whatever QC_PORTAL_LOG_FORMAT says.
"""

from portal.app import create_app, warm_up
from portal.errors import ConfigError, StoreUnavailable
from portal.events.worker import start_delivery
from portal.ops.gc_tuning import tune_for_serving
from portal.ops.preflight import check_secret, stop, wait_for_database
from portal.settings import load_settings

APP_LOAD_ERROR = 4  # gunicorn's exit status for an application that cannot be loaded

try:
    # Also checked in gunicorn's master when it runs gunicorn.conf.py (portal.ops.preflight); without
    # the config file (`gunicorn portal.wsgi:server`), here, in each worker.
    settings = load_settings()
    check_secret(settings)
    wait_for_database(settings)
    app = create_app(settings)
except (ConfigError, StoreUnavailable) as exc:
    stop(exc, APP_LOAD_ERROR)
warm_up(app)
start_delivery(app)  # this worker's webhook delivery thread (QC_PORTAL_WEBHOOK_DELIVER)
tune_for_serving()  # after startup: what it built is never collected (portal.ops.gc_tuning)
server = app.server
