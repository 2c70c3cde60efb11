"""Unknown pages and unknown assets answer HTTP 404 with the page shell (the browser then shows
the page's message; tests/browser/test_shell.py): Flask test client over a real app."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portal import create_app
from tests.records import record


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.entry = False

    def handle_starttag(self, tag, attrs):
        self.entry = self.entry or dict(attrs).get("id") == "react-entry-point"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from portal.settings import load_settings

    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("nf"), secret_key="not-found-tests"))
    app.server.extensions["qc_portal"].store.upsert_many([record("ecephys_1", _id="id-1"),
                                                          record("Record Node 101#Probe A", _id="id-2"),
                                                          record("unreadable_qc", qc={"metrics": "not a list"}),
                                                          record("no_qc", qc=False)])
    return app.server.test_client()


@pytest.mark.parametrize(("path", "status"), [
    ("/", 200), ("/asset/ecephys_1", 200), ("/asset/id-1", 200), ("/asset/Record%20Node%20101%23Probe%20A", 200),
    ("/project/Alpha", 200), ("/upload", 200),
    ("/asset/unreadable_qc", 200), ("/asset/no_qc", 200),  # the asset is there: its page says what is wrong
    ("/asset/nope", 404), ("/no/such/page", 404), ("/404", 404), ("/assetx/ecephys_1", 404),
])
def test_page_statuses(client, path, status):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, path
    parser = _Scripts()
    parser.feed(response.get_data(as_text=True))
    assert parser.entry and response.mimetype == "text/html"  # the shell: Dash renders the message


def test_head_and_api_paths(client):
    assert client.head("/asset/nope").status_code == 404
    assert client.head("/asset/ecephys_1").status_code == 200
    api = client.get("/api/v1/nope")
    assert api.status_code == 404 and api.mimetype == "application/json"
    assert client.get("/assets/00-bootstrap.min.css").status_code == 200
