"""A real portal under gunicorn on 127.0.0.1 for the client and schemathesis tests.

`LivePortal(data_dir)` seeds nothing itself: callers fill the data dir's database first
(portal.context.build_portal), then `start()` runs `gunicorn portal.wsgi:server` from a
scratch working directory (so no gunicorn.conf.py or .env of the repository applies),
waits for /healthz, and `stop()` ends that one process by its id. Output goes to a
file, never a pipe (a full pipe would block the server).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal_env(data_dir: Path, **settings: str) -> dict:
    """The environment of a portal process over `data_dir` (no developer QC_PORTAL_* leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QC_PORTAL_")}
    env.update(QC_PORTAL_DATA_DIR=str(data_dir), QC_PORTAL_SECRET_KEY="live-test-secret-of-at-least-32-characters",
               PYTHONPATH=str(ROOT), **{f"QC_PORTAL_{k.upper()}": v for k, v in settings.items()})
    return env


def cli(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `qc-portal ARGS` over `data_dir`."""
    return subprocess.run([str(BIN / "qc-portal"), *args], env=portal_env(data_dir), cwd=data_dir,
                          capture_output=True, text=True, input=stdin, timeout=120)


class LivePortal:
    """gunicorn serving the portal over a data dir, on a free loopback port."""

    def __init__(self, data_dir: Path, *, workers: int = 1, threads: int = 4, **settings: str):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "gunicorn.log"
        self._args = ["--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{self.port}",
                      "--timeout", "60", "portal.wsgi:server"]
        self._env = portal_env(data_dir, **settings)
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> LivePortal:
        """Start gunicorn and wait until /healthz answers."""
        workdir = self.data_dir / "cwd"
        workdir.mkdir(exist_ok=True)
        with open(self.log, "ab") as out:
            self._process = subprocess.Popen([str(BIN / "gunicorn"), *self._args], env=self._env, cwd=workdir,
                                             stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("gunicorn did not start:\n" + self.log.read_text(errors="replace")[-4000:])
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop this gunicorn (by its process id) and wait for it."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
