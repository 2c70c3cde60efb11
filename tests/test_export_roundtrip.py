"""`qc-portal export` then `qc-portal ingest` into a fresh portal recreates the asset: the same
`qc-portal show --json` and the same stored document, but for `location` (the export folder)
and the portal's bookkeeping (`version`)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from portal.cli.main import main
from portal.context import build_portal
from portal.settings import load_settings
from portal.store.protocol import Annotation, MetricEdit
from tests.records import metric, record

PNG = b"\x89PNG\r\n\x1a\n figure"
GUI = ("https%3A//ephys.allenneuraldynamics.org/ephys_gui_app%3Fanalyzer_path%3D%7Bderived_asset_location%7D/"
       "postprocessed/experiment1_Record%20Node%20101%23ProbeA.zarr")
# What `show --json` and the stored document may differ in after the round trip.
BOOKKEEPING = ("location", "version")


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def _use(monkeypatch, data: Path) -> None:
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(data))
    monkeypatch.setenv("QC_PORTAL_SECRET_KEY", "test")


def _store(data: Path):
    return build_portal(load_settings(data_dir=data, secret_key="test")).store


def _shown(name: str) -> dict:
    result = run("show", name, "--json")
    assert result.exit_code == 0, result.output
    return {k: v for k, v in json.loads(result.output).items() if k not in BOOKKEEPING}


def _folder_asset(root: Path) -> Path:
    """An asset folder as a pipeline writes it: split core files, figures with spaces and `#`."""
    rec = record("ecephys_700000_2025-01-02", level="derived", source=["ecephys_700000_raw"], metrics=[
        metric("drift", "Pending", reference="qc/Record Node 101#ProbeA/drift map.png", tags={"probe": "A"}),
        metric("drift", "Pass", reference="qc/Record Node 101#ProbeB/drift map.png", tags={"probe": "B"}),
        metric("curation", "Pending", reference=GUI),
        metric("yield", "Pass", reference="__empty__3"),
        metric("web", "Pass", reference="https://example.org/x.png"),
        metric("analyzer", "Pass", reference="postprocessed/a.zarr"),
    ])
    rec["procedures"] = {"subject_id": "100001", "subject_procedures": [{"procedure_type": "Surgery"}]}
    rec["processing"] = {"data_processes": [{"name": "Spike sorting", "software_version": "0.1"}]}
    rec["instrument"] = {"instrument_id": "NP-1", "modalities": rec["data_description"]["modalities"]}
    folder = root / rec["name"]
    for probe in ("A", "B"):
        (folder / "qc" / f"Record Node 101#Probe{probe}").mkdir(parents=True)
        (folder / "qc" / f"Record Node 101#Probe{probe}" / "drift map.png").write_bytes(PNG + probe.encode())
    (folder / "postprocessed" / "a.zarr").mkdir(parents=True)
    for section in ("data_description", "subject", "acquisition", "procedures", "processing", "instrument",
                    "quality_control"):
        (folder / f"{section}.json").write_text(json.dumps(rec[section], indent=1))
    return folder


def _dump_record(folder: Path) -> dict:
    """A DocDB-shaped 1.x record: `_id`, bookkeeping fields, `session`/`rig`, 1.2 evaluations."""
    folder.mkdir(parents=True)
    (folder / "probes.png").write_bytes(PNG)
    return {
        "_id": "2f9c4e0a-1b7d-4c55-9a3e-0d6f1a2b3c4d",
        "name": "behavior_700001_2024-03-04",
        "location": str(folder),
        "_created": "2024-03-05T01:02:03Z",
        "_last_modified": "2024-03-06T01:02:03Z",
        "schema_version": "1.1.1",
        "external_links": {"Code Ocean": ["abc"]},
        "data_description": {"name": "behavior_700001_2024-03-04", "project_name": "Beta", "subject_id": "700001",
                             "data_level": "raw", "modality": [{"name": "Behavior", "abbreviation": "behavior"}]},
        "subject": {"subject_id": "700001", "sex": "Female"},
        "session": {"session_start_time": "2024-03-04T10:00:00-08:00", "rig_id": "rig-7"},
        "rig": {"rig_id": "rig-7"},
        "acquisition": None,
        "quality_control": {"schema_version": "1.2.2", "evaluations": [{
            "modality": {"name": "Behavior", "abbreviation": "behavior"}, "stage": "Raw data", "name": "Probes",
            "metrics": [{"name": "present", "value": True, "reference": "probes.png", "status_history": [
                {"evaluator": "Automated", "status": "Pass", "timestamp": "2024-03-05T00:00:00Z"}]}]}]},
    }


def test_export_then_ingest_recreates_the_assets(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    _use(monkeypatch, first)
    _folder_asset(tmp_path / "pipeline")
    dump = tmp_path / "records.json"
    dump.write_text(json.dumps([_dump_record(first / "assets" / "behavior")]))
    ingested = run("ingest", str(tmp_path / "pipeline"), str(dump))
    assert ingested.exit_code == 0 and "2 created" in ingested.output, ingested.output
    # A review made in the portal is part of the asset, and comes along.
    store = _store(first)
    stored = store.get("ecephys_700000_2025-01-02")
    assert store.annotate(Annotation(stored.name, stored.version, (MetricEdit("web", status="Fail", seen_history=1),)),
                          user="Ann Reviewer").applied
    names = ("ecephys_700000_2025-01-02", "behavior_700001_2024-03-04")
    before = {name: (_shown(name), store.get(name).record) for name in names}

    exports = {name: tmp_path / "exports" / name for name in names}
    for name, dest in exports.items():
        result = run("export", name, "--dest", str(dest))
        assert result.exit_code == 0, result.output
        assert "FAILED" not in result.output
    dest = exports["ecephys_700000_2025-01-02"]
    assert {p.name for p in dest.glob("*.json")} == {
        "data_description.json", "subject.json", "acquisition.json", "procedures.json", "processing.json",
        "instrument.json", "quality_control.json", "metadata.nd.json"}
    assert (dest / "qc" / "Record Node 101#ProbeB" / "drift map.png").read_bytes() == PNG + b"B"
    assert {p.name for p in exports["behavior_700001_2024-03-04"].glob("*.json")} == {
        "data_description.json", "subject.json", "session.json", "rig.json", "quality_control.json",
        "metadata.nd.json"}
    assert "location" not in json.loads((dest / "metadata.nd.json").read_text())

    _use(monkeypatch, second)  # a fresh portal
    again = run("ingest", *(str(path) for path in exports.values()))
    assert again.exit_code == 0 and "2 created" in again.output, again.output
    assert "FAILED" not in again.output and "WARNING" not in again.output
    fresh = _store(second)
    for name in names:
        shown, document = before[name]
        assert _shown(name) == shown
        after = fresh.get(name)
        assert after.record["location"] == str(exports[name].resolve())
        assert {k: v for k, v in after.record.items() if k != "location"} == \
               {k: v for k, v in document.items() if k != "location"}
    assert fresh.get("2f9c4e0a-1b7d-4c55-9a3e-0d6f1a2b3c4d").name == "behavior_700001_2024-03-04"  # same _id
    # The figures resolve from the new folder.
    assert fresh.get(names[1]).summary.location == str(exports[names[1]].resolve())
    assert (exports[names[1]] / "probes.png").read_bytes() == PNG
