"""GET /api/v1/assets/{name}/status/explain over HTTP: the schema's status, reasons, the
date control's "changed since", and a clear 4xx for every bad parameter."""

from __future__ import annotations

import pytest
from aind_data_schema.core.quality_control import QualityControl

from portal import create_app
from portal.qc import normalise
from tests.api_helpers import seed
from tests.records import metric, record


@pytest.fixture
def client(settings, tmp_path):
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    history = [{"evaluator": "Automated", "status": "Pass", "timestamp": "2025-01-01T00:00:00Z"},
               {"evaluator": "Jane Doe", "status": "Fail", "timestamp": "2025-03-01T00:00:00Z"}]
    tolerated = metric("noise", "Fail", tags={"probe": "B"})
    tolerated["status_history"][0]["timestamp"] = "2025-01-02T00:00:00Z"
    drift = metric("drift", "Pass", tags={"probe": "A"})
    drift["status_history"] = history
    doc = record("when", project="Alpha", subject="9", acquired="2025-01-01T00:00:00+00:00",
                 metrics=[drift, tolerated, metric("label", "Pending", stage="Processing")])
    doc["quality_control"]["allow_tag_failures"] = ["probe:B"]
    app.server.extensions["qc_portal"].store.upsert_many([doc])
    return app.server.test_client()


def test_explain_lists_fail_pending_and_tolerated_with_their_entries(client):
    body = client.get("/api/v1/assets/when/status/explain").get_json()
    assert body["status"] == "Fail" and body["n"] == 3
    assert [(b["metric"], b["status"], b["tolerated"]) for b in body["because"]] == [
        ("drift", "Fail", False), ("label", "Pending", False), ("noise", "Fail", True)]
    assert body["because"][0]["entry"]["evaluator"] == "Jane Doe"
    assert body["because"][0]["key"] == "drift [ecephys, Raw data, probe=A]"
    assert body["changed"] is None


def test_explain_at_a_past_date_says_what_changed_since(client, settings):
    response = client.get("/api/v1/assets/when/status/explain?date=2025-02-01&stage=Raw data")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "Pass"  # drift passed then; noise's Fail is tolerated
    assert body["date"].startswith("2025-02-01T23:59:59")
    assert [(c["metric"], c["then"], c["now"]) for c in body["changed"]] == [("drift", "Pass", "Fail")]


@pytest.mark.parametrize("query", ["", "?modality=ecephys", "?stage=Processing", "?tag=probe:A", "?tag=B",
                                   "?date=2025-01-01T12:00:00Z", "?date=2024-01-01",
                                   "?modality=ECEPHYS&stage=Raw data"])
def test_explain_equals_the_schema(client, query):
    from portal.qc.explain import parse_when

    body = client.get(f"/api/v1/assets/when/status/explain{query}").get_json()
    qc = client.get("/api/v1/assets/when/qc").get_json()["quality_control"]
    model = QualityControl.model_validate(normalise(qc))
    args = dict(part.split("=", 1) for part in query.lstrip("?").split("&") if part)
    kwargs = {}
    if "modality" in args:
        kwargs["modality"] = next(m for m in model.modalities if m.abbreviation == args["modality"].lower())
    if "stage" in args:
        kwargs["stage"] = args["stage"]
    if "tag" in args:
        kwargs["tag"] = args["tag"]
    if "date" in args:
        kwargs["date"] = parse_when(args["date"])
    assert body["status"] == model.evaluate_status(**kwargs)


@pytest.mark.parametrize(("query", "status", "words"), [
    ("?date=yesterday", 422, "date must be"),
    ("?date=2025-02-30", 422, "date must be"),
    ("?modality=telepathy", 422, "unknown modality"),
    ("?stage=Cooking", 422, "stage must be one of"),
    ("?colour=red", 422, "unknown query parameter"),
    ("?tag=%01", 422, "control characters"),
])
def test_explain_refuses_bad_parameters_clearly(client, query, status, words):
    response = client.get(f"/api/v1/assets/when/status/explain{query}")
    assert response.status_code == status
    assert words in response.get_json()["message"]


@pytest.mark.parametrize(("name", "status"), [("nope", 404), ("bare", 422), ("broken", 422)])
def test_explain_of_unknown_or_unreadable_assets(client, name, status):
    response = client.get(f"/api/v1/assets/{name}/status/explain")
    assert response.status_code == status
    assert set(response.get_json()) == {"error", "message"}
