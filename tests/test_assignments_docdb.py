"""The assignments page over the DocDB store: assignments live in its SQL bookkeeping database,
so making, listing and counting them work; the store has no review queue, and the page says so
instead of linking to one."""

from __future__ import annotations

import json

import pytest

from components import ids
from portal import create_app
from portal.settings import load_settings
from tests.auth_helpers import add_user
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record
from tests.test_assignments_page import _cards, _client, _create, _navbar_count, _nodes, _page


@pytest.fixture
def app(fresh_gateway, tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="x",
                             store=fresh_gateway.store_url() + "&create=true")
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([
        record("d1", project="Alpha", metrics=[metric("x", "Pending"), metric("y", "Pending")]),
        record("d2", project="Beta", metrics=[metric("x", "Pending")]),
    ])
    add_user(app, "root", "admin", display_name="Root Admin")
    add_user(app, "ada", "annotator", display_name="Ada Lovelace")
    return app


def test_assignments_work_and_the_page_says_there_is_no_queue(app):
    status, data = _create(_client(app, "root"))
    assert status == 200, data
    assert _cards(data["response"][ids.ASSIGN_LIST]["children"])[1]["data-total"] == 2
    ada = _client(app, "ada")
    assert _navbar_count(ada) == "1"
    text = _page(ada)
    assert "has no review queue yet" in text and "Alpha sweep" in text
    links = [n["props"]["href"] for n in _nodes(json.loads(text), "href", None)]
    assert "/?project=Alpha" in links and not [h for h in links if h.startswith("/review?")]
