"""Resolving references and the `/references/<asset>/<path>` route, over HTTP."""

from __future__ import annotations

import os

import pytest

from portal import create_app
from portal.references import AssetLocation, LocalFolderResolver, ReferenceResolvers, ResolvedReference, parse
from portal.references.roots import remember_root
from tests.records import record

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VIDEO = bytes(range(256)) * 40  # 10 240 bytes


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "assets" / "ecephys_1"
    (root / "qc" / "Record Node 101#ProbeA").mkdir(parents=True)
    (root / "qc" / "Record Node 101#ProbeA" / "traces.png").write_bytes(PNG)
    (root / "qc" / "clip.mp4").write_bytes(VIDEO)
    (root / "qc" / "psd.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    (root / "qc" / "report.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (root / "qc" / "session_v0.24.0.rrd").write_bytes(b"RRF2" + b"\x00" * 60)
    (root / "qc" / "page.html").write_text("<script>alert(1)</script>")
    (root / "qc" / "x.zarr").mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (root / "qc" / "escape.png").symlink_to(secret)
    (root / "qc" / "inside.png").symlink_to(root / "qc" / "Record Node 101#ProbeA" / "traces.png")
    return root


@pytest.fixture
def app(settings, folder):
    app = create_app(settings)
    rec = record("ecephys_1", _id="id-1")
    rec["location"] = str(folder)
    rec2 = record("remote_1")
    rec2["location"] = "s3://bucket/remote_1"
    portal = app.server.extensions["qc_portal"]
    portal.store.upsert_many([rec, rec2])
    remember_root(portal.users.engine, folder.parent, by="test")  # as `qc-portal ingest` of it would
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


# -- resolver -----------------------------------------------------------------


def test_local_resolver_urls_are_encoded_and_checked(folder):
    resolvers = ReferenceResolvers()
    asset = AssetLocation("ecephys 1", str(folder))
    (ref,) = parse("qc/Record Node 101#ProbeA/traces.png")
    assert resolvers.resolve(asset, ref) == ResolvedReference(
        "/references/ecephys%201/qc/Record%20Node%20101%23ProbeA/traces.png"
    )
    missing = resolvers.resolve(asset, parse("qc/missing.png")[0])
    assert missing.url is None and missing.error == "reference not found: qc/missing.png"
    assert resolvers.resolve(asset, parse("qc/x.zarr/")[0]).ok  # a zarr folder exists
    assert not resolvers.resolve(asset, parse("qc/escape.png")[0]).ok  # symlink out
    assert resolvers.resolve(asset, parse("qc/inside.png")[0]).ok


def test_web_urls_are_used_as_they_are_and_other_schemes_need_their_resolver(folder):
    resolvers = ReferenceResolvers()
    asset = AssetLocation("a", str(folder))
    assert resolvers.resolve(asset, parse("https://x.org/a.png")[0]).url == "https://x.org/a.png"
    s3 = resolvers.resolve(asset, parse("s3://bucket/a.png")[0])
    assert s3.url is None and "s3://" in s3.error
    assert "not served" in resolvers.resolve(asset, parse("file:///etc/passwd.png")[0]).error
    remote = resolvers.resolve(AssetLocation("r", "s3://bucket/r"), parse("qc/a.png")[0])
    assert remote.url is None and "s3://" in remote.error
    assert "no location" in resolvers.resolve(AssetLocation("n", None), parse("qc/a.png")[0]).error


def test_a_resolver_for_a_scheme_plugs_in():
    class Fake:
        def resolve(self, asset, path):
            return ResolvedReference(f"https://signed.example/{asset.key}/{path}")

    resolvers = ReferenceResolvers(by_location={"s3": Fake()}, by_scheme={"sha1": Fake()})
    assert resolvers.resolve(AssetLocation("r", "s3://b/r"), parse("qc/a.png")[0]).url == (
        "https://signed.example/r/qc/a.png"
    )
    assert resolvers.resolve(AssetLocation("r", None), parse("sha1://abc?label=a.png")[0]).ok


def test_file_url_locations_are_local_folders(folder):
    ok = LocalFolderResolver().resolve(AssetLocation("a", folder.as_uri()), "qc/clip.mp4")
    assert ok.url == "/references/a/qc/clip.mp4"


# -- route --------------------------------------------------------------------


def test_serves_a_file_with_its_type_and_cache_headers(client):
    response = client.get("/references/ecephys_1/qc/Record%20Node%20101%23ProbeA/traces.png")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert response.headers.get("ETag")


def test_the_asset_can_be_named_by_id(client):
    assert client.get("/references/id-1/qc/clip.mp4").status_code == 200


def test_range_requests_for_video(client):
    response = client.get("/references/ecephys_1/qc/clip.mp4", headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert response.data == VIDEO[100:200]
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["Accept-Ranges"] == "bytes"


def test_conditional_request_answers_304(client):
    first = client.get("/references/ecephys_1/qc/clip.mp4")
    again = client.get("/references/ecephys_1/qc/clip.mp4", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_svg_and_html_cannot_run_in_the_portal_origin(client):
    svg = client.get("/references/ecephys_1/qc/psd.svg")
    assert svg.headers["Content-Type"].startswith("image/svg+xml")
    assert "sandbox" in svg.headers["Content-Security-Policy"]
    html = client.get("/references/ecephys_1/qc/page.html")
    assert html.headers["Content-Type"].startswith("text/plain")
    pdf = client.get("/references/ecephys_1/qc/report.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    "path",
    [
        "/references/ecephys_1/../../secret.txt",
        "/references/ecephys_1/qc/../../../secret.txt",
        "/references/ecephys_1/%2e%2e/%2e%2e/secret.txt",
        "/references/ecephys_1/qc/%2E%2E/%2E%2E/%2E%2E/secret.txt",
        "/references/ecephys_1/%2Fetc%2Fpasswd",
        "/references/ecephys_1//etc/passwd",
        "/references/ecephys_1/qc/escape.png",
        "/references/ecephys_1/qc%5C..%5C..%5Csecret.txt",
        "/references/ecephys_1/qc/x.zarr",
        "/references/ecephys_1/qc/missing.png",
        "/references/ecephys_1/qc/a%00.png",
        "/references/nope/qc/clip.mp4",
        "/references/remote_1/qc/clip.mp4",
    ],
)
def test_refuses_anything_outside_the_asset_folder(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert b"top secret" not in response.data
    assert b"root:" not in response.data


def test_symlinked_folder_inside_is_fine_but_not_one_leading_out(client, folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.png").write_bytes(PNG)
    os.symlink(outside, folder / "qc" / "linked")
    assert client.get("/references/ecephys_1/qc/linked/a.png").status_code in (400, 404)


def test_rerun_recordings_may_be_fetched_by_the_hosted_rerun_viewer(client):
    got = client.get("/references/ecephys_1/qc/session_v0.24.0.rrd", headers={"Origin": "https://app.rerun.io"})
    assert got.status_code == 200 and got.data.startswith(b"RRF2")
    assert got.headers["Access-Control-Allow-Origin"] == "https://app.rerun.io"
    assert "Content-Length" in got.headers["Access-Control-Expose-Headers"] and "Origin" in got.headers["Vary"]
    # Its preflight (a Range request; Chromium's private-network check) is answered, reading nothing.
    pre = client.open("/references/ecephys_1/qc/session_v0.24.0.rrd", method="OPTIONS", headers={
        "Origin": "https://app.rerun.io", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range", "Access-Control-Request-Private-Network": "true"})
    assert pre.status_code == 204 and pre.data == b""
    assert pre.headers["Access-Control-Allow-Origin"] == "https://app.rerun.io"
    assert pre.headers["Access-Control-Allow-Private-Network"] == "true" and "Range" in pre.headers[
        "Access-Control-Allow-Headers"]
    # Nothing else is shared with another origin.
    png = client.get("/references/ecephys_1/qc/Record%20Node%20101%23ProbeA/traces.png")
    assert "Access-Control-Allow-Origin" not in png.headers
    other = client.open("/references/ecephys_1/qc/clip.mp4", method="OPTIONS", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
