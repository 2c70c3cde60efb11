"""The Docker image, without a Docker engine: the Dockerfile's rules, and its exact
command (gunicorn with gunicorn.conf.py) run here with the image's environment."""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
import threading

import pytest

from tests.gunicorn_proc import BIN, ROOT, Gunicorn, dockerfile, free_port, get, server_env

IMAGE = dockerfile()


def test_slim_python_311_non_root_exec_form():
    # Debian's release pinned; the digest is a build argument (see the Dockerfile's head).
    assert IMAGE.base == "python:3.11-slim-bookworm" and "FROM ${PYTHON_IMAGE}" in IMAGE.text
    assert "--build-arg PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:" in IMAGE.text
    assert IMAGE.user and IMAGE.user not in ("root", "0")
    assert IMAGE.cmd == ["gunicorn", "--config", "gunicorn.conf.py", "portal.wsgi:server"]
    assert IMAGE.env["QC_PORTAL_BIND"] == "0.0.0.0:8000"
    assert "EXPOSE 8000" in IMAGE.text
    assert IMAGE.healthcheck[:3] == ["python", "-m", "portal.ops.probe"] and IMAGE.healthcheck[3:] == ["/healthz"]


def test_dependencies_come_from_pyproject_and_no_secret_is_baked_in():
    assert IMAGE.copies[0][:-1] == ["pyproject.toml", "constraints.txt"]  # first layer: the dependencies alone
    assert "tomllib" in IMAGE.text and "pip install -c constraints.txt -r /tmp/requirements.txt" in IMAGE.text
    for name in ("Dockerfile", "gunicorn.conf.py", ".dockerignore"):
        code = [line for line in (ROOT / name).read_text().splitlines() if not line.lstrip().startswith("#")]
        assert not re.search(r"SECRET_KEY\s*=", "\n".join(code)), f"{name} sets a secret key"
    assert "QC_PORTAL_SECRET_KEY" not in IMAGE.env


def _requirements(tmp_path, extras: str) -> list[str]:
    """What the image's dependency RUN writes to /tmp/requirements.txt, run here as it is."""
    command = next(run for run in IMAGE.runs if "tomllib" in run)
    command = command.split("&&")[0].replace("/tmp/requirements.txt", str(tmp_path / "requirements.txt"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    env = {**server_env(), "EXTRAS": extras, "PATH": f"{BIN}:/usr/bin:/bin"}
    subprocess.run(["sh", "-c", command], cwd=tmp_path, env=env, check=True, timeout=60)
    return (tmp_path / "requirements.txt").read_text().split("\n")


def test_the_constraints_pin_every_dependency_and_this_environment_satisfies_them(tmp_path):
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    from portal.ops.lock import closure

    requirements = _requirements(tmp_path, IMAGE.args["EXTRAS"])
    assert any(line.startswith("imageio-ffmpeg") for line in requirements)  # the demo works in the image
    (tmp_path / "lean").mkdir()
    assert not any(line.startswith("imageio-ffmpeg") for line in _requirements(tmp_path / "lean", ""))
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"{line}: constraints pin exact versions"
            pins[canonicalize_name(name)] = version
    # Every package the image installs is pinned, at a version its requirement allows.
    assert sorted(set(closure()) - set(pins)) == [], "run: python -m portal.ops.lock > constraints.txt"
    for line in requirements:
        if line.strip():
            requirement = Requirement(line)
            assert requirement.specifier.contains(pins[canonicalize_name(requirement.name)], prereleases=True), line
    # The image's exact pip command resolves with what is installed here (offline: nothing to fetch).
    check = subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--dry-run", "--no-index", "-c",
                            str(ROOT / "constraints.txt"), "-r", str(tmp_path / "requirements.txt")],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Would install" not in check.stdout


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
                "QC_PORTAL_SECRET_KEY": "deploy-test-key-of-at-least-32-characters", "QC_PORTAL_WORKERS": "2",
                "QC_PORTAL_THREADS": "2"})
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
        # One listening socket per worker (SO_REUSEPORT): the kernel spreads connections over them.
        if shutil.which("ss"):
            sockets = subprocess.run(["ss", "-Htln", f"sport = :{port}"], capture_output=True, text=True, timeout=10)
            assert len(sockets.stdout.strip().splitlines()) == int(env["QC_PORTAL_WORKERS"])
        # The image's HEALTHCHECK command, run against it.
        probe = subprocess.run([sys.executable, *IMAGE.healthcheck[1:]], env=env, cwd=ROOT, timeout=30)
        assert probe.returncode == 0
    finally:
        assert server.stop() == 0
    lines = [line for line in server.output().splitlines() if line.strip()]
    assert [line for line in lines if not line.startswith("{")] == []  # every line is JSON: gunicorn's own too
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r["logger"] == "portal.access"]
    readyz = next(r for r in access if r["path"] == "/readyz")
    assert readyz["request_id"] == "lb-probe-1" and readyz["status"] == 200 and readyz["duration_ms"] >= 0
    assert {r["path"] for r in access} >= {"/healthz", "/readyz", "/", "/_dash-layout"}
    assert any(r["logger"] == "gunicorn.error" and "Booting worker" in r["message"] for r in records)
    assert not any(r["level"] == "ERROR" for r in records), [r for r in records if r["level"] == "ERROR"]


