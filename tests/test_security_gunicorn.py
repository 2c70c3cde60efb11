"""The security model on the production server: gunicorn (two workers) on 127.0.0.1,
spoken to over real sockets. The workers share nothing but the database, so the login
throttle and sessions must work across them."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from portal import create_app
from portal.accounts.secret import MISSING
from portal.settings import load_settings
from tests.auth_helpers import PASSWORD, add_user
from tests.records import metric, record

SECRET = "gunicorn-security-signing-key-of-32-characters"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QC_PORTAL_")}
    # This checkout's code (not whatever an editable install points at), from its folder.
    return {**env, "PYTHONPATH": str(ROOT), "QC_PORTAL_DATA_DIR": str(data), **extra}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("gunicorn-security")
    folder = data / "assets" / "ecephys_1"
    (folder / "qc").mkdir(parents=True)
    (folder / "qc" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    (data / "secret.txt").write_text("top secret contents")
    (folder / "qc" / "escape.png").symlink_to(data / "secret.txt")
    app = create_app(load_settings(data_dir=data, secret_key=SECRET))
    rec = record("ecephys_1", metrics=[metric("drift", "Pending")])
    rec["location"] = str(folder)
    app.server.extensions["qc_portal"].store.upsert_many([rec])
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer")
    app.server.extensions["qc_portal"].store.engine.dispose()

    port = _free_port()
    log = data / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [GUNICORN, "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}", "--access-logfile", "-",
             "portal.wsgi:server"],
            env=_env(data, QC_PORTAL_SECRET_KEY=SECRET, QC_PORTAL_LOG_LEVEL="DEBUG"),
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("gunicorn did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)
    yield type("Server", (), {"base": base, "port": port, "log": log, "data": data})
    process.terminate()
    process.wait(timeout=30)


def _sign_in(server, name: str) -> requests.Session:
    session = requests.Session()
    response = session.post(server.base + "/login", data={"username": name, "password": PASSWORD},
                            headers={"Origin": server.base}, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    return session


def test_headers_on_the_real_server(server):
    response = requests.get(server.base + "/", timeout=10)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path",
    ["/references/ecephys_1/../../secret.txt", "/references/ecephys_1/qc/../../../secret.txt",
     "/references/ecephys_1/%2e%2e/%2e%2e/secret.txt", "/references/ecephys_1/%2E%2E%2F%2E%2E%2Fsecret.txt",
     "/references/ecephys_1/..%2f..%2fsecret.txt", "/references/ecephys_1/%2fetc%2fpasswd",
     "/references/ecephys_1//etc/passwd", "/references/ecephys_1/qc/escape.png",
     "/references/ecephys_1/qc%5c..%5c..%5csecret.txt", "/references/..%2f..%2fsecret.txt/x",
     "/references/ecephys_1/qc/%252e%252e/%252e%252e/secret.txt"],
)
def test_path_traversal_on_the_wire_is_refused(server, path):
    """Raw request lines (http.client sends the path exactly as written, no normalisation)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert 400 <= response.status < 500, (path, response.status)
    assert b"top secret" not in body and b"root:" not in body


def test_the_reference_route_serves_what_it_should(server):
    assert requests.get(server.base + "/references/ecephys_1/qc/a.png", timeout=10).status_code == 200


def test_cross_site_post_with_a_valid_session_is_refused_same_site_works(server):
    session = _sign_in(server, "ann")
    forged = session.post(server.base + "/logout", headers={"Origin": "http://evil.example"},
                          allow_redirects=False, timeout=10)
    assert forged.status_code == 403
    assert "Ann Reviewer" in session.get(server.base + "/_dash-layout", timeout=10).text  # still signed in
    own = session.post(server.base + "/logout", headers={"Origin": server.base}, allow_redirects=False, timeout=10)
    assert own.status_code == 302
    assert "Ann Reviewer" not in session.get(server.base + "/_dash-layout", timeout=10).text


def test_brute_force_is_slowed_across_workers_and_passwords_are_not_logged(server):
    guesses = [f"guess-number-{i}-secret" for i in range(8)]
    statuses = []
    for guess in guesses:  # new connections: the two workers take turns
        response = requests.post(server.base + "/login", data={"username": "vic", "password": guess},
                                 headers={"Connection": "close"}, allow_redirects=False, timeout=10)
        statuses.append(response.status_code)
        assert "guess-number" not in response.text
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    right = requests.post(server.base + "/login", data={"username": "vic", "password": PASSWORD},
                          allow_redirects=False, timeout=10)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1
    time.sleep(0.5)
    output = server.log.read_text(errors="replace")
    assert "POST /login" in output  # the access log is there and was read
    for secret in (*guesses, PASSWORD, SECRET):
        assert secret not in output


def test_gunicorn_refuses_to_start_without_a_secret_key(tmp_path):
    result = subprocess.run(
        [GUNICORN, "--workers", "1", "--bind", f"127.0.0.1:{_free_port()}", "portal.wsgi:server"],
        env=_env(tmp_path), capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("qc-portal:")]
    assert lines == [f"qc-portal: error: {MISSING}"]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "secret_key").exists()
