"""A pushed file whose name is sanitised (`pushed fig #1.png` -> `pushed fig _1.png`) is
referenced by the name it is stored under: the reference serves the file and exports."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from portal import create_app
from portal.cli.main import main
from portal.references.upload import IncomingFile, check_files, rewrite_references
from tests.api_helpers import bearer, make_token, seed
from tests.records import metric

PNG = b"\x89PNG\r\n\x1a\n pushed figure"


@pytest.fixture
def app(settings, tmp_path):
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    return app


def _push(app, metrics, files):
    body = {"payload": json.dumps({"metrics": metrics}),
            "files": [(io.BytesIO(content), name) for name, content in files.items()]}
    return app.server.test_client().post("/api/v1/assets/a/qc/metrics", data=body, content_type="multipart/form-data",
                                         headers=bearer(make_token(app, "capsule", "pipeline")))


def _reference(app, name):
    qc = app.server.extensions["qc_portal"].store.get("a").record["quality_control"]
    return next(m for m in qc["metrics"] if m["name"] == name)["reference"]


def test_a_sanitised_upload_is_referenced_by_its_stored_name_and_served(app, tmp_path, monkeypatch):
    response = _push(app, [metric("fig", "Pending", reference="pushed fig #1.png"),
                           metric("pair", "Pass", reference="pushed fig #1.png;figs/other #2.png"),
                           metric("by stored name", "Pass", reference="pushed fig _1.png")],
                     {"pushed fig #1.png": PNG, "figs/other #2.png": b"\x89PNG other"})
    assert response.status_code == 200, response.get_json()
    assert {f["name"] for f in response.get_json()["files"]} == {"pushed fig _1.png", "other _2.png"}
    assert _reference(app, "fig") == "qc/uploads/pushed fig _1.png"
    assert _reference(app, "pair") == "qc/uploads/pushed fig _1.png;qc/uploads/other _2.png"
    assert _reference(app, "by stored name") == "qc/uploads/pushed fig _1.png"
    served = app.server.test_client().get("/references/a/qc/uploads/pushed%20fig%20_1.png")
    assert served.status_code == 200 and served.data == PNG
    # ... and the asset exports without a FAILED line.
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QC_PORTAL_SECRET_KEY", "test-secret")
    dest = tmp_path / "export"
    result = CliRunner().invoke(main, ["export", "a", "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert (dest / "qc" / "uploads" / "pushed fig _1.png").read_bytes() == PNG


def test_rewrite_prefers_the_sent_name_and_keeps_other_references():
    sent = [IncomingFile("a#b.png", io.BytesIO(b"1"), 1), IncomingFile("dir/c d.png", io.BytesIO(b"2"), 1)]
    files = check_files(sent, 1024)
    metrics = [{"name": "x", "reference": "a#b.png"}, {"name": "y", "reference": "c d.png"},
               {"name": "z", "reference": "https://x.org/a#b.png"}, {"name": "w"}]
    out = rewrite_references(metrics, files)
    assert [m.get("reference") for m in out] == ["qc/uploads/a_b.png", "qc/uploads/c d.png",
                                                 "https://x.org/a#b.png", None]
    # A set of stored names (the earlier call form) still works for names that were not changed.
    assert rewrite_references([{"reference": "c d.png"}], {"c d.png"})[0]["reference"] == "qc/uploads/c d.png"