@pytest.mark.parametrize(("key", "says"), [
    (None, "qc-portal: error: QC_PORTAL_SECRET_KEY is not set"),
    ("short-key", "qc-portal: error: QC_PORTAL_SECRET_KEY is 9 characters long; use at least 32 random ones"),
])
def test_the_image_command_refuses_a_missing_or_short_secret_key_before_any_worker(tmp_path, key, says):
    port = free_port()
    env = _image_env(tmp_path, port, log_format="json")
    if key is None:
        del env["QC_PORTAL_SECRET_KEY"]
    else:
        env["QC_PORTAL_SECRET_KEY"] = key
    result = subprocess.run(IMAGE.cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    # One line, from gunicorn's master, before gunicorn started or booted anything.
    assert result.stdout == "" and result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(says)
    assert not (tmp_path / "data" / "portal.db").exists()


def test_qc_portal_demo_runs_with_the_images_environment(tmp_path):
    """`docker run -p 8000:8000 qc-portal qc-portal demo`: the image's env, no secret key given."""
    port = free_port()
    env = _image_env(tmp_path, port)
    for key in ("QC_PORTAL_SECRET_KEY", "QC_PORTAL_DATABASE"):
        del env[key]
    server = Gunicorn(["qc-portal", "demo", "--assets", "12"], env, tmp_path / "demo.log", port).start(timeout=300)
    try:
        assert get(server.base + "/")[0] == 200  # it listens on QC_PORTAL_BIND (the image's 0.0.0.0:8000)
        status, _, body = get(server.base + "/api/v1/assets?limit=1")
        name = json.loads(body)["rows"][0]["name"]
        assert status == 200 and get(server.base + f"/asset/{name}")[0] == 200
        probe = subprocess.run([sys.executable, *IMAGE.healthcheck[1:]], env=env, cwd=ROOT, timeout=30)
        assert probe.returncode == 0
    finally:
        assert server.stop() == 0
    assert "demo annotator created: user demo" in server.output()


def test_demo_mode_generates_its_key(tmp_path):
    port = free_port()
    env = _image_env(tmp_path, port, demo="true")
    del env["QC_PORTAL_SECRET_KEY"]
    server = Gunicorn(IMAGE.cmd, env, tmp_path / "gunicorn.log", port).start()
    try:
        assert get(server.base + "/healthz")[0] == 200
    finally:
        assert server.stop() == 0
    assert len((tmp_path / "data" / "secret_key").read_text()) >= 32


@pytest.mark.parametrize("variable, value", [("QC_PORTAL_WORKERS", "0"), ("QC_PORTAL_BIND", "8000"),
                                             ("QC_PORTAL_LOG_FORMAT", "xml"), ("QC_PORTAL_WORKRES", "2")])
def test_gunicorn_conf_stops_on_a_bad_setting_with_one_line(tmp_path, variable, value):
    env = _image_env(tmp_path, free_port(), **{})
    env[variable] = value
    result = subprocess.run(IMAGE.cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2  # a configuration error, as on the command line
    assert result.stderr.strip().splitlines()[-1].startswith("qc-portal: error:")
    assert variable in result.stderr


def test_workers_starting_together_migrate_a_new_sqlite_file_in_turn(tmp_path):
    # gunicorn's workers each build the app, and so migrate, at the same moment: on a new
    # SQLite file they must wait for each other, never fail with "database is locked".
    code = ("import sys; from portal.store.sql.engine import make_engine, migrate, schema_is_current; "
            "e = make_engine(sys.argv[1]); migrate(e); assert schema_is_current(e)")
    for attempt in range(2):
        url = f"sqlite:///{tmp_path / f'new{attempt}.db'}"
        workers = [subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
                   for _ in range(4)]
        failures = [(w.wait(timeout=120), w.stderr.read()) for w in workers]
        assert all(status == 0 for status, _ in failures), [err for status, err in failures if status]


def test_a_database_that_does_not_answer_is_waited_for_then_one_line_and_a_stop(tmp_path):
    port = free_port()
    env = _image_env(tmp_path, port, database=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/qc",
                     db_timeout="1", workers="1", database_wait_s="3")
    result = subprocess.run(IMAGE.cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    retries = [line for line in lines if "does not answer yet" in line and "QC_PORTAL_DATABASE_WAIT_S" in line]
    assert len(retries) >= 2, result.stderr  # one log line per retry
    assert lines[-1].startswith("qc-portal: error: cannot use the database postgresql+psycopg://nobody@127.0.0.1")
    assert "waited 3 s" in lines[-1]
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr


@pytest.mark.postgres
def test_a_database_that_starts_late_is_waited_for(tmp_path, postgres):
    from tests.pg import PostgresServer

    late = PostgresServer()  # its port is known now; it starts in 3 s
    port = free_port()
    env = _image_env(tmp_path, port, database=late.url(), db_timeout="1", workers="1", database_wait_s="60")
    starter = threading.Timer(3.0, late.start)
    starter.start()
    server = Gunicorn(IMAGE.cmd, env, tmp_path / "gunicorn.log", port)
    try:
        server.start(timeout=90)
        assert get(server.base + "/readyz")[0] == 200
    finally:
        server.stop()
        starter.join()
        late.stop()
    output = server.output()
    assert "does not answer yet" in output and "answers (after" in output
    assert output.index("answers (after") < output.index("Booting worker")


def test_a_second_server_on_a_served_port_stops_with_one_line(tmp_path):
    port = free_port()
    env = _image_env(tmp_path, port, workers="2")
    first = Gunicorn(IMAGE.cmd, env, tmp_path / "first.log", port).start()
    try:
        other = {**_image_env(tmp_path / "other", port, workers="1")}
        result = subprocess.run(IMAGE.cmd, cwd=ROOT, env=other, capture_output=True, text=True, timeout=60)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"qc-portal: error: 127.0.0.1:{port} is already in use by another server (is a portal already running "
            "there?): stop it, or choose another address (QC_PORTAL_BIND, --port)")
        # `qc-portal serve` says the same.
        serve = subprocess.run([str(BIN / "qc-portal"), "serve", "--port", str(port), "--data-dir",
                                str(tmp_path / "serve")], cwd=ROOT, env=other, capture_output=True, text=True,
                               timeout=60)
        assert serve.returncode == 1 and "is already in use by another server" in serve.stderr
        # The first server still answers, with its per-worker sockets.
        assert get(first.base + "/healthz")[0] == 200
        if shutil.which("ss"):
            sockets = subprocess.run(["ss", "-Htln", f"sport = :{port}"], capture_output=True, text=True, timeout=10)
            assert len(sockets.stdout.strip().splitlines()) == 2
    finally:
        assert first.stop() == 0
