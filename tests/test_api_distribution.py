"""GET /api/v1/projects/{name}/metrics/distribution over HTTP: the documented shape, this
asset's value, and a clear 4xx (or the DocDB store's 501) for everything else."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.errors import Unsupported
from portal.store.docdb.store import DocDbAssetStore
from tests.records import metric, record

URL = "/api/v1/projects/Alpha/metrics/distribution"


@pytest.fixture
def client(settings):
    app = create_app(settings)
    store = app.server.extensions["qc_portal"].store
    store.upsert_many([record(f"a{i}", project="Alpha", metrics=[
        metric("noise", ("Pass", "Fail", "Pending")[i % 3], value=float(i)), metric("label", value="x")])
        for i in range(10)] + [record("other", project="Beta", metrics=[metric("noise", value=100.0)])])
    return app.server.test_client()


def test_distribution_shape_and_asset_value(client):
    response = client.get(f"{URL}?metric=noise&modality=ecephys&stage=Raw data&asset=a3")
    body = response.get_json()
    assert response.status_code == 200, body
    assert set(body) == {"n", "median", "mad", "p5", "p95", "bins", "asset", "asset_values"}
    assert (body["n"], body["median"], body["mad"]) == (10, 4.5, 2.5)
    assert body["p5"] == pytest.approx(0.45) and body["p95"] == pytest.approx(8.55)
    assert body["asset"] == 3.0 and body["asset_values"] == [3.0]
    assert len(body["bins"]) == 20 and set(body["bins"][0]) == {"lo", "hi", "pass", "fail", "pending"}
    assert sum(b["pass"] for b in body["bins"]) == 4 and sum(b["fail"] for b in body["bins"]) == 3
    plain = client.get(f"{URL}?metric=noise&modality=ecephys&stage=Raw data").get_json()
    assert "asset" not in plain and plain["n"] == 10


@pytest.mark.parametrize(("query", "status", "words"), [
    ("?metric=nope&modality=ecephys&stage=Raw data", 404, "has no metric"),
    ("?metric=label&modality=ecephys&stage=Raw data", 422, "no numeric values"),
    ("?metric=noise&modality=ecephys", 422, "missing query parameter: stage"),
    ("?metric=noise&modality=telepathy&stage=Raw data", 422, "unknown modality"),
    ("?metric=noise&modality=ecephys&stage=Cooking", 422, "stage must be"),
    ("?metric=noise&modality=ecephys&stage=Raw data&colour=red", 422, "unknown query parameter"),
    ("?metric=noise&modality=ecephys&stage=Raw data&asset=nope", 404, "Asset not found"),
    ("?metric=noise&modality=ecephys&stage=Raw data&asset=other", 200, ""),
])
def test_distribution_refusals_are_clear(client, query, status, words):
    response = client.get(URL + query)
    assert response.status_code == status, response.get_json()
    assert words in (response.get_json().get("message") or "")


def test_unknown_project_is_404(client):
    response = client.get("/api/v1/projects/Nowhere/metrics/distribution?metric=noise&modality=ecephys&stage=Raw data")
    assert response.status_code == 404


def test_the_docdb_store_refuses_clearly():
    with pytest.raises(Unsupported, match="need the SQL store"):
        DocDbAssetStore.metric_distribution(None, "Alpha", "noise", "ecephys", "Raw data")
