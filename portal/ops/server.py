"""gunicorn, the one server: its settings from the portal's, and `qc-portal serve` in-process.

`gunicorn.conf.py` (the Docker image's command) and `qc-portal serve` both take
gunicorn's settings from `gunicorn_options`, so a setting means the same everywhere.
"""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from portal.ops.logs import logging_config
from portal.settings import Settings

SHM = "/dev/shm"  # noqa: S108 - see worker_tmp_dir below


def gunicorn_options(settings: Settings, bind: str | None = None) -> dict:
    """gunicorn's settings for `settings` (`bind`: QC_PORTAL_BIND, else HOST:PORT)."""
    return {
        "bind": [bind or settings.bind or f"{settings.host}:{settings.port}"],
        "workers": settings.workers,
        # Threads let a worker wait on the database for one request while it serves another.
        "worker_class": "gthread",
        "threads": settings.threads,
        "timeout": settings.timeout,
        "graceful_timeout": settings.graceful_timeout,
        "keepalive": settings.keepalive,
        # With one shared socket, whichever worker wakes first accepts: a load balancer's few
        # long-lived keep-alive connections can all land on one worker while the others idle
        # (measured: half the throughput with 2 workers). SO_REUSEPORT sockets, one per
        # worker, let the kernel spread the connections.
        "reuse_port": settings.reuse_port,
        # portal.access writes one line per request, with its id; gunicorn's own line would repeat it.
        "accesslog": None,
        "logconfig_dict": logging_config(settings.log_format, settings.log_level),
        "proc_name": "qc-portal",
        # The worker heartbeat file: in memory, not on a container's (possibly slow) overlay disk
        # (gunicorn creates it with mkstemp and unlinks it at once).
        "worker_tmp_dir": SHM if os.path.isdir(SHM) else None,
        # gunicorn 27's control socket lives in $HOME/.gunicorn by default: two instances on
        # one host would share it, and the image's user need not have a home. Not used here.
        "control_socket_disable": True,
    }


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, bind: str):
        self.settings, self.bind = settings, bind
        super().__init__()

    def load_config(self):
        options = gunicorn_options(self.settings, bind=self.bind)
        for key, value in options.items():
            if key in self.cfg.settings:  # control_socket_disable: gunicorn 27 and later
                self.cfg.set(key, value)

    def load(self):
        from portal.app import create_app, warm_up
        from portal.events.worker import start_delivery
        from portal.ops.gc_tuning import tune_for_serving

        app = create_app(self.settings)
        warm_up(app)
        start_delivery(app)  # in each worker: gunicorn forks before load() (no preload_app)
        tune_for_serving()  # as portal.wsgi does
        return app.server


def serve_address(settings: Settings, host: str | None = None, port: int | None = None) -> str:
    """Where `qc-portal serve` / `demo` listen: --host/--port when given, else QC_PORTAL_BIND
    (the Docker image's 0.0.0.0:8000), else QC_PORTAL_HOST:QC_PORTAL_PORT."""
    if host is None and port is None and settings.bind:
        return settings.bind
    return f"{host or settings.host}:{port or settings.port}"


def run(settings: Settings, bind: str) -> None:
    """Serve the portal on `bind` until interrupted."""
    _Gunicorn(settings, bind).run()
