"""gunicorn's configuration: everything comes from the portal's settings (QC_PORTAL_*).

    gunicorn --config gunicorn.conf.py portal.wsgi:server

QC_PORTAL_BIND, _WORKERS, _THREADS, _TIMEOUT, _GRACEFUL_TIMEOUT, _KEEPALIVE,
_REUSE_PORT, _LOG_FORMAT and _LOG_LEVEL (see the README's settings table), read by the same settings
class as the app, so an unknown or invalid value stops the server with one line (exit status 2).
Nothing secret is set here: QC_PORTAL_SECRET_KEY comes from the environment.

Before gunicorn boots a worker, the master runs portal.ops.preflight: a missing or short secret key
(exit 2), another server already on the port (exit 1), and a database that does not answer within
QC_PORTAL_DATABASE_WAIT_S (exit 1) are each one line on stderr.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the portal, when gunicorn runs from elsewhere

from portal.errors import ConfigError, PortalError  # noqa: E402
from portal.ops.logs import configure  # noqa: E402
from portal.ops.preflight import preflight, stop  # noqa: E402
from portal.ops.server import gunicorn_options  # noqa: E402
from portal.settings import load_settings  # noqa: E402


def _stop(exc: PortalError) -> None:
    # One bare line on stderr (like the command line's), before gunicorn has logged anything.
    stop(exc, 2 if isinstance(exc, ConfigError) else 1)


try:
    _settings = load_settings()
    _options = gunicorn_options(_settings)
    configure(_settings.log_format, _settings.log_level)  # the database wait's lines, in the server's format
    preflight(_settings, _options["bind"][0])
except PortalError as exc:
    _stop(exc)

bind = _options["bind"]
workers = _options["workers"]
worker_class = _options["worker_class"]
threads = _options["threads"]
timeout = _options["timeout"]
graceful_timeout = _options["graceful_timeout"]
keepalive = _options["keepalive"]
reuse_port = _options["reuse_port"]
accesslog = _options["accesslog"]
logconfig_dict = _options["logconfig_dict"]
proc_name = _options["proc_name"]
worker_tmp_dir = _options["worker_tmp_dir"]
control_socket_disable = _options["control_socket_disable"]
