"""Content safety: which URLs become links, images and iframes; markdown without HTML;
security headers on every response; and no eval/exec/raw HTML anywhere in the code."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from dash import dcc, html

from components.asset.viewers import iframe_viewer, viewer
from components.markdown import markdown
from portal import create_app
from portal.security.headers import is_document_type
from portal.security.urls import embeddable, safe_url
from portal.views.asset.viewers import Viewer
from tests.walk import iter_tree, texts

ROOT = Path(__file__).resolve().parents[1]
HOSTS = frozenset({"figurl.org", "neuroglancer-demo.appspot.com", "viewer.lab.org:8443"})


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
     "java\nscript:alert(1)", "\x01javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>",
     "data:image/svg+xml;base64,PHN2Zz4=", "file:///etc/passwd", "mailto:a@b.c", "blob:https://x/y",
     "https:evil.example", "http:/evil.example", "", "   ", None, 42],
)
def test_unsafe_urls_never_become_links(url):
    assert safe_url(url) is None


@pytest.mark.parametrize(
    "url",
    ["https://figurl.org/f?v=1", "http://lab.example/x.png", "figures/a.png", "/asset/x", "../a.png", "?q=1",
     "#metric", "//cdn.example/x.png", "qc/Record Node 101#ProbeA/traces.png"],
)
def test_web_and_relative_urls_are_kept(url):
    assert safe_url(url) == url


@pytest.mark.parametrize(
    ("url", "ok"),
    [("https://figurl.org/f?v=1", True), ("https://FIGURL.org/f", True), ("https://viewer.lab.org:8443/x", True),
     ("http://figurl.org/f", False), ("https://figurl.org.evil.example/", False),
     ("https://evil.example/?figurl.org", False), ("https://user:pw@figurl.org/", False),
     ("https://figurl.org:444/", False), ("https://viewer.lab.org/x", False), ("javascript:figurl.org", False),
     ("https://figurl.org\t/x", False), ("//figurl.org/f", False)],
)
def test_iframes_only_for_allowed_https_hosts(url, ok):
    assert embeddable(url, HOSTS) is ok


def test_the_iframe_component_refuses_anything_but_https():
    for src in ("javascript:alert(1)", "http://figurl.org/f", "data:text/html,x"):
        assert not [n for n in iter_tree(iframe_viewer(src, "x")) if isinstance(n, html.Iframe)]


def test_a_viewer_with_an_unsafe_url_shows_no_link():
    tree = viewer(Viewer("link", "1-0", "x", "javascript:alert(1)", "javascript:alert(1)"))
    assert not [n for n in iter_tree(tree) if isinstance(n, (html.A, html.Img, html.Iframe))]
    assert "unsupported URL" in texts(tree)


PAYLOADS = "<script>alert(1)</script> <img src=x onerror=alert(2)> <iframe src=javascript:alert(3)></iframe>"


def test_markdown_renders_html_as_text_and_keeps_only_safe_links():
    source = f"""# Drift
Pass below **40 um**. {PAYLOADS}

