"""Static files and Dash bundles travel gzipped with long-lived cache headers on fingerprinted
URLs and 304s elsewhere (portal.ops.delivery): Flask test client over a real app."""

from __future__ import annotations

import gzip
import re

import pytest

from portal import create_app
from portal.ops.delivery import YEAR
from tests.api_helpers import seed

GZ = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from portal.settings import load_settings

    data = tmp_path_factory.mktemp("delivery")
    app = create_app(load_settings(data_dir=data / "data", secret_key="delivery-tests"))
    seed(app, data / "assets")
    (data / "assets" / "a" / "notes.txt").write_text("plain text reference " * 200)
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


def _page_urls(client) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', client.get("/").get_data(as_text=True))


def test_fingerprinted_bundles_are_gzipped_and_immutable(client):
    bundle = next(u for u in _page_urls(client) if "dash_ag_grid.v" in u)
    plain = client.get(bundle)
    packed = client.get(bundle, headers=GZ)
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert packed.headers["Cache-Control"] == YEAR and plain.headers["Cache-Control"] == YEAR
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 3
    assert "Content-Encoding" not in plain.headers  # a client that does not ask gets the plain file


def test_assets_with_their_mtime_are_immutable_others_revalidate_with_304(client):
    css = next(u for u in _page_urls(client) if "00-bootstrap.min.css?m=" in u)
    linked = client.get(css, headers=GZ)
    assert linked.headers["Cache-Control"] == YEAR and linked.headers["Content-Encoding"] == "gzip"
    bare = client.get("/assets/00-bootstrap.min.css", headers=GZ)
    assert bare.headers["Cache-Control"] == "no-cache"
    etag = bare.headers["ETag"]
    assert etag.startswith('W/"')  # another encoding of the file: a weak validator
    again = client.get("/assets/00-bootstrap.min.css", headers={**GZ, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_lazy_dash_chunks_revalidate_with_304(client):
    url = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    first = client.get(url, headers=GZ)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
    assert first.headers["Content-Encoding"] == "gzip" and len(first.data) < 2_000_000
    again = client.get(url, headers={**GZ, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b"" and again.headers["Cache-Control"] == "no-cache"
    assert client.get("/_favicon.ico?v=4.4.1").headers["Cache-Control"] == YEAR
    # Browsers ask for /favicon.ico on pages Dash did not make: it is there, not a 404 page.
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/x-icon"


def test_pages_layouts_and_api_answers_are_gzipped_but_not_cached(client):
    for url in ("/", "/_dash-layout", "/_dash-dependencies", "/api/v1/assets?limit=5"):
        response = client.get(url, headers=GZ)
        assert response.headers.get("Content-Encoding") == "gzip", url
        assert response.headers["Cache-Control"] == "no-store", url
        assert gzip.decompress(response.data)


def test_what_is_not_compressed(client):
    reference = client.get("/references/a/notes.txt", headers=GZ)
    assert reference.status_code == 200 and "Content-Encoding" not in reference.headers  # the user's own bytes
    csv = client.get("/export/assets.csv", headers=GZ)
    assert csv.status_code == 200 and "Content-Encoding" not in csv.headers  # streamed, whatever its size
    small = client.get("/healthz", headers=GZ)
    assert "Content-Encoding" not in small.headers
    ranged = client.get("/assets/00-bootstrap.min.css", headers={**GZ, "Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.data) == 100 and "Content-Encoding" not in ranged.headers


def test_dash_plotly_url_serves_the_portal_bundle_and_the_full_one_on_request(client):
    """The charts' plotly.js is the portal's small bundle; `?bundle=full` is what Dash ships."""
    from portal.ops.plotly_bundle import FULL_BUNDLE, PORTAL_BUNDLE

    url = "/_dash-component-suites/plotly/package_data/plotly.min.js"
    small = client.get(url, headers=GZ)
    assert small.status_code == 200 and small.mimetype == "application/javascript"
    assert small.headers["Content-Encoding"] == "gzip" and small.headers["Cache-Control"] == "no-cache"
    assert gzip.decompress(small.data) == PORTAL_BUNDLE.read_bytes()
    assert len(small.data) < 500_000  # the full bundle is ~1.47 MB gzipped
    full = client.get(url + "?bundle=full")
    assert full.status_code == 200 and full.data == FULL_BUNDLE.read_bytes()
    again = client.get(url, headers={**GZ, "If-None-Match": small.headers["ETag"]})
    assert again.status_code == 304
