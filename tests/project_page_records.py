"""Real-shaped records for the project page's tests: 2.x records with acquisition.instrument_id
and experimenters, a 1.x record with session.rig_id and experimenter_full_name and a 1.x QC
document (evaluations, allow_failed_metrics), tolerated Fails by allow_tag_failures."""

from __future__ import annotations

import json

from tests.real_shapes import SHARED
from tests.records import metric, modality, record

PROJECT = "Ctx"


def v2(name: str, *, instrument: str | None, experimenters: list, metrics: list[dict], allow: list[str] = (),
       subject: str = "1", acquired: str = "2025-01-06T10:00:00+00:00") -> dict:
    """A 2.x record of PROJECT with its acquisition metadata and a QC document."""
    rec = record(name, project=PROJECT, subject=subject, acquired=acquired, qc={
        "object_type": "Quality control", "schema_version": "2.4.2", "metrics": metrics,
        "default_grouping": [["probe"]], "allow_tag_failures": list(allow)})
    if instrument is not None:
        rec["acquisition"]["instrument_id"] = instrument
    rec["acquisition"]["experimenters"] = experimenters
    return rec


def v1(name: str, *, rig: str, experimenters: list[str], statuses: tuple[str, ...], allow_failed: bool) -> dict:
    """A 1.x record (session, 1.x QC evaluations) of PROJECT."""
    rec = record(name, project=PROJECT, subject="2", modalities=("behavior",), qc=False)
    del rec["acquisition"]
    rec["session"] = {"session_start_time": "2025-01-14T09:00:00+00:00", "rig_id": rig,
                      "experimenter_full_name": experimenters}
    metrics = [{"name": f"lick {i}", "value": float(i),
                "status_history": [{"evaluator": "Automated", "status": s, "timestamp": "2025-01-14T10:00:00Z"}]}
               for i, s in enumerate(statuses)]
    rec["quality_control"] = {"schema_version": "1.2.2", "evaluations": [
        {"modality": modality("behavior"), "stage": "Raw data", "name": "Licks", "metrics": metrics,
         "allow_failed_metrics": allow_failed}]}
    return rec


def project_records() -> list[dict]:
    """Every shape at once (names r2-*, r1-*, plus the shared ecephys fixture in PROJECT)."""
    probe = {"probe": "A"}
    return [
        v2("r2-a", instrument="323_EPHYS1_20250922", experimenters=["Ada", "Bo"], allow=["probe:B"], metrics=[
            metric("drift", "Fail", tags=probe, value=1.0), metric("drift", "Fail", tags={"probe": "B"}, value=9.0),
            metric("noise", "Pass", tags=probe, value=2.0), metric("video", "Pending", mod="behavior", value="x")]),
        v2("r2-b", instrument="323_EPHYS1_20251001", experimenters=[{"name": "Ada"}], metrics=[
            metric("drift", "Pass", tags=probe, value=1.5), metric("noise", "Fail", tags=probe, value=3.0)],
            subject="3", acquired="2025-01-08T10:00:00+00:00"),
        v2("r2-c", instrument=None, experimenters=[], metrics=[metric("drift", "Pending", tags=probe)],
           acquired="2025-01-20T10:00:00+00:00"),
        v1("r1-a", rig="447_FRG_B", experimenters=["Cy"], statuses=("Fail", "Pass"), allow_failed=True),
        v1("r1-b", rig="447_FRG_B", experimenters=["Cy", "Ada"], statuses=("Fail", "Pending"), allow_failed=False),
    ]


def shared_ecephys() -> dict | None:
    """The shared 182-metric DocDB record, moved into PROJECT (None when the fixture is absent)."""
    path = SHARED / "docdb_record_ecephys_v2.json"
    if not path.exists():
        return None
    doc = json.loads(path.read_text())
    doc["data_description"]["project_name"] = PROJECT
    return doc
