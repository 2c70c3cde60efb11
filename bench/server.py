"""The benchmark's server: the Docker image's command (gunicorn with gunicorn.conf.py) on
127.0.0.1 over the benchmark's database, and the memory of its workers.

The command and environment come from the Dockerfile (tests/gunicorn_proc.py reads it),
so the benchmark measures what operators deploy, with its defaults (workers, threads).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.gunicorn_proc import Gunicorn, dockerfile, free_port, server_env

SECRET = "bench-only-key-of-at-least-32-characters"  # a scratch database on loopback


def start(database: str, scratch: Path, **settings: str) -> Gunicorn:
    """Start gunicorn over `database`; `settings` are extra QC_PORTAL_* values (lower-case names)."""
    image = dockerfile()
    port = free_port()
    env = server_env()
    env.update({k: v for k, v in image.env.items() if k.startswith("QC_PORTAL_")})
    env.update({"QC_PORTAL_BIND": f"127.0.0.1:{port}", "QC_PORTAL_DATA_DIR": str(scratch / "data"),
                "QC_PORTAL_DATABASE": database, "QC_PORTAL_SECRET_KEY": SECRET})
    env.update({f"QC_PORTAL_{k.upper()}": str(v) for k, v in settings.items()})
    return Gunicorn(image.cmd, env, scratch / "gunicorn.log", port).start(timeout=300)


def worker_pids(server: Gunicorn) -> list[int]:
    """The pids of the gunicorn master's children (its workers)."""
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def worker_memory(server: Gunicorn) -> dict:
    """Resident memory of each worker now (VmRSS) and at its peak (VmHWM), in MB."""
    pids = worker_pids(server)
    rss = [round(_status_kb(pid, "VmRSS") / 1024, 1) for pid in pids]
    peak = [round(_status_kb(pid, "VmHWM") / 1024, 1) for pid in pids]
    return {"workers": len(pids), "worker_rss_mb": rss, "worker_rss_max_mb": max(rss, default=0),
            "worker_peak_rss_mb": max(peak, default=0)}


def worker_cpu_seconds(server: Gunicorn) -> float:
    """CPU time (user + system) the workers have used so far, in seconds."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in worker_pids(server):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


@contextlib.contextmanager
def demo_server(assets: int, prefix: str, accounts: tuple[tuple[str, str, str], ...] = ()) -> Iterator[Gunicorn]:
    """Generate the demo data (`qc-portal demo --no-serve --assets N`) into a scratch data dir,
    add the (name, role, password) `accounts`, and serve it with the image's command."""
    cli = str(Path(sys.executable).parent / "qc-portal")
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch_dir:
        scratch = Path(scratch_dir)
        data = scratch / "data"
        env = {"QC_PORTAL_DATA_DIR": str(data), "PATH": str(Path(sys.executable).parent)}
        subprocess.run([cli, "demo", "--no-serve", "--assets", str(assets), "--data-dir", str(data)],
                       check=True, env=env, capture_output=True, timeout=900)
        for name, role, password in accounts:
            subprocess.run([cli, "users", "add", name, "--role", role, "--password-stdin", "--data-dir", str(data)],
                           check=True, env=env, input=password + "\n", text=True, capture_output=True)
        server = start(f"sqlite:///{data / 'portal.db'}", scratch)
        try:
            yield server
        finally:
            server.stop()


def emit(result: dict, out: Path | None) -> None:
    """Print the result as JSON, and write it to `out` when given."""
    text = json.dumps(result, indent=2)
    if out:
        out.write_text(text + "\n")
    print(text)
