"""The review workflow over HTTP: fail reasons (GET/PUT, required on a Fail, under `reviews` in
GET .../qc), assignments (GET list and one), with tokens and roles."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.review import assignments
from portal.review.assignments import assignment_filters
from tests.api_helpers import bearer, make_token, seed


@pytest.fixture
def app(settings, tmp_path):
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def tokens(app):
    return {role: bearer(make_token(app, name, role, name.title()))
            for name, role in (("vic", "viewer"), ("ada", "annotator"), ("root", "admin"))}


def _portal(app):
    return app.server.extensions["qc_portal"]


def _version(client, name="a"):
    return client.get(f"/api/v1/assets/{name}/qc").get_json()["version"]


def test_reasons_are_read_by_all_and_replaced_by_admins(client, tokens):
    assert client.get("/api/v1/projects/Alpha/reasons").get_json() == {"project": "Alpha", "reasons": []}
    body = {"reasons": ["Drift too high", "Noisy"]}
    anonymous = client.put("/api/v1/projects/Alpha/reasons", json=body)
    assert anonymous.status_code == 401 and set(anonymous.get_json()) == {"error", "message"}
    for role in ("viewer", "annotator"):
        refused = client.put("/api/v1/projects/Alpha/reasons", json=body, headers=tokens[role])
        assert refused.status_code == 403, role
        assert set(refused.get_json()) == {"error", "message"}
    ok = client.put("/api/v1/projects/Alpha/reasons", json=body, headers=tokens["admin"])
    assert ok.status_code == 200 and ok.get_json()["reasons"] == ["Drift too high", "Noisy"]
    for bad in ({"reasons": ["a", "A"]}, {"reasons": "a"}, {"reason": ["a"]}, {"reasons": [""]}):
        refused = client.put("/api/v1/projects/Alpha/reasons", json=bad, headers=tokens["admin"])
        assert refused.status_code == 422, bad
        assert set(refused.get_json()) == {"error", "message"}
    missing = client.put("/api/v1/projects/Nope/reasons", json=body, headers=tokens["admin"])
    assert missing.status_code == 404
    assert client.get("/api/v1/projects/Alpha/reasons").get_json()["reasons"] == ["Drift too high", "Noisy"]


def test_a_fail_needs_a_reason_where_the_project_lists_some(client, tokens):
    client.put("/api/v1/projects/Alpha/reasons", json={"reasons": ["Drift too high"]}, headers=tokens["admin"])
    version = _version(client)
    refused = client.post("/api/v1/assets/a/annotations", headers=tokens["annotator"],
                          json={"version": version, "changes": [{"metric": "drift", "status": "Fail"}]})
    assert refused.status_code == 422
    assert "asks for a reason" in refused.get_json()["message"] and "Drift too high" in refused.get_json()["message"]
    unknown = client.post("/api/v1/assets/a/annotations", headers=tokens["annotator"],
                          json={"version": version, "changes": [{"metric": "drift", "status": "Fail",
                                                                  "reason": "Bad vibes"}]})
    assert unknown.status_code == 422
    assert _version(client) == version  # nothing written
    ok = client.post("/api/v1/assets/a/annotations", headers=tokens["annotator"],
                     json={"version": version, "changes": [{"metric": "drift", "status": "Fail",
                                                            "reason": "Drift too high", "comment": "shank 2"}]})
    assert ok.status_code == 200, ok.get_json()
    qc = client.get("/api/v1/assets/a/qc").get_json()
    (review,) = qc["reviews"]
    assert review["reason"] == "Drift too high" and review["comment"] == "shank 2"
    assert review["evaluator"] == "Ada" and review["status"] == "Fail" and review["key"].startswith("drift")
    assert "Drift too high" not in str(qc["quality_control"])  # never inside the document
    # Another project's assets need no reason.
    other = client.post("/api/v1/assets/b/annotations", headers=tokens["annotator"],
                        json={"version": _version(client, "b"), "changes": [{"metric": "m", "status": "Fail"}]})
    assert other.status_code == 200


def test_assignments_are_listed_for_their_reviewers(app, client, tokens):
    portal = _portal(app)
    admin = portal.users.get("root")
    from portal.accounts.auth import User

    made = assignments.create(portal, User(admin), "Alpha pending", "project=Alpha", ["ada"])
    assert client.get("/api/v1/assignments").status_code == 401
    assert client.get("/api/v1/assignments", headers=tokens["viewer"]).get_json() == {"assignments": []}
    mine = client.get("/api/v1/assignments", headers=tokens["annotator"]).get_json()["assignments"]
    assert [(a["id"], a["name"], a["total"], a["reviewed"], a["open"]) for a in mine] == [
        (made.id, "Alpha pending", 1, 0, True)]
    assert mine[0]["review_url"] == f"/review?project=Alpha&assignment={made.id}"
    assert assignment_filters(portal, made.id) == "project=Alpha"
    client.post("/api/v1/assets/a/annotations", headers=tokens["annotator"],
                json={"version": _version(client), "changes": [{"metric": "drift", "status": "Pass"}]})
    one = client.get(f"/api/v1/assignments/{made.id}", headers=tokens["admin"]).get_json()
    assert (one["total"], one["reviewed"], one["by"]) == (1, 1, [{"evaluator": "Ada", "reviewed": 1}])
    hidden = client.get(f"/api/v1/assignments/{made.id}", headers=tokens["viewer"])
    assert hidden.status_code == 404 and set(hidden.get_json()) == {"error", "message"}
    assert client.get("/api/v1/assignments/999", headers=tokens["admin"]).status_code == 404
    assert client.get("/api/v1/assignments?x=1", headers=tokens["admin"]).status_code == 422


def test_the_openapi_describes_the_review_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "put"} <= set(paths["/projects/{name}/reasons"])
    assert "get" in paths["/assignments"] and "get" in paths["/assignments/{assignment_id}"]


def test_the_csv_export_lists_each_assets_fail_reasons(client, tokens):
    client.put("/api/v1/projects/Alpha/reasons", json={"reasons": ["Drift too high"]}, headers=tokens["admin"])
    client.post("/api/v1/assets/a/annotations", headers=tokens["annotator"],
                json={"version": _version(client), "changes": [{"metric": "drift", "status": "Fail",
                                                                 "reason": "Drift too high"}]})
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(client.get("/export/assets.csv").get_data(as_text=True))))
    by_name = {row["name"]: row["fail_reasons"] for row in rows}
    assert by_name["a"] == "Drift too high (1)" and by_name["b"] == ""
