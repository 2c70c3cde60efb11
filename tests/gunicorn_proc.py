"""Real gunicorn processes for the tests: the Docker image's command, on 127.0.0.1.

`dockerfile()` reads the Dockerfile (ENV, CMD, ...); `Gunicorn(command, env, log)`
starts a command in the repository (the image's WORKDIR), waits until `/healthz`
answers and stops it by its process id. Output goes to a file, never a pipe: a full
pipe would block the server under its own access log.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Dockerfile:
    """What the tests need from the Dockerfile: base image, user, env, healthcheck, command."""

    base: str = ""
    user: str = ""
    args: dict[str, str] = field(default_factory=dict)  # ARG defaults
    runs: list[str] = field(default_factory=list)  # RUN commands (shell form), continuation lines joined
    env: dict[str, str] = field(default_factory=dict)
    copies: list[list[str]] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    text: str = ""


def dockerfile(path: Path = ROOT / "Dockerfile") -> Dockerfile:
    """Parse the instructions the tests check (line continuations joined, comments dropped)."""
    text = path.read_text()
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or not stripped:
            continue
        current += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            lines.append(current.strip())
            current = ""
    parsed = Dockerfile(text=text)
    for line in lines:
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "ARG":
            name, _, default = rest.strip().partition("=")
            parsed.args[name] = default
        elif word == "FROM":
            parsed.base = re.sub(r"\$\{(\w+)\}", lambda m: parsed.args.get(m.group(1), ""), rest.strip())
        elif word == "RUN":
            parsed.runs.append(rest.strip())
        elif word == "USER":
            parsed.user = rest.strip()
        elif word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                parsed.env[key] = value
        elif word == "COPY":
            parsed.copies.append(rest.split())
        elif word == "HEALTHCHECK":
            parsed.healthcheck = json.loads(rest[rest.index("CMD") + 3:].strip())
        elif word == "CMD":
            parsed.cmd = json.loads(rest)  # exec form: gunicorn is PID 1's child, signals reach it
    return parsed


def get(url: str, *, headers: dict | None = None, timeout: float = 15) -> tuple[int, dict, bytes]:
    """(status, headers, body) of a GET; HTTP error statuses are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # loopback only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class Gunicorn:
    """One server process started with `command` (argv) and `env`, its output in `log`."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path, port: int):
        self.command, self.env, self.log, self.port = command, env, log, port
        self.base = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> Gunicorn:
        """Start and wait for /healthz (fails with the server's output if it never answers)."""
        argv = [str(BIN / self.command[0]) if (BIN / self.command[0]).exists() else self.command[0],
                *self.command[1:]]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if get(self.base + "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not start:\n{self.output()}")
            time.sleep(0.2)

    def output(self) -> str:
        """Everything the server wrote so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> int | None:
        """SIGTERM (a graceful stop), then SIGKILL if it lingers; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)


def server_env(**settings: str) -> dict[str, str]:
    """This environment without QC_PORTAL_* variables, plus `settings` (QC_PORTAL_<NAME>)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QC_PORTAL_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update({f"QC_PORTAL_{name.upper()}": value for name, value in settings.items()})
    return env


class _Answer:
    """A requests response with the Flask test-client methods tests.dash_client uses."""

    def __init__(self, response):
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers

    def get_json(self, silent: bool = False):
        """The JSON body (None when it is not JSON and `silent`)."""
        try:
            return self.response.json()
        except ValueError:
            if silent:
                return None
            raise

    def get_data(self, as_text: bool = False):
        """The body, as bytes or text."""
        return self.response.text if as_text else self.response.content


class HttpClient:
    """A requests.Session against a running server, shaped like Flask's test client (for
    tests.dash_client.DashClient): `get(path)`, `post(path, data=, content_type=, headers=)`."""

    def __init__(self, base: str, session=None):
        import requests

        self.base = base
        self.session = session or requests.Session()

    def get(self, path: str, **kwargs) -> _Answer:
        """GET base + path."""
        return _Answer(self.session.get(self.base + path, timeout=60, **kwargs))

    def post(self, path: str, data=None, content_type: str | None = None, headers: dict | None = None,
             **kwargs) -> _Answer:
        """POST base + path."""
        headers = dict(headers or {})
        if content_type:
            headers["Content-Type"] = content_type
        return _Answer(self.session.post(self.base + path, data=data, headers=headers, timeout=60, **kwargs))


def find_props(node, component_id: str) -> dict | None:
    """The props of the component with `component_id` in a Dash JSON tree (a callback's answer)."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props
        return next((found for value in node.values() if (found := find_props(value, component_id)) is not None),
                    None)
    if isinstance(node, list):
        return next((found for value in node if (found := find_props(value, component_id)) is not None), None)
    return None
