"""Units of the DocDB store: store URLs, the retrying session, the overview cube."""

from __future__ import annotations

import pytest

from portal.errors import ConfigError
from portal.store.docdb import _take_create
from portal.store.docdb.client import GatewaySession, parse_store_url
from portal.store.docdb.cube import CUBE_TTL, Cubes
from portal.store.protocol import AssetQuery


def test_store_urls():
    target = parse_store_url("docdb://api.example.org?database=metadata_index&collection=data_assets&version=v2")
    assert (target.host, target.plain_http, target.database, target.collection, target.version) == (
        "api.example.org", False, "metadata_index", "data_assets", "v2")
    assert target.label == "https://api.example.org/v2/metadata_index/data_assets"
    local = parse_store_url("docdb+http://127.0.0.1:8080?database=db&collection=c")
    assert local.plain_http and local.host == "127.0.0.1:8080" and local.version == "v2"
    with pytest.raises(ConfigError, match="unknown parameter 'colection'"):
        parse_store_url("docdb://h?colection=x")
    with pytest.raises(ConfigError):
        parse_store_url("http://h")
    assert _take_create("docdb+http://h:1?database=d&create=true") == ("docdb+http://h:1?database=d", True)
    assert _take_create("docdb://h?database=d")[1] is False


def test_session_maps_https_to_http_only_when_asked(monkeypatch):
    seen = []

    def fake(self, method, url, *args, **kwargs):
        seen.append((url, kwargs["timeout"]))

        class Answer:
            status_code = 200

        return Answer()

    monkeypatch.setattr("requests.Session.request", fake)
    GatewaySession(timeout=3, plain_http=True).request("GET", "https://h/v2/db/c/find")
    GatewaySession(timeout=4).request("GET", "https://h/v2/db/c/find")
    assert seen == [("http://h/v2/db/c/find", 3), ("https://h/v2/db/c/find", 4)]


def test_cube_answers_three_questions_from_one_fetch_and_expires():
    now = [0.0]
    fetched = []
    rows = [
        {"_id": {"p": "Alpha", "s": "Fail", "m": [{"m": "ecephys", "s": "Fail"}, {"m": "behavior", "s": "Pass"}]},
         "n": 2},
        {"_id": {"p": None, "s": "No QC", "m": [{"m": "(none)", "s": "No QC"}]}, "n": 1},
    ]
    cubes = Cubes(lambda q: fetched.append(q) or rows, clock=lambda: now[0])
    query = AssetQuery()
    assert cubes.status_totals(query) == {"Fail": 2, "No QC": 1}
    assert {(g.key, g.status, g.n) for g in cubes.by_project(query)} == {("Alpha", "Fail", 2), (None, "No QC", 1)}
    assert {(c.project, c.modality, c.status, c.n) for c in cubes.counts(query)} == {
        ("Alpha", "ecephys", "Fail", 2), ("Alpha", "behavior", "Pass", 2), ("(no project)", "(none)", "No QC", 1)}
    only = {(c.modality, c.n) for c in cubes.counts(AssetQuery(modality=("behavior",)))}
    assert only == {("behavior", 2)} and len(fetched) == 2  # another query, another cube
    now[0] += CUBE_TTL + 1
    cubes.status_totals(query)
    assert len(fetched) == 3
