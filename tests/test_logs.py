"""Logging: the request id in and out, one access line per request, JSON lines, no secrets."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from portal import create_app
from portal.ops.logs import TEXT_FORMAT, JsonFormatter, RequestIdFilter, logging_config
from tests.auth_helpers import SAME_ORIGIN, add_user, login
from tests.records import metric, record

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([record("a", project="Alpha", metrics=[metric("m", "Fail")])])

    @app.server.get("/test-boom")
    def boom():
        raise RuntimeError("boom")

    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def access(caplog):
    """The access lines logged so far (records of portal.access)."""
    caplog.set_level(logging.INFO, logger="portal")
    caplog.handler.addFilter(RequestIdFilter())
    return lambda: [r for r in caplog.records if r.name == "portal.access"]


def test_a_request_id_is_made_returned_and_logged(client, access):
    response = client.get("/healthz")
    rid = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(rid)
    response.get_data()  # the line is written once the body is sent
    (line,) = access()
    assert (line.request_id, line.method, line.path, line.status) == (rid, "GET", "/healthz", 200)
    assert line.duration_ms >= 0 and line.bytes == len(response.data) and line.remote_addr == "127.0.0.1"
    assert line.getMessage().startswith("GET /healthz 200 ")


def test_a_callers_request_id_is_kept_unless_it_is_not_a_plain_token(client, access):
    def sent(rid: str) -> str:
        response = client.get("/healthz", headers={"X-Request-ID": rid})
        response.get_data()
        return response.headers["X-Request-ID"]

    assert sent("Root=1-67891233-abcdef") == "Root=1-67891233-abcdef"
    for bad in ("two words", "x" * 129, "quote\"d", "a;b"):
        assert HEX_ID.fullmatch(sent(bad))
    assert len({r.request_id for r in access()}) == 5


def test_every_record_of_a_request_carries_its_id(app, client, caplog, access):
    add_user(app, "ann", "annotator")
    response = login(client, "ann", "wrong password")
    assert response.status_code == 401
    failed = next(r for r in caplog.records if "failed sign-in" in r.getMessage())
    assert failed.request_id == response.headers["X-Request-ID"]
    logging.getLogger("portal.test").warning("outside a request")
    assert caplog.records[-1].request_id == "-"


def test_paths_only_and_no_cookies_or_credentials_in_any_log_line(app, client, caplog, access):
    add_user(app, "ann", "annotator")
    login(client, "ann").get_data()
    client.get("/export/assets.csv?project=Alpha&code=one-time-secret",
               headers={"Authorization": "Bearer secret-token-value"}).get_data()
    client.post("/logout", headers=SAME_ORIGIN).get_data()
    lines = access()
    assert [r.path for r in lines] == ["/login", "/export/assets.csv", "/logout"]
    everything = "\n".join(logging.Formatter("%(message)s %(request_id)s").format(r) + json.dumps(vars(r), default=str)
                           for r in caplog.records)
    for secret in ("one-time-secret", "secret-token-value", "correct horse", "qc_portal_session"):
        assert secret not in everything


def test_a_streamed_export_is_logged_once_when_sent(client, access):
    response = client.get("/export/assets.csv")
    assert access() == []  # not sent yet
    body = response.get_data()
    (line,) = access()
    assert line.status == 200 and line.path == "/export/assets.csv" and b"Alpha" in body


def test_a_server_error_is_an_error_line_with_status_500(client, access):
    response = client.get("/test-boom")
    assert response.status_code == 500 and response.get_data()
    (line,) = access()
    assert line.status == 500 and line.levelno == logging.ERROR
    assert line.request_id == response.headers["X-Request-ID"]


def test_json_lines_carry_the_fields_and_the_exception():
    record = logging.makeLogRecord({"name": "portal.access", "levelno": logging.INFO, "levelname": "INFO",
                                    "msg": "GET %s", "args": ("/",), "status": 200, "request_id": "r1"})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET /" and entry["status"] == 200 and entry["request_id"] == "r1"
    assert entry["logger"] == "portal.access" and entry["level"] == "INFO" and entry["time"].endswith("+00:00")
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        failed = logging.makeLogRecord({"msg": "x", "exc_info": sys.exc_info()})
    assert "ValueError: bad" in json.loads(JsonFormatter().format(failed))["exception"]


def test_logging_config_text_or_json_and_gunicorns_access_log_silenced():
    text, as_json = logging_config("text", "DEBUG"), logging_config("json", "INFO")
    assert text["formatters"]["portal"] == {"format": TEXT_FORMAT}
    assert as_json["formatters"]["portal"]["()"] is JsonFormatter
    assert text["loggers"]["portal"]["level"] == "DEBUG"
    assert text["loggers"]["gunicorn.access"]["propagate"] is False
    # The config works with dictConfig (applied to a scratch logger tree, not this process's).
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("portal.test.text")
    logger.addHandler(handler)
    try:
        logger.warning("hello")
    finally:
        logger.removeHandler(handler)
    assert "WARNING" in stream.getvalue() and "portal.test.text [-]: hello" in stream.getvalue()
