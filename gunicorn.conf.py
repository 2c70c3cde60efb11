"""gunicorn's configuration: everything comes from the portal's settings (QC_PORTAL_*).

    gunicorn --config gunicorn.conf.py portal.wsgi:server

QC_PORTAL_BIND, _WORKERS, _THREADS, _TIMEOUT, _GRACEFUL_TIMEOUT, _KEEPALIVE,
_REUSE_PORT, _LOG_FORMAT and _LOG_LEVEL (see the README's settings table), read by the same settings
class as the app, so an unknown or invalid value stops the server with one line.
Nothing secret is set here: QC_PORTAL_SECRET_KEY comes from the environment.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the portal, when gunicorn runs from elsewhere

from portal.errors import ConfigError  # noqa: E402
from portal.ops.server import gunicorn_options  # noqa: E402
from portal.settings import load_settings  # noqa: E402

try:
    _options = gunicorn_options(load_settings())
except ConfigError as exc:
    sys.exit(f"qc-portal: error: {exc.message}")  # one line on stderr, exit status 1

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
