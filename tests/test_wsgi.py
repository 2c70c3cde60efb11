"""gunicorn serving portal.wsgi:server (threads on): health, page and every JS bundle answer 200."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
        return response.status, response.read()


@pytest.fixture
def gunicorn(tmp_path):
    port = _free_port()
    env = {**os.environ, "QC_PORTAL_DATA_DIR": str(tmp_path),
           "QC_PORTAL_SECRET_KEY": "wsgi-test-secret-of-at-least-32-characters"}
    exe = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(exe), "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}", "portal.wsgi:server"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if _get(base + "/healthz")[0] == 200:
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("gunicorn did not start:\n" + process.stdout.read().decode(errors="replace"))
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=20)


def test_fresh_workers_serve_every_bundle(gunicorn):
    status, body = _get(gunicorn + "/")
    assert status == 200
    scripts = re.findall(r'<script src="([^"]+)"', body.decode())
    assert len(scripts) > 3
    # Many bundles at once on fresh workers: the lazy-setup race answers 500 without the warm-up.
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda src: _get(gunicorn + src)[0], scripts * 2))
    assert set(statuses) == {200}
    assert _get(gunicorn + "/_dash-layout")[0] == 200
