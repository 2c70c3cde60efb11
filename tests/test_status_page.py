"""/status and /status.json: who may see them, and what they report (SQL, DocDB, S3)."""

from __future__ import annotations

import socket
from html.parser import HTMLParser

import pytest

from portal import create_app
from portal.settings import load_settings
from tests.auth_helpers import add_user, login
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record
from tests.s3_fixtures import *  # noqa: F403


class _Rows(HTMLParser):
    """The text of each table row with a data-check attribute, by check name."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr" and dict(attrs).get("data-check"):
            self._current = dict(attrs)["data-check"]
            self.rows[self._current] = []

    def handle_endtag(self, tag):
        if tag == "tr":
            self._current = None

    def handle_data(self, data):
        if self._current and data.strip():
            self.rows[self._current].append(data.strip())


def rows(html: str) -> dict[str, list[str]]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


@pytest.fixture
def sql_app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([record("a"), record("b", qc={"metrics": "oops"})])
    return app


def test_admins_only_by_default(sql_app):
    client = sql_app.server.test_client()
    response = client.get("/status")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    add_user(sql_app, "vera", "viewer")
    login(client, "vera")
    assert client.get("/status").status_code == 403
    assert client.get("/status.json").status_code == 403
    add_user(sql_app, "ada", "admin")
    login(client, "ada")
    page = client.get("/status")
    assert page.status_code == 200
    checks = rows(page.get_data(as_text=True))
    assert checks["portal database"][1] == "ok" and checks["asset store"][1] == "ok"
    assert checks["S3"][1] == "n/a"
    report = client.get("/status.json").get_json()
    assert report["unreadable"] == 1 and report["assets"] == 2
    assert report["schema_versions"] == {"2.4.2": 1, "(none)": 1}


def test_anonymous_setting_opens_it_to_everyone(tmp_path):
    app = create_app(load_settings(data_dir=tmp_path, secret_key="x", status_page="anonymous"))
    assert app.server.test_client().get("/status.json").get_json()["ok"] is True


def test_docdb_and_s3_reachability(fresh_gateway, tmp_path, moto_s3, s3_client, bucket):
    settings = load_settings(data_dir=tmp_path, secret_key="x", status_page="anonymous", s3_endpoint=moto_s3,
                             store=fresh_gateway.store_url())
    fresh_gateway.seed([{**record("a", metrics=[metric("m", "Fail")]), "_id": "a", "location": f"s3://{bucket}/a"},
                        {**record("b", qc={"metrics": [1]}), "_id": "b"}])
    client = create_app(settings).server.test_client()
    report = client.get("/status.json").get_json()
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["DocDB gateway"]["ok"] and checks["DocDB gateway"]["ms"] >= 0
    assert checks["S3"]["ok"] and checks["S3"]["detail"] == f"bucket {bucket} answers"
    assert report["unreadable"] == 1 and report["schema_versions"] == {"2.4.2": 1, "(none)": 1}


def test_gateway_down_is_reported_not_raised(tmp_path, aws_env):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = load_settings(data_dir=tmp_path, secret_key="x", status_page="anonymous", docdb_timeout=1,
                             store=f"docdb+http://127.0.0.1:{port}?database=metadata_index&collection=data_assets")
    client = create_app(settings).server.test_client()
    page = client.get("/status")
    assert page.status_code == 503
    checks = rows(page.get_data(as_text=True))
    assert checks["DocDB gateway"][1] == "FAILED" and "cannot be reached" in " ".join(checks["DocDB gateway"])
    assert checks["portal database"][1] == "ok"
