"""`qc-portal serve`: gunicorn in-process, the same server production uses."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from portal.settings import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__()

    def load_config(self):
        self.cfg.set("bind", f"{self.settings.host}:{self.settings.port}")
        self.cfg.set("workers", 1)
        self.cfg.set("threads", 8)
        self.cfg.set("timeout", 60)
        self.cfg.set("accesslog", "-")

    def load(self):
        from portal.app import create_app, warm_up

        app = create_app(self.settings)
        warm_up(app)
        return app.server


def run(settings: Settings) -> None:
    """Serve the portal until interrupted."""
    _Gunicorn(settings).run()
