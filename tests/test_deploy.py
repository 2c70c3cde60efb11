"""The Docker image, without a Docker engine: the Dockerfile's rules, and its exact
command (gunicorn with gunicorn.conf.py) run here with the image's environment."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys

import pytest

from tests.gunicorn_proc import ROOT, Gunicorn, dockerfile, free_port, get, server_env

IMAGE = dockerfile()


def test_slim_python_311_non_root_exec_form():
    assert IMAGE.base == "python:3.11-slim"
    assert IMAGE.user and IMAGE.user not in ("root", "0")
    assert IMAGE.cmd == ["gunicorn", "--config", "gunicorn.conf.py", "portal.wsgi:server"]
    assert IMAGE.env["QC_PORTAL_BIND"] == "0.0.0.0:8000"
    assert "EXPOSE 8000" in IMAGE.text
    assert IMAGE.healthcheck[:3] == ["python", "-m", "portal.probe"] and IMAGE.healthcheck[3:] == ["/healthz"]


def test_dependencies_come_from_pyproject_and_no_secret_is_baked_in():
    assert "pyproject.toml" in IMAGE.copies[0]  # first layer: the dependencies alone
    assert "tomllib" in IMAGE.text and "['project']['dependencies']" in IMAGE.text
    for name in ("Dockerfile", "gunicorn.conf.py", ".dockerignore"):
        code = [line for line in (ROOT / name).read_text().splitlines() if not line.lstrip().startswith("#")]
        assert not re.search(r"SECRET_KEY\s*=", "\n".join(code)), f"{name} sets a secret key"
    assert "QC_PORTAL_SECRET_KEY" not in IMAGE.env


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; `!` re-includes (prefixes count)."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/").removeprefix("**/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatch(p, pattern) or fnmatch.fnmatch(parts[i], pattern) for i, p in enumerate(prefixes)):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_what_the_image_copies_and_nothing_private():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    sources = [src for copy in IMAGE.copies for src in copy[:-1]]
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not _ignored(source, patterns), f"{source} is copied but ignored"
    assert not _ignored("assets/00-bootstrap.min.css", patterns)
    assert not _ignored("portal/store/sql/migrations/versions/0001_initial.py", patterns)
    for private in (".git/config", ".env", "tests/conftest.py", "bench/run.py", "data/portal.db",
                    "portal/__pycache__/app.cpython-311.pyc", ".venv/bin/python", "assets/screenshots/overview.png"):
        assert _ignored(private, patterns), f"{private} would be sent to the build"


def _image_env(tmp_path, port: int, **settings: str) -> dict[str, str]:
    """The image's ENV, bound to loopback, with what an operator passes (`docker run -e`)."""
    env = server_env()
    env.update(IMAGE.env)
    env.update({"QC_PORTAL_BIND": f"127.0.0.1:{port}", "QC_PORTAL_DATA_DIR": str(tmp_path / "data"),
                "QC_PORTAL_DATABASE": f"sqlite:///{tmp_path / 'data' / 'portal.db'}",
                "QC_PORTAL_SECRET_KEY": "deploy-test-key", "QC_PORTAL_WORKERS": "2", "QC_PORTAL_THREADS": "2"})
    env.update({f"QC_PORTAL_{k.upper()}": v for k, v in settings.items()})
    return env


def test_the_image_command_serves_health_readiness_and_pages_with_json_logs(tmp_path):
    port = free_port()
    env = _image_env(tmp_path, port, log_format="json")
    server = Gunicorn(IMAGE.cmd, env, tmp_path / "gunicorn.log", port).start()
    try:
        assert get(server.base + "/healthz")[0] == 200
        status, headers, body = get(server.base + "/readyz", headers={"X-Request-ID": "lb-probe-1"})
        assert status == 200 and json.loads(body)["status"] == "ready"
        assert headers["X-Request-ID"] == "lb-probe-1"
        status, headers, body = get(server.base + "/")
        assert status == 200 and b"<html" in body.lower() and headers["Content-Type"].startswith("text/html")
        assert get(server.base + "/_dash-layout")[0] == 200
        # The image's HEALTHCHECK command, run against it.
        probe = subprocess.run([sys.executable, *IMAGE.healthcheck[1:]], env=env, cwd=ROOT, timeout=30)
        assert probe.returncode == 0
    finally:
        assert server.stop() == 0
    lines = [line for line in server.output().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON: gunicorn's own too
    access = [r for r in records if r["logger"] == "portal.access"]
    readyz = next(r for r in access if r["path"] == "/readyz")
    assert readyz["request_id"] == "lb-probe-1" and readyz["status"] == 200 and readyz["duration_ms"] >= 0
    assert {r["path"] for r in access} >= {"/healthz", "/readyz", "/", "/_dash-layout"}
    assert any(r["logger"] == "gunicorn.error" and "Booting worker" in r["message"] for r in records)
    assert not any(r["level"] == "ERROR" for r in records), [r for r in records if r["level"] == "ERROR"]


def test_the_image_command_refuses_to_start_without_a_secret_key(tmp_path):
    port = free_port()
    env = _image_env(tmp_path, port)
    del env["QC_PORTAL_SECRET_KEY"]
    result = subprocess.run(IMAGE.cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "QC_PORTAL_SECRET_KEY is not set" in result.stdout + result.stderr


@pytest.mark.parametrize("variable, value", [("QC_PORTAL_WORKERS", "0"), ("QC_PORTAL_BIND", "8000"),
                                             ("QC_PORTAL_LOG_FORMAT", "xml"), ("QC_PORTAL_WORKRES", "2")])
def test_gunicorn_conf_stops_on_a_bad_setting_with_one_line(tmp_path, variable, value):
    env = _image_env(tmp_path, free_port(), **{})
    env[variable] = value
    result = subprocess.run(IMAGE.cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("qc-portal: error:")
    assert variable in result.stderr
