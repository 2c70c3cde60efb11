"""The Python client raises only its own exception types (QCPortalError and subclasses), whatever
the other end does: small HTTP servers on 127.0.0.1 that are not portals, or misbehave."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest

from portal.client import (
    InvalidRequestError,
    QCPortalClient,
    QCPortalError,
    ServerError,
    UnavailableError,
    UsageError,
)


class _Odd(http.server.BaseHTTPRequestHandler):
    """Answers by path: HTML, JSON of another shape, a redirect loop, a body cut short."""

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.startswith("/api/v1/me"):
            self._send(200, "text/html", b"<html><body>Sign in</body></html>")  # a login page, a proxy's page
        elif self.path.startswith("/api/v1/assets/loop"):
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/api/v1/assets/cut"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"name": "cut')  # then the connection closes
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif self.path.startswith("/api/v1/assets"):
            self._send(200, "application/json", b'{"rows": "not a list"}')
        else:
            self._send(404, "text/plain", b"nope")

    def do_POST(self):  # noqa: N802
        self._send(500, "text/html", b"<h1>Internal Server Error</h1>")

    def _send(self, status: int, content_type: str, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def odd():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Odd)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def client(odd):
    with QCPortalClient(odd, "qcp_x", timeout=5, retries=0) as client:
        yield client


def test_an_html_answer_is_a_server_error(client):
    with pytest.raises(ServerError, match="no JSON .*text/html.*is it a QC Portal"):
        client.me()


def test_an_answer_of_another_shape_is_a_server_error(client):
    with pytest.raises(ServerError, match="not a AssetPageOut"):
        client.assets()


def test_a_redirect_loop_and_a_cut_answer(client):
    with pytest.raises(QCPortalError, match="failed"):
        client.asset("loop")
    with pytest.raises(UnavailableError):
        client.asset("cut")


def test_a_5xx_page_is_a_server_error(client):
    with pytest.raises(ServerError) as caught:
        client.add_metrics("a", [{"name": "m"}])
    assert caught.value.status == 500


@pytest.mark.parametrize("url", ["qc.example.org", "ftp://qc.example.org", "http://"])
def test_a_url_that_is_not_a_portal_url(url):
    with pytest.raises(UsageError, match="not a portal URL"):
        QCPortalClient(url)


def test_wrong_arguments_are_usage_errors_and_nothing_is_sent(client, tmp_path):
    with pytest.raises(UsageError, match="cannot read the file"):
        client.add_metrics("a", [{"name": "m"}], files=[tmp_path / "missing.png"])
    with pytest.raises(UsageError, match="unknown filter"):
        client.assets(projet="Alpha")
    with pytest.raises(UsageError, match="a change is not one"):
        client.annotate("a", [{"metric": "m", "status": "Great"}], version=1)
    with pytest.raises(TypeError):  # a wrong argument is still a TypeError too
        client.assets(projet="Alpha")
    assert not issubclass(InvalidRequestError, UsageError)


def test_nothing_listening_is_unavailable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with QCPortalClient(f"http://127.0.0.1:{port}", timeout=2, retries=0) as client, \
            pytest.raises(UnavailableError, match="cannot reach"):
        client.me()
