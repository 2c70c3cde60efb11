"""REST API reads over HTTP (Flask test client): assets, one asset, its QC, summary, errors, tokens."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from portal import create_app
from portal.accounts.tokens import TokenStore
from portal.settings import load_settings
from portal.views.present import summary_json
from tests.api_helpers import bearer, make_token, seed


@pytest.fixture
def app(settings, tmp_path):
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


def _names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [row["name"] for row in response.get_json()["rows"]]


# -- the error shape ------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url", "status"), [
    ("get", "/api/v1/assets/nope", 404),
    ("get", "/api/v1/assets/nope/qc", 404),
    ("get", "/api/v1/no-such-endpoint", 404),
    ("get", "/api/v1/assets?status=Great", 422),
    ("get", "/api/v1/assets?colour=red", 422),
    ("get", "/api/v1/assets?limit=0", 422),
    ("get", "/api/v1/assets?sort=colour", 422),
    ("get", "/api/v1/summary?by=colour", 422),
    ("get", "/api/v1/assets/broken/qc", 422),
    ("delete", "/api/v1/assets", 405),
    ("post", "/api/v1/assets/a/annotations", 401),
    ("get", "/api/v1/me", 401),
])
def test_every_error_has_the_one_shape(client, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "message"}
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]


def test_a_bad_token_is_401_even_where_anonymous_reads_are_allowed(client):
    assert client.get("/api/v1/assets").status_code == 200
    for header in ("Bearer qcp_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz"):
        response = client.get("/api/v1/assets", headers={"Authorization": header})
        assert response.status_code == 401
        assert "token" in response.get_json()["message"]


# -- GET /assets ----------------------------------------------------------------------


def test_list_filters_are_the_overviews(client):
    assert _names(client.get("/api/v1/assets?sort=name")) == ["a", "b", "bare", "broken", "legacy"]
    assert _names(client.get("/api/v1/assets?project=Beta&project=Gamma&sort=name")) == [
        "b", "bare", "broken", "legacy"]
    assert _names(client.get("/api/v1/assets?status=Fail")) == ["b"]
    assert _names(client.get("/api/v1/assets?status=No%20QC")) == ["bare"]
    assert _names(client.get("/api/v1/assets?modality=behavior")) == ["b"]
    assert _names(client.get("/api/v1/assets?subject=3")) == ["legacy"]
    assert _names(client.get("/api/v1/assets?from=2025-02-01&to=2025-03-01&sort=acquired")) == ["b", "legacy"]
    assert _names(client.get("/api/v1/assets?q=BRO")) == ["broken"]
    assert _names(client.get("/api/v1/assets?pending=1")) == ["a"]
    assert _names(client.get("/api/v1/assets?metric=drift&metric_status=Pending")) == ["a"]
    assert _names(client.get("/api/v1/assets?level=derived")) == []
    # The grid's column filters: part of a value, any case; OR-ed with the exact values.
    assert _names(client.get("/api/v1/assets?project_contains=GAM&sort=name")) == ["bare", "broken"]
    assert _names(client.get("/api/v1/assets?project=Beta&project_contains=gam&sort=name")) == [
        "b", "bare", "broken", "legacy"]
    assert _names(client.get("/api/v1/assets?status_contains=fai")) == ["b"]


def test_list_pages_and_sorts(client):
    first = client.get("/api/v1/assets?limit=2&sort=-acquired").get_json()
    assert [r["name"] for r in first["rows"]] == ["broken", "bare"]
    assert (first["total"], first["offset"], first["limit"], first["next_offset"]) == (5, 0, 2, 2)
    seen, offset = [], 0
    while offset is not None:
        page = client.get(f"/api/v1/assets?limit=2&offset={offset}&sort=name").get_json()
        seen += [r["name"] for r in page["rows"]]
        offset = page["next_offset"]
    assert seen == ["a", "b", "bare", "broken", "legacy"]
    row = client.get("/api/v1/assets?q=a&sort=name&limit=1").get_json()["rows"][0]
    assert row["name"] == "a" and row["status"] == "Pending" and row["modality_status"] == {"ecephys": "Pending"}
    assert (row["total"], row["passed"], row["failed"], row["pending"], row["version"]) == (3, 2, 0, 1, 1)
    assert row["acquired"].startswith("2025-01-01T00:00:00")


@pytest.mark.parametrize("query", ["from=2025-13-01", "status=Great", "level=cooked", "limit=1001", "offset=-1",
                                   "limit=ten", "project=a%00b"])
def test_list_refuses_what_it_cannot_use(client, query):
    response = client.get(f"/api/v1/assets?{query}")
    assert response.status_code == 422, query
    assert response.get_json()["error"] == "Invalid input"


def test_list_answers_odd_but_valid_questions(client):
    assert _names(client.get("/api/v1/assets?from=2025-02-01&to=2025-01-01")) == []  # from after to: nothing
    assert _names(client.get("/api/v1/assets?to=9999-12-31&sort=name&q=b")) == ["b", "bare", "broken"]
    assert _names(client.get("/api/v1/assets?from=0001-01-01&to=0001-01-01")) == []


# -- GET /assets/{name} and /qc ---------------------------------------------------------------


def test_asset_is_the_show_json_shape(app, client):
    stored = app.server.extensions["qc_portal"].store.get("a")
    expected = summary_json(stored.summary, version=stored.version)
    got = client.get("/api/v1/assets/a").get_json()
    assert got == expected
    assert client.get(f"/api/v1/assets/{stored.id}").get_json()["name"] == "a"  # by id too


def test_qc_is_normalised_with_its_version(client):
    got = client.get("/api/v1/assets/a/qc").get_json()
    assert got["version"] == 1
    assert [m["name"] for m in got["quality_control"]["metrics"]] == ["drift", "noise", "label"]
    assert got["quality_control"]["schema_version"] == "2.4.2"
    legacy = client.get("/api/v1/assets/legacy/qc").get_json()["quality_control"]
    assert "evaluations" not in legacy
    assert legacy["metrics"][0]["tags"] == {"evaluation": "Video"}
    assert legacy["metrics"][0]["stage"] == "Raw data"
    assert client.get("/api/v1/assets/bare/qc").get_json() == {"version": 1, "quality_control": None, "metrics": [],
                                                               "reviews": []}
    broken = client.get("/api/v1/assets/broken/qc")
    assert broken.status_code == 422 and "cannot be read" in broken.get_json()["message"]


def test_qc_download_is_a_json_file(client):
    response = client.get("/api/v1/assets/a/qc?download=1")
    assert response.headers["Content-Disposition"] == 'attachment; filename="a_quality_control.json"'
    assert response.get_json()["quality_control"]["metrics"]


def test_the_asset_page_links_its_qc_json_download(app, client):
    from components import ids
    from components.asset.header import header
    from portal.views.asset.model import load_detail
    from tests.walk import find_by_id

    with app.server.test_request_context("/"):
        (link,) = find_by_id(header(load_detail(app.server.extensions["qc_portal"].store, "a")), ids.DETAIL_QC_JSON)
    assert link.href == "/api/v1/assets/a/qc?download=1"
    assert client.get(link.href).headers["Content-Disposition"].startswith("attachment")


# -- GET /summary --------------------------------------------------------------------


def test_summary_counts_with_the_same_filters(client):
    body = client.get("/api/v1/summary").get_json()
    assert body["total"] == 5
    assert body["status"] == {"Pending": 1, "Fail": 1, "Pass": 1, "No QC": 1, "Unreadable": 1}
    assert body["by"] == "project"
    assert {(g["key"], g["status"], g["n"]) for g in body["groups"]} == {
        ("Alpha", "Pending", 1), ("Beta", "Fail", 1), ("Beta", "Pass", 1), ("Gamma", "No QC", 1),
        ("Gamma", "Unreadable", 1)}
    assert {"project": "Alpha", "modality": "ecephys", "status": "Pending", "n": 1} in body["modality"]
    beta = client.get("/api/v1/summary?project=Beta&by=subject").get_json()
    assert beta["total"] == 2 and {g["key"] for g in beta["groups"]} == {"2", "3"}
    weeks = client.get("/api/v1/summary?by=week&status=Fail").get_json()
    assert weeks["groups"] == [{"key": "2025-01-27", "status": "Fail", "n": 1}]
    by_source = client.get("/api/v1/summary?by=source")
    assert by_source.status_code == 200 and by_source.get_json()["by"] == "source"


# -- tokens and login ------------------------------------------------------------------


def test_me_names_the_tokens_account_and_records_last_use(app, client):
    token = make_token(app, "ada", "viewer", "Ada Lovelace")
    tokens = TokenStore(app.server.extensions["qc_portal"].users.engine)
    assert tokens.list("ada")[0].last_used_at is None
    body = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert body == {"name": "ada", "display_name": "Ada Lovelace", "role": "viewer"}
    assert tokens.list("ada")[0].last_used_at is not None
    response = client.get("/api/v1/me", headers=bearer(token))
    assert "Set-Cookie" not in response.headers  # a token call never starts a session


def test_revoked_tokens_and_removed_accounts_stop_working(app, client):
    token = make_token(app, "bob", "annotator")
    tokens = TokenStore(app.server.extensions["qc_portal"].users.engine)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    tokens.revoke(tokens.list("bob")[0].id)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    other = make_token(app, "carol", "annotator")
    app.server.extensions["qc_portal"].users.remove("carol")
    assert client.get("/api/v1/assets", headers=bearer(other)).status_code == 401


def test_tokens_are_stored_hashed(app):
    token = make_token(app, "dan", "viewer")
    engine = app.server.extensions["qc_portal"].users.engine
    with engine.connect() as connection:
        dump = "\n".join(str(row) for row in connection.exec_driver_sql("SELECT * FROM api_tokens"))
    assert token not in dump and token[12:] not in dump


def test_reads_follow_the_login_setting(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="test-secret", require_login=True)
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    client = app.server.test_client()
    response = client.get("/api/v1/assets")
    assert response.status_code == 401 and set(response.get_json()) == {"error", "message"}
    token = make_token(app, "eve", "viewer")
    assert _names(client.get("/api/v1/assets?sort=name", headers=bearer(token)))[0] == "a"


# -- the description ---------------------------------------------------------------------


class _Sections(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "section" and "api-endpoint" in (found.get("class") or ""):
            self.ids.append(found["id"])


def test_openapi_describes_every_route_and_the_docs_page_lists_them(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {(method.upper(), "/api/v1" + re.sub(r"\{(\w+)\}", r"<\1>", path))
                  for path, methods in spec["paths"].items() for method in methods}
    routes = {(method, re.sub(r"<int:(\w+)>", r"<\1>", rule.rule)) for rule in app.server.url_map.iter_rules()
              if rule.endpoint.startswith("api.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    undocumented = {("GET", "/api/v1"), ("GET", "/api/v1/"), ("GET", "/api/v1/openapi.json"),
                    ("GET", "/api/v1/docs"), ("GET", "/api/v1/<path:_rest>"), ("POST", "/api/v1/<path:_rest>")}
    assert routes - undocumented == documented
    assert "ErrorOut" in spec["components"]["schemas"]
    parser = _Sections()
    parser.feed(client.get("/api/v1/docs").get_data(as_text=True))
    assert {section.split("-", 1)[1] for section in parser.ids} == set(spec["paths"])
