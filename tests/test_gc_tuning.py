"""A gunicorn worker (portal.wsgi) freezes what startup built and collects the young
generation less often (portal.ops.gc_tuning; the figures are in bench/README.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_worker_freezes_its_startup_objects(tmp_path):
    # In a child process: importing portal.wsgi builds the app as a worker does, and the
    # collector's settings must not leak into the test process.
    probe = ("import gc, json, portal.wsgi; "
             "print(json.dumps({'frozen': gc.get_freeze_count(), 'threshold': gc.get_threshold()[0]}))")
    env = {**os.environ, "QC_PORTAL_DATA_DIR": str(tmp_path / "data"),
           "QC_PORTAL_SECRET_KEY": "gc-test-secret-of-at-least-32-characters"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    from portal.ops.gc_tuning import YOUNG_THRESHOLD

    assert found["threshold"] == YOUNG_THRESHOLD
    assert found["frozen"] > 100_000  # the app's layouts, validators and tables: not walked again
