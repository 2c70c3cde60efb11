"""REST API writes over HTTP: pushing metrics (JSON, 1.x evaluations, files) and annotating."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from portal import create_app
from portal.settings import load_settings
from tests.api_helpers import bearer, make_token, seed
from tests.auth_helpers import add_user, login
from tests.records import metric, record
from tests.s3_fixtures import *  # noqa: F403


@pytest.fixture
def app(settings, tmp_path):
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def annotator(app):
    return bearer(make_token(app, "ada", "annotator", "Ada Lovelace"))


@pytest.fixture
def pipeline(app):
    """A service account: it may push status entries under evaluators other than its own name."""
    return bearer(make_token(app, "capsule", "pipeline", "Capsule"))


def _store(app):
    return app.server.extensions["qc_portal"].store


def _qc(app, name="a") -> dict:
    return _store(app).get(name).record["quality_control"]


def _metric(app, metric_name: str, name="a") -> dict:
    return next(m for m in _qc(app, name)["metrics"] if m["name"] == metric_name)


# -- who may write ----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/assets/a/qc/metrics", "/api/v1/assets/a/annotations"])
def test_writes_need_an_annotator(app, client, url):
    anonymous = client.post(url, json={"metrics": [metric("x")]})
    assert anonymous.status_code == 401 and set(anonymous.get_json()) == {"error", "message"}
    viewer = client.post(url, json={"version": 1, "changes": [{"metric": "drift", "status": "Fail"}]},
                         headers=bearer(make_token(app, "vic", "viewer")))
    assert viewer.status_code == 403 and "viewer" in viewer.get_json()["message"]
    assert _store(app).get("a").version == 1


def test_a_token_call_is_exempt_from_the_origin_check_but_a_cookie_is_not(app, client, annotator):
    body = {"version": 1, "changes": [{"metric": "drift", "status": "Fail"}]}
    cross = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert client.post("/api/v1/assets/a/annotations", json=body, headers={**annotator, **cross}).status_code == 200
    add_user(app, "sam", "annotator")
    login(client, "sam")  # now the browser also carries the session cookie
    refused = client.post("/api/v1/assets/a/annotations", json={**body, "version": 2},
                          headers={**annotator, **cross})
    assert refused.status_code == 403


# -- POST /qc/metrics ----------------------------------------------------------------------


def test_push_adds_and_replaces_keeping_reviewers_entries(app, client, annotator, pipeline):
    reviewed = client.post("/api/v1/assets/a/annotations", headers=annotator,
                           json={"version": 1, "changes": [{"metric": "drift", "status": "Fail"}]})
    assert reviewed.status_code == 200
    now = datetime.now(UTC).isoformat()
    newer = metric("drift", "Pass", value=0.2, evaluator="pipeline", timestamp=now)
    response = client.post("/api/v1/assets/a/qc/metrics", headers=pipeline,
                           json={"metrics": [newer, metric("new one", "Pending")]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"version": 3, "added": ["new one"], "replaced": ["drift"], "files": []}
    drift = _metric(app, "drift")
    assert drift["value"] == 0.2
    assert [(h["evaluator"], h["status"]) for h in drift["status_history"]] == [
        ("Automated", "Pending"), ("Ada Lovelace", "Fail"), ("pipeline", "Pass")]
    entry = _store(app).audit_log(asset="a")[0]
    # The audit log names the account that pushed, and each entry new to the asset.
    assert (entry.user, entry.action) == ("capsule", "add_metrics")
    assert [(e["key"], e["evaluator"]) for e in entry.detail["entries"]] == [
        ("drift [ecephys, Raw data]", "pipeline"), ("new one [ecephys, Raw data]", "Automated")]


def test_push_takes_a_bare_list_and_creates_missing_qc(app, client, pipeline):
    response = client.post("/api/v1/assets/bare/qc/metrics", headers=pipeline, json=[metric("first", "Fail")])
    assert response.status_code == 200 and response.get_json()["added"] == ["first"]
    asset = client.get("/api/v1/assets/bare").get_json()
    assert asset["status"]["overall"] == "Fail" and asset["qc_state"] == "ok"


def test_push_of_a_1x_evaluation_is_normalised(app, client, pipeline):
    evaluation = {"evaluation_modality": {"name": "Extracellular electrophysiology", "abbreviation": "ecephys"},
                  "evaluation_stage": "Processing", "evaluation_name": "Sorting", "allow_failed_metrics": True,
                  "qc_metrics": [{"name": "units", "value": 120, "metric_status_history": [
                      {"evaluator": "sorter", "status": "Fail", "timestamp": "2025-01-03T00:00:00Z"}]}]}
    response = client.post("/api/v1/assets/a/qc/metrics", headers=pipeline, json={"evaluation": evaluation})
    assert response.status_code == 200, response.get_json()
    units = _metric(app, "units")
    assert units["tags"] == {"evaluation": "Sorting"} and units["stage"] == "Processing"
    assert "evaluation:Sorting" in _qc(app)["allow_tag_failures"]


@pytest.mark.parametrize(("body", "message"), [
    ({"metrics": [{"name": "x", "value": 1}]}, "modality"),
    ({"metrics": [metric("x", status="Great")]}, "status"),
    ({"metrics": [metric("x", history=[])]}, "status_history is empty"),
    ({"metrics": []}, "non-empty"),
    ({"metrics": [metric("x")], "evaluation": {}}, "either"),
    ({"metric": [metric("x")]}, "metric"),
    ({"evaluation": {"name": "no metrics", "modality": "ecephys", "stage": "Raw data", "metrics": []}},
     "no metrics"),
    ("not json at all", "not valid JSON"),
])
def test_push_refuses_invalid_metrics_and_writes_nothing(app, client, pipeline, body, message):
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
    response = client.post("/api/v1/assets/a/qc/metrics", headers=pipeline, **kwargs)
    assert response.status_code == 422, response.get_json()
    assert message in response.get_json()["message"]
    assert _store(app).get("a").version == 1


def test_push_to_unknown_or_unreadable_assets(client, annotator):
    assert client.post("/api/v1/assets/nope/qc/metrics", headers=annotator, json=[metric("x")]).status_code == 404
    broken = client.post("/api/v1/assets/broken/qc/metrics", headers=annotator, json=[metric("x")])
    assert broken.status_code == 422 and "cannot be read" in broken.get_json()["message"]


def _multipart(metrics: list[dict], files: dict[str, bytes]) -> dict:
    data = {"payload": json.dumps({"metrics": metrics})}
    data["files"] = [(io.BytesIO(content), name) for name, content in files.items()]
    return data


def test_push_with_files_stores_them_in_the_asset_folder_and_references_them(app, client, pipeline, tmp_path):
    png = b"\x89PNG\r\n\x1a\n fake image"
    metrics = [metric("drift map", "Pending", reference="drift map.png"),
               metric("pair", "Pass", reference="left.png;right.png")]
    files = {"drift map.png": png, "../../../evil/left.png": b"L", "right.png": b"R"}
    response = client.post("/api/v1/assets/a/qc/metrics", headers=pipeline, data=_multipart(metrics, files),
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    stored = {f["name"]: f for f in response.get_json()["files"]}
    assert set(stored) == {"drift map.png", "left.png", "right.png"}
    assert stored["drift map.png"] == {"name": "drift map.png", "reference": "qc/uploads/drift map.png",
                                       "size": len(png)}
    folder = tmp_path / "assets" / "a" / "qc" / "uploads"
    assert (folder / "drift map.png").read_bytes() == png
    assert not (tmp_path / "evil").exists() and (folder / "left.png").read_bytes() == b"L"
    assert _metric(app, "drift map")["reference"] == "qc/uploads/drift map.png"
    assert _metric(app, "pair")["reference"] == "qc/uploads/left.png;qc/uploads/right.png"
    served = client.get("/references/a/qc/uploads/drift%20map.png")
    assert served.status_code == 200 and served.data == png


@pytest.mark.parametrize(("files", "message"), [
    ({"..": b"x"}, "unusable file name"),
    ({".hidden": b"x"}, "unusable file name"),
    ({"big.png": b"x" * (1024 * 1024 + 1)}, "larger than the limit"),
])
def test_push_refuses_bad_files_and_stores_nothing(tmp_path, files, message):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="test-secret", upload_max_mb=1)
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    client = app.server.test_client()
    response = client.post("/api/v1/assets/a/qc/metrics", headers=bearer(make_token(app, "ada", "annotator")),
                           data=_multipart([metric("m")], files), content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_json()["message"]
    assert not (tmp_path / "assets" / "a" / "qc").exists()
    assert app.server.extensions["qc_portal"].store.get("a").version == 1


def test_push_of_files_needs_a_location(client, annotator):
    response = client.post("/api/v1/assets/b/qc/metrics", headers=annotator,
                           data=_multipart([metric("m")], {"f.png": b"x"}), content_type="multipart/form-data")
    assert response.status_code == 422 and "no folder or S3 location" in response.get_json()["message"]


def test_push_with_files_to_an_s3_asset_puts_objects_next_to_it(tmp_path, moto_s3, s3_client, bucket):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="test-secret", s3_endpoint=moto_s3)
    app = create_app(settings)
    rec = record("s3-asset", metrics=[metric("m", "Pass")])
    rec["location"] = f"s3://{bucket}/s3-asset"
    app.server.extensions["qc_portal"].store.upsert_many([rec])
    client = app.server.test_client()
    response = client.post("/api/v1/assets/s3-asset/qc/metrics", headers=bearer(make_token(app, "cap", "pipeline")),
                           data=_multipart([metric("fig", reference="fig.png")], {"fig.png": b"\x89PNG s3"}),
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    got = s3_client.get_object(Bucket=bucket, Key="s3-asset/qc/uploads/fig.png")
    assert got["Body"].read() == b"\x89PNG s3" and got["ContentType"] == "image/png"


# -- POST /annotations ----------------------------------------------------------------------


def _annotate(client, headers, body, name="a"):
    return client.post(f"/api/v1/assets/{name}/annotations", headers=headers, json=body)


def test_annotate_writes_the_tokens_account_as_evaluator(app, client, annotator):
    response = _annotate(client, annotator, {"version": 1, "notes": "checked", "changes": [
        {"metric": "drift", "status": "Fail", "value": 2.5, "comment": "drifts after 10 min"},
        {"metric": "label", "value": "bad"}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["applied"] is True and body["version"] == 2
    assert {(c["metric"], c["field"]) for c in body["changes"]} == {
        ("drift", "value"), ("drift", "status"), ("drift", "comment"), ("label", "value"), ("", "notes")}
    drift = _metric(app, "drift")
    assert drift["status_history"][-1]["evaluator"] == "Ada Lovelace" and drift["value"] == 2.5
    assert _qc(app)["notes"] == "checked"
    audit = _store(app).audit_log(asset="a")[0]
    assert audit.user == "ada" and audit.detail["evaluator"] == "Ada Lovelace"  # the account, and who it writes as
    assert {"metric": "drift", "key": "drift [ecephys, Raw data]", "field": "comment", "old": None,
            "new": "drifts after 10 min"} in audit.detail["changes"]


def test_a_stale_version_conflicts_with_the_entries_made_since(app, client, annotator):
    bob = bearer(make_token(app, "bob", "annotator", "Bob"))
    assert _annotate(client, bob, {"version": 1, "changes": [{"metric": "drift", "status": "Pass"}]}).status_code == 200
    stale = _annotate(client, annotator, {"version": 1, "changes": [{"metric": "drift", "status": "Fail"}]})
    assert stale.status_code == 409
    body = stale.get_json()
    assert set(body) == {"error", "message", "version", "conflicts"} and body["version"] == 2
    (conflict,) = body["conflicts"]
    assert conflict["metric"] == "drift" and conflict["field"] == "status" and conflict["yours"] == "Fail"
    assert conflict["theirs"][-1]["evaluator"] == "Bob"
    assert _store(app).get("a").version == 2  # nothing written
    # Saying what was seen narrows conflicts to what changed since: another metric goes through.
    other = _annotate(client, annotator, {"version": 1, "changes": [
        {"metric": "noise", "status": "Fail", "seen_history": 1}]})
    assert other.status_code == 200 and other.get_json()["version"] == 3
    forced = _annotate(client, annotator, {"version": 1, "force": True, "changes": [
        {"metric": "drift", "status": "Fail"}]})
    assert forced.status_code == 200
    assert [h["evaluator"] for h in _metric(app, "drift")["status_history"]] == ["Automated", "Bob", "Ada Lovelace"]


def test_stale_value_and_notes_conflict_unless_seen(app, client, annotator):
    assert _annotate(client, annotator, {"version": 1, "changes": [{"metric": "label", "value": "ok"}]}).status_code \
        == 200
    value = _annotate(client, annotator, {"version": 1, "changes": [{"metric": "label", "value": "meh"}]})
    assert value.status_code == 409 and value.get_json()["conflicts"][0]["theirs"] == "ok"
    seen = _annotate(client, annotator, {"version": 1, "changes": [
        {"metric": "drift", "value": 9.0, "seen_value": 1.5}]})
    assert seen.status_code == 200
    notes = _annotate(client, annotator, {"version": 1, "notes": "mine"})
    assert notes.status_code == 409 and notes.get_json()["conflicts"][0]["field"] == "notes"
    assert _annotate(client, annotator, {"version": 1, "notes": "mine", "seen_notes": "first look"}).status_code == 200


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"version": 1, "changes": [{"metric": "zzz", "status": "Pass"}]}, 422, "does not exist"),
    ({"version": 1, "changes": [{"metric": "drift", "status": "Great"}]}, 422, "changes.0.status"),
    ({"version": 1, "changes": [{"metric": "drift", "value": "high"}]}, 422, "expected a number"),
    ({"version": 1, "changes": [{"metric": "drift", "colour": "red"}]}, 422, "colour"),
    ({"version": 1, "changes": []}, 422, "nothing to change"),
    ({"changes": [{"metric": "drift", "status": "Pass"}]}, 422, "version"),
    ({"version": 0, "changes": [{"metric": "drift", "status": "Pass"}]}, 422, "version"),
    ([1, 2], 422, "body"),
])
def test_annotate_refusals(app, client, annotator, body, status, message):
    response = _annotate(client, annotator, body)
    assert response.status_code == status, response.get_json()
    assert message in response.get_json()["message"]
    assert _store(app).get("a").version == 1


def test_annotate_unknown_asset_is_404(client, annotator):
    response = _annotate(client, annotator, {"version": 1, "changes": [{"metric": "m", "status": "Pass"}]}, "nope")
    assert response.status_code == 404


# -- same-named metrics, attribution, conflicts, bounds -----------------------------------------


def _probes_asset(app):
    rec = record("probes", metrics=[metric("Drift", "Pending", tags={"probe": "ProbeA"}),
                                    metric("Drift", "Pending", tags={"probe": "ProbeB"})])
    _store(app).upsert_many([rec])


def test_qc_lists_every_metric_with_its_key(app, client, annotator):
    _probes_asset(app)
    body = client.get("/api/v1/assets/probes/qc").get_json()
    assert [m["key"] for m in body["metrics"]] == ["Drift [ecephys, Raw data, probe=ProbeA]",
                                                    "Drift [ecephys, Raw data, probe=ProbeB]"]
    assert body["metrics"][1] == {"key": "Drift [ecephys, Raw data, probe=ProbeB]", "name": "Drift",
                                  "modality": "ecephys", "stage": "Raw data", "tags": {"probe": "ProbeB"},
                                  "occurrence": 1, "status": "Pending", "history": 1}
    # A change may send the key instead of the name.
    by_key = _annotate(client, annotator, {"version": 1, "changes": [
        {"key": body["metrics"][1]["key"], "status": "Fail"}]}, "probes")
    assert by_key.status_code == 200, by_key.get_json()
    assert by_key.get_json()["changes"][0]["key"] == "Drift [ecephys, Raw data, probe=ProbeB]"
    metrics = _qc(app, "probes")["metrics"]
    assert [len(m["status_history"]) for m in metrics] == [1, 2]


def test_an_ambiguous_change_is_422_naming_the_candidates(app, client, annotator):
    _probes_asset(app)
    response = _annotate(client, annotator, {"version": 1, "changes": [
        {"metric": "Drift", "status": "Fail"}]}, "probes")
    assert response.status_code == 422
    assert "matches 2 metrics" in response.get_json()["message"] and "probe=ProbeA" in response.get_json()["message"]
    by_tags = _annotate(client, annotator, {"version": 1, "changes": [
        {"metric": "Drift", "tags": {"probe": "ProbeA"}, "status": "Fail"}]}, "probes")
    assert by_tags.status_code == 200
    assert [len(m["status_history"]) for m in _qc(app, "probes")["metrics"]] == [2, 1]


def test_an_annotator_cannot_push_entries_as_someone_else(app, client, annotator, pipeline):
    forged = metric("drift", "Pass", evaluator="Bob", timestamp=datetime.now(UTC).isoformat())
    response = client.post("/api/v1/assets/a/qc/metrics", headers=annotator, json=[forged])
    assert response.status_code == 403 and "Bob" in response.get_json()["message"]
    own = metric("drift", "Pass", evaluator="Ada Lovelace", timestamp=datetime.now(UTC).isoformat())
    assert client.post("/api/v1/assets/a/qc/metrics", headers=annotator, json=[own]).status_code == 200
    # The pipeline role may name its own evaluators ("Automated"), listed with the account in the audit log.
    automated = metric("noise", "Fail", evaluator="Automated", timestamp=datetime.now(UTC).isoformat())
    assert client.post("/api/v1/assets/a/qc/metrics", headers=pipeline, json=[automated]).status_code == 200
    assert _store(app).audit_log(asset="a")[0].user == "capsule"


def test_a_push_dated_in_the_future_is_refused(app, client, pipeline):
    from datetime import timedelta

    ahead = metric("drift", "Pass", timestamp=(datetime.now(UTC) + timedelta(seconds=75)).isoformat())
    response = client.post("/api/v1/assets/a/qc/metrics", headers=pipeline, json=[ahead])
    assert response.status_code == 422 and "in the future" in response.get_json()["message"]
    assert _store(app).get("a").version == 1
    skewed = metric("drift", "Pass", timestamp=(datetime.now(UTC) + timedelta(seconds=20)).isoformat())
    assert client.post("/api/v1/assets/a/qc/metrics", headers=pipeline, json=[skewed]).status_code == 200


def test_a_conflict_answer_holds_what_a_one_step_resubmit_needs(app, client, annotator):
    bob = bearer(make_token(app, "bob", "annotator", "Bob"))
    assert _annotate(client, bob, {"version": 1, "changes": [
        {"metric": "drift", "status": "Pass", "seen_history": 1}]}).status_code == 200
    stale = _annotate(client, annotator, {"version": 1, "changes": [
        {"metric": "drift", "status": "Fail", "seen_history": 1}]})
    assert stale.status_code == 409
    body = stale.get_json()
    (conflict,) = body["conflicts"]
    assert conflict["key"] == "drift [ecephys, Raw data]"
    assert conflict["current"] == {"seen_history": 2, "status": "Pass", "value": 1.5}
    # Having seen Bob's Pass, the reviewer decides again with what the answer gave: it goes through.
    again = _annotate(client, annotator, {"version": body["version"], "changes": [
        {"key": conflict["key"], "status": "Fail", "seen_history": conflict["current"]["seen_history"]}]})
    assert again.status_code == 200 and again.get_json()["version"] == 3


def test_too_many_changes_in_one_request_is_413(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="test-secret", max_changes=2)
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    headers = bearer(make_token(app, "ada", "annotator", "Ada Lovelace"))
    changes = [{"metric": name, "status": "Fail"} for name in ("drift", "noise", "label")]
    response = app.server.test_client().post("/api/v1/assets/a/annotations", headers=headers,
                                             json={"version": 1, "changes": changes})
    assert response.status_code == 413 and "QC_PORTAL_MAX_CHANGES" in response.get_json()["message"]
    assert _store(app).get("a").version == 1