[figurl](https://figurl.org/f?v=1) [js](javascript:alert(4)) [data](data:text/html,<b>x</b>)
[spaced](java&#x09;script:alert(5)) <javascript:alert(6)> <https://ok.example/a>
![img](https://ok.example/i.png) ![bad](javascript:alert(7))

[ref]: javascript:alert(8)
[by reference][ref]

<div onmouseover="alert(9)">block html</div>

| a | b |
|---|---|
| <b>1</b> | `code <i>` |
"""
    tree = markdown(source)
    nodes = list(iter_tree(tree))
    assert not [n for n in nodes if isinstance(n, (html.Script, html.Iframe, dcc.Markdown))]
    # The entity-encoded tab comes out percent-encoded: a relative path, not a scheme.
    assert [n.href for n in nodes if isinstance(n, html.A)] == [
        "https://figurl.org/f?v=1", "java%09script:alert(5)", "https://ok.example/a"]
    assert [n.src for n in nodes if isinstance(n, html.Img)] == ["https://ok.example/i.png"]
    text = texts(tree)
    for literal in ("<script>alert(1)</script>", "<img src=x onerror=alert(2)>", '<div onmouseover="alert(9)">',
                    "<b>1</b>", "code <i>"):
        assert literal in text, literal
    assert any(isinstance(n, html.Strong) for n in nodes) and any(isinstance(n, html.Table) for n in nodes)
    # No prop of any component carries markup or a script URL.
    for node in nodes:
        for prop in ("href", "src", "dangerously_allow_html"):
            value = getattr(node, prop, None)
            assert not (isinstance(value, str) and re.match(r"\s*(javascript|data|vbscript):", value, re.I))
            assert value is not True


def test_very_long_markdown_is_cut():
    tree = markdown("x" * 50_000)
    assert len(texts(tree)) < 21_000


# -- headers -----------------------------------------------------------------------------

@pytest.fixture
def app(settings):
    return create_app(settings.model_copy(update={"s3_endpoint": "http://127.0.0.1:9999"}))


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_every_response_carries_the_security_headers(app):
    client = app.server.test_client()
    for path in ("/", "/_dash-layout", "/login", "/healthz", "/nope", "/assets/00-bootstrap.min.css",
                 "/assets/overview.js"):
        response = client.get(path)
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "same-origin", path
        assert "Strict-Transport-Security" not in headers  # only with QC_PORTAL_HTTPS
        if response.mimetype in ("text/html", "text/plain"):  # what a browser shows as a page
            assert headers["X-Frame-Options"] == "SAMEORIGIN", path
            policy = _directives(headers["Content-Security-Policy"])
            assert policy["frame-ancestors"] == ["'self'"], path
        else:  # scripts, styles, JSON: never a page (nosniff), so no document headers
            assert response.mimetype in ("text/css", "application/json", "text/javascript"), (path, response.mimetype)
            assert "Content-Security-Policy" not in headers and "X-Frame-Options" not in headers, path
    assert client.get("/_dash-layout").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("mimetype, document", [("text/html", True), ("image/svg+xml", True), ("application/pdf", True),
                                                ("text/plain", True), ("application/octet-stream", True), (None, True),
                                                ("application/json", False), ("text/css", False),
                                                ("application/javascript", False), ("image/png", False)])
def test_only_what_can_never_be_a_page_goes_without_the_policy(mimetype, document):
    assert is_document_type(mimetype) is document


def test_the_policy_allows_exactly_dashs_own_inline_scripts(app):
    client = app.server.test_client()
    response = client.get("/")
    policy = _directives(response.headers["Content-Security-Policy"])
    scripts = policy["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts
    body = response.get_data(as_text=True)
    body = re.sub(r"<!--.*?-->", "", body, flags=re.S)  # the IE notice is a comment, never run
    inline = [m.group(2) for m in re.finditer(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", body, re.S)
              if "application/json" not in m.group(1)]
    assert len(inline) >= 2
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts
    assert len([s for s in scripts if s.startswith("'sha256-")]) == len(inline)
    # Frames: the allowed viewer hosts (https), the portal and S3 for PDFs; nothing else.
    frames = policy["frame-src"]
    assert "https://figurl.org" in frames and "'self'" in frames and "https://*.amazonaws.com" in frames
    assert "http://127.0.0.1:9999" in frames and "https:" not in frames and "*" not in frames
    assert policy["object-src"] and policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert "http://127.0.0.1:9999" in policy["connect-src"]


def test_iframe_hosts_follow_the_setting(settings):
    app = create_app(settings.model_copy(update={"iframe_hosts": "viewer.lab.org"}))
    policy = _directives(app.server.test_client().get("/").headers["Content-Security-Policy"])
    assert [f for f in policy["frame-src"] if f.startswith("https://") and "amazonaws" not in f] == [
        "https://viewer.lab.org"]


def test_reference_files_keep_their_sandbox_policy(app, tmp_path):
    folder = tmp_path / "asset"
    (folder / "qc").mkdir(parents=True)
    (folder / "qc" / "a.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    from tests.records import record

    rec = record("a1")
    rec["location"] = str(folder)
    app.server.extensions["qc_portal"].store.upsert_many([rec])
    from portal.references.roots import remember_root

    remember_root(app.server.extensions["qc_portal"].users.engine, folder, by="test")  # as ingest of it would
    response = app.server.test_client().get("/references/a1/qc/a.svg")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.headers["Cache-Control"].startswith("private") or "private" in response.headers["Cache-Control"]


# -- the code itself -------------------------------------------------------------------------

CODE = [ROOT / "portal", ROOT / "components", ROOT / "callbacks"]


def test_no_eval_exec_or_raw_html_in_the_code():
    offenders = []
    patterns = re.compile(r"(?<![\w.])(eval|exec)\s*\(|dangerously_allow_html|dangerouslySetInnerHTML|"
                          r"\.innerHTML\s*=|new\s+Function\s*\(|dcc\.Markdown\(")
    files = [p for folder in CODE for p in folder.rglob("*.py")]
    files += [p for p in (ROOT / "assets").glob("*.js")]  # the portal's own scripts (not vendor/)
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            stripped = line.split("#", 1)[0] if path.suffix == ".py" else line.split("//", 1)[0]
            if patterns.search(stripped) and not stripped.strip().startswith(("*", "/*")):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_ruff_security_rules_are_clean_in_the_code():
    """flake8-bandit (S) over the code, whatever the project's lint selection says."""
    import shutil
    import subprocess
    import sys

    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is not installed (it is in the `test` extra)"
    result = subprocess.run([ruff, "check", "--no-cache", "--select", "S", *map(str, CODE)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
