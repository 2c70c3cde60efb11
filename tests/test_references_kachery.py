"""kachery-cloud references: a seeded local kachery folder, served through the reference route."""

from __future__ import annotations

import time

import pytest

from portal import create_app
from portal.references import AssetLocation, parse
from portal.references.kachery import KacheryResolver, parse_sha1
from portal.references.route import resolvers

PNG = b"\x89PNG\r\n\x1a\n kachery figure"


@pytest.fixture
def kachery_dir(tmp_path, monkeypatch):
    """An empty kachery-cloud folder and no client credentials."""
    folder = tmp_path / "kachery"
    folder.mkdir()
    monkeypatch.setenv("KACHERY_CLOUD_DIR", str(folder))
    monkeypatch.delenv("KACHERY_CLOUD_CLIENT_ID", raising=False)
    monkeypatch.delenv("KACHERY_CLOUD_PRIVATE_KEY", raising=False)
    return folder


@pytest.fixture
def seeded_uri(kachery_dir, tmp_path):
    import kachery_cloud

    source = tmp_path / "probe drift.png"
    source.write_bytes(PNG)
    uri = kachery_cloud.store_file_local(str(source), label="probe drift.png")
    assert uri.startswith("sha1://")
    return uri


@pytest.fixture
def client(settings, kachery_dir):
    app = create_app(settings)
    return app.server.test_client()


def test_cached_file_is_served_through_the_reference_route_with_the_labels_type(client, seeded_uri):
    (ref,) = parse(seeded_uri)
    assert ref.kind == "image"
    with client.application.app_context():
        resolved = resolvers().resolve(AssetLocation("a", "/x"), ref)
    digest, _ = parse_sha1(seeded_uri)
    assert resolved.url == f"/references/-/kachery/{digest}/probe%20drift.png"
    response = client.get(resolved.url)
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_miss_without_credentials_is_not_available_at_once(kachery_dir):
    started = time.monotonic()
    resolved = KacheryResolver().resolve(AssetLocation("a", None), "sha1://" + "ab" * 20 + "?label=x.png")
    assert not resolved.ok and resolved.error.startswith("reference not available")
    assert "no kachery-cloud credentials" in resolved.error
    assert time.monotonic() - started < 1


def test_route_answers_404_for_a_file_it_cannot_get(client):
    response = client.get("/references/-/kachery/" + "ab" * 20 + "/x.png")
    assert response.status_code == 404 and b"reference not available" in response.data
    assert client.get("/references/-/kachery/not-a-hash/x.png").status_code == 404


def test_a_fetch_that_hangs_times_out(kachery_dir, monkeypatch):
    """With credentials kachery-cloud would call its gateway with no timeout; ours gives up."""
    import kachery_cloud

    monkeypatch.setenv("KACHERY_CLOUD_CLIENT_ID", "fake")
    monkeypatch.setenv("KACHERY_CLOUD_PRIVATE_KEY", "fake")
    real = kachery_cloud.load_file

    def hanging(uri, local_only=False, **kw):
        if local_only:
            return real(uri, local_only=True)
        time.sleep(1.0)  # stands in for a gateway that never answers (no network here)
        return None

    monkeypatch.setattr(kachery_cloud, "load_file", hanging)
    resolver = KacheryResolver(timeout=0.2)
    digest = "cd" * 20
    assert resolver.resolve(AssetLocation("a", None), f"sha1://{digest}?label=x.png").ok  # may be fetched later
    started = time.monotonic()
    with pytest.raises(Exception, match="did not answer within 0.2 s"):
        resolver.file(digest)
    assert time.monotonic() - started < 0.9


def test_bad_uris_are_messages():
    assert "not a sha1://" in KacheryResolver().resolve(AssetLocation("a", None), "sha1://xyz").error
