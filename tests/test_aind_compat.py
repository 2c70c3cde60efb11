"""AIND's alternate workflow, `POST /v1/add_qc_evaluation`, over the Flask test client on a
real app and SQLite: the body AIND's documentation gives capsule authors, a portal token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aind_data_schema.core.quality_control import QCMetric, QCStatus, Stage, Status
from aind_data_schema_models.modalities import Modality

from portal import create_app
from tests.api_helpers import bearer, make_token, seed
from tests.records import metric

URL = "/v1/add_qc_evaluation"


@pytest.fixture
def app(settings, tmp_path):
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def pipeline(app):
    return bearer(make_token(app, "capsule", "pipeline", "Capsule"))


def _store(app):
    return app.server.extensions["qc_portal"].store


def _metrics(app, name="a") -> list[dict]:
    return _store(app).get(name).record["quality_control"]["metrics"]


def _evaluation_1x(name="Drift map") -> dict:
    """A 1.x QCEvaluation as a capsule's `qc_eval.model_dump(mode='json')` gives it."""
    return {
        "modality": {"name": "Extracellular electrophysiology", "abbreviation": "ecephys"},
        "stage": "Processing", "name": name, "description": "Drift over the session",
        "allow_failed_metrics": False, "notes": None, "tags": None,
        "metrics": [
            {"name": "Probe A drift", "value": {"value": "", "options": ["Low", "High"], "type": "dropdown"},
             "description": None, "reference": "drift_a.png", "evaluated_assets": None,
             "status_history": [{"evaluator": "Automated", "status": "Pending",
                                 "timestamp": "2025-01-03T00:00:00Z"}]},
            {"name": "Probe B drift", "value": 0.4, "description": None, "reference": "drift_b.png",
             "evaluated_assets": None,
             "status_history": [{"evaluator": "Automated", "status": "Pass", "timestamp": "2025-01-03T00:00:00Z"}]},
        ],
    }


def test_a_1x_evaluation_by_docdb_id_is_added_with_its_modality_stage_and_tag(app, client, pipeline):
    asset_id = _store(app).get("a").id
    response = client.post(URL, headers=pipeline, json={"data_asset_id": asset_id, "qc_evaluation": _evaluation_1x()})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"acknowledged": True, "data_asset_id": asset_id, "name": "a", "version": 2,
                                   "added": ["Probe A drift", "Probe B drift"], "replaced": []}
    added = {m["name"]: m for m in _metrics(app)}
    assert added["Probe A drift"]["stage"] == "Processing"
    assert added["Probe A drift"]["modality"]["abbreviation"] == "ecephys"
    assert added["Probe B drift"]["tags"] == {"evaluation": "Drift map"}
    assert _store(app).audit_log(asset="a")[0].user == "capsule"


def test_a_2x_metric_by_name_and_a_list_and_sending_it_again_changes_nothing(app, client, pipeline):
    one = QCMetric(name="Yield", modality=Modality.ECEPHYS, stage=Stage.RAW, value=0.93,
                   status_history=[QCStatus(evaluator="Automated", status=Status.PASS,
                                            timestamp=datetime(2025, 1, 3, tzinfo=UTC))]).model_dump(mode="json")
    first = client.post(URL, headers=pipeline, json={"data_asset_id": "a", "qc_evaluation": one})
    assert first.status_code == 200 and first.get_json()["added"] == ["Yield"]
    both = [one, metric("Noise floor", "Fail")]
    second = client.post(URL, headers=pipeline, json={"data_asset_id": "a", "qc_evaluation": both})
    assert second.status_code == 200, second.get_json()
    assert (second.get_json()["added"], second.get_json()["version"]) == (["Noise floor"], 3)
    again = client.post(URL, headers=pipeline, json={"data_asset_id": "a", "qc_evaluation": both})
    assert again.status_code == 200 and again.get_json()["version"] == 3  # the same metrics: nothing written
    assert [m["name"] for m in _metrics(app)].count("Yield") == 1


def test_who_may_call_it(app, client):
    body = {"data_asset_id": "a", "qc_evaluation": [metric("x")]}
    anonymous = client.post(URL, json=body)
    assert anonymous.status_code == 401 and set(anonymous.get_json()) == {"error", "message"}
    bad = client.post(URL, json=body, headers=bearer("qcp_not-a-token"))
    assert bad.status_code == 401 and "not valid" in bad.get_json()["message"]
    # A capsule still signing for AIND's gateway (SigV4) is told what the portal wants instead.
    sigv4 = client.post(URL, json=body, headers={"Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=y"})
    assert sigv4.status_code == 401 and "Bearer" in sigv4.get_json()["message"]
    viewer = client.post(URL, json=body, headers=bearer(make_token(app, "vic", "viewer")))
    assert viewer.status_code == 403 and "viewer" in viewer.get_json()["message"]
    # An annotator may push only entries under its own name; a capsule's "Automated" needs a pipeline account.
    annotator = client.post(URL, json=body, headers=bearer(make_token(app, "ada", "annotator", "Ada Lovelace")))
    assert annotator.status_code == 403 and "pipeline" in annotator.get_json()["message"]
    assert _store(app).get("a").version == 1


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"data_asset_id": "nope", "qc_evaluation": [metric("x")]}, 404, "Asset not found: nope"),
    ({"data_asset_id": "a", "qc_evaluation": [{"name": "x", "value": 1, "status_history": []}]}, 422, "x"),
    ({"data_asset_id": "a", "qc_evaluation": {**metric("x"), "stage": "Whenever"}}, 422, "stage"),
    ({"data_asset_id": "a", "qc_evaluation": {"hello": 1}}, 422, "QCEvaluation"),
    ({"data_asset_id": "a", "qc_evaluation": [metric("x")], "extra": 1}, 422, "extra"),
    ({"qc_evaluation": [metric("x")]}, 422, "data_asset_id"),
    ({"data_asset_id": "a", "qc_evaluation": [metric("x", timestamp=(datetime.now(UTC) + timedelta(hours=2))
                                                     .isoformat())]}, 422, "in the future"),
])
def test_errors_have_the_api_shape_and_write_nothing(app, client, pipeline, body, status, message):
    response = client.post(URL, headers=pipeline, json=body)
    assert response.status_code == status, response.get_json()
    assert set(response.get_json()) == {"error", "message"} and message in response.get_json()["message"]
    assert _store(app).get("a").version == 1


def test_a_body_that_is_not_json_and_other_paths(client, pipeline):
    response = client.post(URL, headers=pipeline, data="{not json", content_type="application/json")
    assert response.status_code == 422 and "not valid JSON" in response.get_json()["message"]
    other = client.post("/v1/add_qc_evaluations", headers=pipeline, json={})
    assert other.status_code == 404 and "add_qc_evaluation" in other.get_json()["message"]
    read = client.get(URL, headers=pipeline)
    assert read.status_code == 404 and set(read.get_json()) == {"error", "message"}
