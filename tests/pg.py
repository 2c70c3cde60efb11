"""A throwaway PostgreSQL server for the tests (real server binaries, 127.0.0.1 only)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_bin() -> Path | None:
    """The newest PostgreSQL server bin folder on this machine, if any."""
    for folder in PG_BIN_DIRS:
        if (folder / "initdb").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl in a scratch folder; as root, run as the postgres user (initdb refuses root)."""

    def __init__(self):
        self.bin = pg_bin()
        # Under /tmp itself: a private TMPDIR (mode 0700) would be closed to the postgres user.
        self.root = Path(tempfile.mkdtemp(prefix="qcportal-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, timeout=60)

    def start(self) -> PostgresServer:
        """Create the cluster and start the server; returns self."""
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30", "-l", str(self.root / "log"),
            "-o", f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c full_page_writes=off",
            "start",
        )
        return self

    def url(self, database: str = "postgres") -> str:
        """A SQLAlchemy URL for `database` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)
