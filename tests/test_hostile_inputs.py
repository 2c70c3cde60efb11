"""Hostile input gets a clear 4xx, never a 500: NUL characters (SQLite and PostgreSQL
alike), NaN, deep and oversize JSON on the REST API, and malformed Dash callback posts."""

from __future__ import annotations

import json

import pytest

from portal import create_app
from portal.settings import load_settings
from tests.api_helpers import bearer, make_token, seed
from tests.auth_helpers import SAME_ORIGIN, add_user, login
from tests.dash_client import DashClient
from tests.records import metric


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request, tmp_path):
    extra = {"database": request.getfixturevalue("pg_url")} if request.param == "postgresql" else {}
    app = create_app(load_settings(data_dir=tmp_path / "data", secret_key="test-secret", max_request_mb=1,
                                   **extra))
    seed(app, tmp_path / "assets")
    return app


@pytest.fixture
def token(app):
    return bearer(make_token(app, "ada", "annotator", "Ada Lovelace"))


def _store(app):
    return app.server.extensions["qc_portal"].store


def _shape(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["message"], body
    return body


# -- NUL characters --------------------------------------------------------------------

def _annotation(**change) -> dict:
    return {"version": 1, "changes": [{"metric": "drift", "status": "Pass", **change}]}


NUL_WRITES = {
    "comment": ("/api/v1/assets/a/annotations", _annotation(comment="looks\u0000fine")),
    "notes": ("/api/v1/assets/a/annotations", {"version": 1, "changes": [], "notes": "seen\u0000"}),
    "annotated metric name": ("/api/v1/assets/a/annotations", {"version": 1, "changes": [
        {"metric": "dr\u0000ift", "status": "Pass"}]}),
    "value": ("/api/v1/assets/a/annotations", _annotation(value="\u0000")),
    "pushed metric name": ("/api/v1/assets/a/qc/metrics", {"metrics": [metric("bad\u0000name")]}),
    "a key": ("/api/v1/assets/a/qc/metrics", {"metrics": [{**metric("m"), "tags": {"k\u0000": "v"}}]}),
}


@pytest.mark.parametrize("case", sorted(NUL_WRITES))
def test_nul_in_a_json_body_is_refused(app, token, case):
    path, body = NUL_WRITES[case]
    answer = app.server.test_client().post(path, json=body, headers=token)
    assert "NUL" in _shape(answer, 422)["message"]
    assert _store(app).get("a").version == 1


def test_nul_in_a_multipart_payload_is_refused(app, token):
    data = {"payload": json.dumps({"metrics": [metric("bad\u0000name")]})}
    answer = app.server.test_client().post("/api/v1/assets/a/qc/metrics", data=data, headers=token,
                                           content_type="multipart/form-data")
    _shape(answer, 422)


@pytest.mark.parametrize("path", ["/api/v1/assets?q=a%00b", "/api/v1/assets?project=%00", "/api/v1/summary?q=%00",
                                  "/api/v1/assets?a%00=1", "/?q=a%00b", "/export/assets.csv?q=%00"])
def test_nul_in_the_query_is_refused(app, path):
    _shape(app.server.test_client().get(path), 422)


@pytest.mark.parametrize("path", ["/api/v1/assets/a%00/qc", "/references/a/x%00.png", "/asset/%00"])
def test_nul_in_the_path_is_a_bad_request(app, path):
    _shape(app.server.test_client().get(path), 400)


def test_nul_in_the_login_name_is_refused_and_the_page_says_so(app):
    add_user(app, "ada", "annotator")
    client = app.server.test_client()
    answer = client.post("/login", data={"username": "ada\x00", "password": "x" * 10}, headers=SAME_ORIGIN)
    _shape(answer, 422)
    page = client.post("/login", data={"username": "\x00", "password": "x"},
                       headers={**SAME_ORIGIN, "Accept": "text/html"})
    assert page.status_code == 422 and page.mimetype == "text/html" and "NUL" in page.get_data(as_text=True)


def test_nul_in_a_dash_callback_is_refused(app):
    add_user(app, "ann", "annotator", "Ann")
    client = app.server.test_client()
    login(client, "ann")
    dash = DashClient(client)
    body = dash.body("overview-grid.getRowsResponse", {"overview-url.search": "?q=x\u0000y"}, ["overview-url.search"])
    assert b"\\u0000" in body
    answer = client.post("/_dash-update-component", data=body, content_type="application/json", headers=SAME_ORIGIN)
    _shape(answer, 422)
    # The overview's address, as dcc.Location holds it: percent-encoded.
    body = dash.body("overview-body", {"overview-url.search": "?q=a%00b"}, ["overview-url.search"])
    answer = client.post("/_dash-update-component", data=body, content_type="application/json", headers=SAME_ORIGIN)
    assert "NUL" in _shape(answer, 422)["message"]


# -- JSON bounds on the REST API -------------------------------------------------------

def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", [65, 5000, 100_000])
def test_deep_json_on_the_rest_api_is_refused(app, token, levels):
    body = '{"version": 1, "changes": [], "notes": ' + _deep(levels) + "}"
    for path in ("/api/v1/assets/a/annotations", "/api/v1/assets/a/qc/metrics"):
        answer = app.server.test_client().post(path, data=body, headers=token, content_type="application/json")
        assert "nested more than 64 levels" in _shape(answer, 422)["message"]


def test_json_within_the_depth_bound_reaches_the_view(app, token):
    body = '{"version": 1, "changes": [], "seen_notes": null, "notes": "ok", "x": ' + _deep(60) + "}"
    answer = app.server.test_client().post("/api/v1/assets/a/annotations", data=body, headers=token,
                                           content_type="application/json")
    assert "x" in _shape(answer, 422)["message"]  # the view's own answer: an unknown field


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_is_not_json(app, token, constant):
    body = '{"version": 1, "changes": [{"metric": "drift", "value": ' + constant + "}]}"
    answer = app.server.test_client().post("/api/v1/assets/a/annotations", data=body, headers=token,
                                           content_type="application/json")
    assert "NaN" in _shape(answer, 422)["message"]
    assert _store(app).get("a").version == 1


@pytest.mark.parametrize("path", ["/api/v1/assets/a/annotations", "/api/v1/assets/a/qc/metrics",
                                  "/_dash-update-component"])
def test_an_oversize_body_is_413_with_the_json_shape(app, token, path):
    body = json.dumps({"notes": "x" * (1024 * 1024 + 10)})
    answer = app.server.test_client().post(path, data=body, headers={**token, **SAME_ORIGIN},
                                           content_type="application/json")
    assert _shape(answer, 413) == {"error": "Request Entity Too Large", "message": "The request is too large."}


# -- malformed Dash callback requests --------------------------------------------------

def _valid(dash: DashClient) -> dict:
    rows = {"startRow": 0, "endRow": 50, "sortModel": [], "filterModel": {}}
    return json.loads(dash.body("overview-grid.getRowsResponse", {"overview-grid.getRowsRequest": rows},
                                ["overview-grid.getRowsRequest"]))


def _malformed(dash: DashClient) -> dict[str, bytes | str]:
    valid = _valid(dash)
    clientside = next(d["output"] for d in dash.dependencies if d.get("clientside_function"))

    def but(**changes):
        body = {**valid, **changes}
        return json.dumps({k: v for k, v in body.items() if v is not _DROP})

    return {
        "null": "null", "list": "[]", "object": "{}", "string": '"x"', "number": "1", "true": "true",
        "not json": "{output:", "empty": "", "nan": but(inputs=[]).replace("[]", "NaN", 1),
        "deep": '{"output": ' + _deep(200) + "}", "very deep": _deep(100_000),
        "unknown output": but(output="nothing.children"),
        "client-side output": but(output=clientside),
        "output not a string": but(output=["x"]),
        "no inputs": but(inputs=_DROP), "inputs null": but(inputs=None), "inputs object": but(inputs={}),
        "too few inputs": but(inputs=valid["inputs"][:-1]),
        "too many inputs": but(inputs=[*valid["inputs"], valid["inputs"][0]]),
        "input without property": but(inputs=[{"id": "x"}] * len(valid["inputs"])),
        "input as a number": but(inputs=[1] * len(valid["inputs"])),
        "input id a list": but(inputs=[{"id": ["x"], "property": "p"}] * len(valid["inputs"])),
        "state a string": but(state="x"),
        "outputs missing": but(outputs=_DROP), "outputs a list": but(outputs=[1, 2]),
        "outputs for another component": but(outputs={"id": "overview-body", "property": "children"}),
        "changedPropIds a string": but(changedPropIds="x"),
        "changedPropIds numbers": but(changedPropIds=[1]),
    }


_DROP = object()


@pytest.mark.parametrize("who", ["anonymous", "annotator"])
def test_malformed_callback_posts_are_400(app, who):
    client = app.server.test_client()
    if who == "annotator":
        add_user(app, "ann", "annotator")
        login(client, "ann")
    dash = DashClient(client)
    cases = _malformed(dash)
    answers = {}
    for name, body in cases.items():
        response = client.post("/_dash-update-component", data=body, content_type="application/json",
                               headers=SAME_ORIGIN)
        answers[name] = response.status_code
        if response.status_code == 400:
            _shape(response, 400)
    assert answers == dict.fromkeys(cases, 400), {k: v for k, v in answers.items() if v != 400}
    # Wrong content type, and the valid request still works.
    other = client.post("/_dash-update-component", data="a=b", content_type="application/x-www-form-urlencoded",
                        headers=SAME_ORIGIN)
    _shape(other, 400)
    ok = client.post("/_dash-update-component", data=json.dumps(_valid(dash)), content_type="application/json",
                     headers=SAME_ORIGIN)
    assert ok.status_code == 200 and "getRowsResponse" in ok.get_data(as_text=True)


def test_a_multipart_part_without_a_name_is_not_a_500(app, token):
    """werkzeug names such a part None (schemathesis found it): still a clear answer."""
    body = ('--B\r\nContent-Disposition: form-data\r\n\r\n[1]\r\n'
            '--B\r\nContent-Disposition: form-data; name="payload"\r\n\r\n{"metrics": []}\r\n--B--\r\n')
    answer = app.server.test_client().post("/api/v1/assets/a/qc/metrics", data=body, headers=token,
                                           content_type="multipart/form-data; boundary=B")
    assert answer.status_code < 500, answer.get_data(as_text=True)
