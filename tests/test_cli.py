"""`qc-portal ingest` and `qc-portal show` on real files and a real SQLite store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli.main import main
from tests.records import metric, record

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QC_PORTAL_SECRET_KEY", "test")

    def invoke(*args):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def write_folder(root: Path, rec: dict, *, split: bool = True) -> Path:
    """An asset folder as a pipeline writes it: one file per core metadata field."""
    folder = root / rec["name"]
    folder.mkdir(parents=True)
    if split:
        for field in ("data_description", "subject", "acquisition", "quality_control"):
            if field in rec:
                (folder / f"{field}.json").write_text(json.dumps(rec[field]))
    else:
        (folder / "metadata.nd.json").write_text(json.dumps(rec))
    return folder


def test_ingest_folders_then_show(run, tmp_path):
    root = tmp_path / "assets"
    write_folder(root, record("ecephys_1", metrics=[metric("a", "Fail"), metric("b", "Pending")]))
    write_folder(root / "nested", record("behavior_2", modalities=("behavior",),
                                          metrics=[metric("x", "Pass", mod="behavior")]), split=False)
    result = run("ingest", str(root))
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output

    shown = run("show", "ecephys_1", "--json")
    data = json.loads(shown.output)
    assert data["name"] == "ecephys_1" and data["project"] == "Alpha"
    assert data["status"]["overall"] == "Fail"
    assert data["status"]["modality"] == {"ecephys": "Fail"}
    assert data["status"]["stage"] == {"Raw data": "Fail"}
    assert data["metrics"] == {"total": 2, "pass": 0, "fail": 1, "pending": 1}
    assert data["location"] == str((root / "ecephys_1").resolve())

    text = run("show", "behavior_2").output
    assert "QC status:   Pass" in text and "behavior" in text


def test_reingest_is_idempotent(run, tmp_path):
    root = tmp_path / "assets"
    write_folder(root, record("a"))
    assert "1 created" in run("ingest", str(root)).output
    again = run("ingest", str(root))
    assert again.exit_code == 0 and "1 unchanged" in again.output


def test_bad_items_are_reported_and_the_rest_ingested(run, tmp_path):
    root = tmp_path / "assets"
    write_folder(root, record("good"))
    broken = root / "broken"
    broken.mkdir()
    (broken / "quality_control.json").write_text('{"metrics": [')
    no_history = write_folder(root, record("no_history", metrics=[metric("m", history=[])]))
    dump = tmp_path / "dump.ndjson"
    dump.write_text(json.dumps(record("from_dump")) + "\n{not json}\n" + json.dumps([1]) + "\n")
    result = run("ingest", str(root), str(dump), str(tmp_path / "missing"))
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 5, result.output
    assert any(f"{broken.resolve()}" in line and "invalid JSON" in line for line in failed)
    assert any("no_history" in line and "status_history is empty" in line for line in failed)
    assert any(f"{dump}:2" in line for line in failed)
    assert any(f"{dump}:3" in line and "expected a JSON object" in line for line in failed)
    assert any("missing" in line and "no such file" in line for line in failed)
    assert "2 created" in result.output
    assert run("show", "from_dump").exit_code == 0
    assert run("show", no_history.name).exit_code == 1


def test_show_unknown_asset(run, tmp_path):
    write_folder(tmp_path / "assets", record("a"))
    assert run("ingest", str(tmp_path / "assets")).exit_code == 0
    result = CliRunner().invoke(main, ["show", "nope"])
    assert result.exit_code == 1
    assert "Asset not found: nope" in result.output


def test_invalid_setting_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_PORT", "eighty")
    result = CliRunner().invoke(main, ["show", "x"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "qc-portal: error: invalid setting QC_PORTAL_PORT: Input should be a valid integer, "
        "unable to parse string as an integer"
    )


@pytest.mark.skipif(not (FIXTURES / "quality_control_v1.2.2_example.json").exists(), reason="shared fixtures absent")
def test_real_world_fixtures_ingest(run, tmp_path):
    # A 1.2.2 QC document in an asset folder, and a real DocDB record as a JSON dump.
    folder = tmp_path / "assets" / "legacy"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "quality_control_v1.2.2_example.json", folder / "quality_control.json")
    (folder / "data_description.json").write_text(json.dumps(record("legacy_asset")["data_description"]))
    result = run("ingest", str(folder), str(FIXTURES / "docdb_record_ecephys_v2.json"))
    assert result.exit_code == 0, result.output
    legacy = json.loads(run("show", "legacy_asset", "--json").output)
    assert legacy["status"]["overall"] in {"Pass", "Fail", "Pending"}
    assert legacy["metrics"]["total"] > 0
    real = json.loads(run("show", "dd378464-a4a0-48c0-9a65-f7d39238bfa3", "--json").output)
    assert real["metrics"]["total"] == 182
    assert real["level"] == "derived" and real["project"] == "Cell Type Lookup Table"


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "portal.cli.main", "--help"], capture_output=True, text=True)
    exe = Path(sys.executable).with_name("qc-portal")
    assert exe.exists(), "the qc-portal console script is not installed"
    assert "ingest" in subprocess.run([str(exe), "--help"], capture_output=True, text=True).stdout
    assert out.returncode == 0


def test_demo_generates_ingests_and_creates_the_annotator_once(tmp_path):
    from portal import create_app
    from portal.settings import load_settings

    data = tmp_path / "demo"
    first = CliRunner().invoke(main, ["demo", "--assets", "20", "--no-serve", "--data-dir", str(data)])
    assert first.exit_code == 0, first.output
    assert "20 created" in first.output
    line = next(x for x in first.output.splitlines() if x.startswith("demo annotator created"))
    password = line.split("password ")[1].split()[0]
    again = CliRunner().invoke(main, ["demo", "--assets", "20", "--no-serve", "--data-dir", str(data)])
    assert "20 unchanged" in again.output and password not in again.output
    app = create_app(load_settings(data_dir=data, demo=True))  # what `qc-portal demo` serves
    client = app.server.test_client()
    response = client.post("/login", data={"username": "demo", "password": password})
    assert response.status_code == 302
