"""The login gate for scripts and odd paths (QC_PORTAL_REQUIRE_LOGIN): tokens are answered with
JSON, never a login page; a valid token reads reference files; `next` keeps `#`, spaces and `%`.
Flask test client over a real app and SQLite."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from portal import create_app
from tests.api_helpers import bearer, make_token, seed
from tests.auth_helpers import add_user, login

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def closed_app(settings, tmp_path):
    app = create_app(settings.model_copy(update={"require_login": True}))
    seed(app, tmp_path / "assets")
    (tmp_path / "assets" / "a" / "fig.png").write_bytes(b"\x89PNG\r\n\x1a\nfigure")
    return app


@pytest.mark.parametrize("path", ["/api/v1/assets", "/", "/asset/a", "/references/a/fig.png", "/v1/x"])
def test_a_bad_token_is_a_401_json_answer_never_a_login_page(closed_app, path):
    response = closed_app.server.test_client().get(path, headers={**HTML, **bearer("qcp_revoked-or-typo")})
    assert response.status_code == 401 and response.mimetype == "application/json", path
    assert set(response.get_json()) == {"error", "message"}
    assert "Location" not in response.headers


def test_a_valid_token_reads_reference_files_but_not_pages(closed_app):
    token = bearer(make_token(closed_app, "script", "viewer"))
    client = closed_app.server.test_client()
    figure = client.get("/references/a/fig.png", headers=token)
    assert figure.status_code == 200 and figure.data.endswith(b"figure")
    assert client.get("/api/v1/assets/a", headers=token).status_code == 200
    page = client.get("/", headers={**HTML, **token})
    assert page.status_code == 401 and "/references/" in page.get_json()["message"]
    # Without a token the same file needs a session, as before.
    assert client.get("/references/a/fig.png").status_code == 401


def test_a_token_reads_figures_where_login_is_not_required_too(settings, tmp_path):
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    (tmp_path / "assets" / "a" / "fig.png").write_bytes(b"\x89PNG\r\n\x1a\nfigure")
    client = app.server.test_client()
    assert client.get("/references/a/fig.png", headers=bearer(make_token(app, "s", "viewer"))).status_code == 200
    assert client.get("/references/a/fig.png", headers=bearer("qcp_nope")).status_code == 401


@pytest.mark.parametrize("name", ["Record Node 101#Neuropix-PXI-100.ProbeA", "50% done", "a b%2Fc #x?y"])
def test_next_keeps_hash_spaces_and_percent(closed_app, name):
    add_user(closed_app, "ada", "annotator")
    client = closed_app.server.test_client()
    url = "/asset/" + quote(name, safe="") + "?node=a%20b"
    gated = client.get(url, headers=HTML)
    assert gated.status_code == 302
    target = parse_qs(urlsplit(gated.headers["Location"]).query)["next"][0]
    page = client.get(gated.headers["Location"])
    assert page.status_code == 200
    signed_in = login(client, "ada", next=target)
    assert signed_in.status_code == 302
    back = urlsplit(signed_in.headers["Location"])
    # The browser goes back to the very asset (the path decodes to its name) and the same query.
    assert unquote(back.path) == "/asset/" + name.replace("%2F", "%2F") and back.query == "node=a%20b"
    assert "#" not in signed_in.headers["Location"]
