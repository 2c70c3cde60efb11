"""Showcase records in older `quality_control` layouts (numbers 8-10).

- a hand-built 1.x document in the shape of the aind-data-schema 1.2.2 example;
- a generated document converted to 1.x (one evaluation per group);
- a generated document as aind-data-schema 2.1 stored it (list tags, a stale
  stored status).
"""

from __future__ import annotations

import random
from datetime import timedelta

from portal.demo.bulk import generated_qc
from portal.demo.documents import AUTOMATED, FAIL, MODALITIES, PASS, PENDING, RAW, record
from portal.demo.layouts import to_v1, to_v2_1
from portal.demo.showcase_assets import (
    LEGACY_BEHAVIOR,
    LEGACY_ECEPHYS,
    LEGACY_SORTED_CREATED,
    checkbox,
    derived_name,
    dropdown,
)

# --- 8, 9: 1.x layout ------------------------------------------------------------------------------


def _v1_metric(name, value, statuses, description=None, reference=None) -> dict:
    return {
        "name": name,
        "value": value,
        "status_history": [{"evaluator": e, "status": s, "timestamp": t} for e, s, t in statuses],
        "description": description,
        "reference": reference,
        "evaluated_assets": None,
    }


def _v1_evaluation(
    modality: str,
    stage: str,
    name: str,
    metrics: list,
    description=None,
    allow_failed=False,
    created="2024-07-09T19:00:00Z",
) -> dict:
    latest = [m["status_history"][-1]["status"] for m in metrics]
    worst = FAIL if FAIL in latest and not allow_failed else PENDING if PENDING in latest else PASS
    return {
        "modality": dict(MODALITIES[modality]),
        "stage": stage,
        "name": name,
        "description": description,
        "metrics": metrics,
        "tags": None,
        "notes": "",
        "allow_failed_metrics": allow_failed,
        "latest_status": worst,
        "created": created,
    }


def legacy_ecephys() -> dict:
    """The shape of the aind-data-schema 1.2.2 example (evaluations -> metrics)."""
    t0, t1 = "2024-07-09T19:00:00Z", "2024-07-15T17:22:41Z"
    drift_opts = ["Low", "Medium", "High"]
    evaluations = [
        _v1_evaluation(
            "ecephys",
            RAW,
            "Drift map",
            [
                _v1_metric(
                    "Probe A drift",
                    dropdown(drift_opts, [PASS, FAIL, FAIL]),
                    [("", PENDING, t0)],
                    "Qualitative check that drift map shows minimal movement",
                    "qc/ProbeA/drift_map.png",
                ),
                _v1_metric(
                    "Probe B drift",
                    checkbox(
                        [
                            "No Drift",
                            "Drift visible in part of session",
                            "Drift visible in entire session",
                            "Sudden movement event",
                        ],
                        [PASS, PASS, FAIL, FAIL],
                        ["Drift visible in part of session"],
                    ),
                    [("", PENDING, t0), ("Jonah Weiss", PASS, t1)],
                    "Qualitative check that drift map shows minimal movement",
                    "qc/ProbeB/drift_map.png",
                ),
                _v1_metric("Probe C drift", "Low", [(AUTOMATED, PASS, t0)], None, "qc/ProbeC/drift_map.png"),
            ],
            "Check that all probes show minimal drift",
        ),
        _v1_evaluation(
            "behavior-videos",
            RAW,
            "Video frame count check",
            [
                _v1_metric(
                    "Expected frame count",
                    662,
                    [(AUTOMATED, PASS, t0)],
                    "Expected frame count from experiment length, always pass",
                ),
                _v1_metric(
                    "Video 1 frame count", 662, [(AUTOMATED, PASS, t0)], "Pass when frame count matches expected"
                ),
                _v1_metric(
                    "Video 2 num frames", 659, [(AUTOMATED, FAIL, t0)], "Pass when frame count matches expected"
                ),
            ],
            allow_failed=True,
        ),
        _v1_evaluation(
            "ecephys",
            RAW,
            "Probes present",
            [_v1_metric(p, True, [(AUTOMATED, PASS, t0)]) for p in ("ProbeA", "ProbeB", "ProbeC")],
            "Pass when data from a probe is present",
        ),
    ]
    qc = {
        "describedBy": "https://raw.githubusercontent.com/AllenNeuralDynamics/aind-data-schema/main/src/"
        "aind_data_schema/core/quality_control.py",
        "schema_version": "1.2.2",
        "evaluations": evaluations,
        "notes": None,
    }
    r = LEGACY_ECEPHYS
    return record(
        name=r.name,
        project=r.project,
        platform=r.platform,
        sid=r.sid,
        acquired=r.acquired,
        created=r.acquired + timedelta(hours=2),
        level="raw",
        quality_control=qc,
        experimenters=r.experimenters,
    )


def legacy_behavior() -> dict:
    """A 1.x document converted from a generated one (several evaluations, one per group)."""
    r = LEGACY_BEHAVIOR
    processed = r.acquired + timedelta(hours=3)
    doc, _ = generated_qc(
        random.Random("showcase:legacy-behavior"),
        r,
        r.name,
        False,
        processed,
        None,
        {"behavior-videos": [("FaceCamera", {"camera": "FaceCamera"})]},
    )
    return record(
        name=r.name,
        project=r.project,
        platform=r.platform,
        sid=r.sid,
        acquired=r.acquired,
        created=r.acquired + timedelta(hours=1),
        level="raw",
        quality_control=to_v1(doc, processed),
        experimenters=r.experimenters,
    )


# --- 10: 2.1 layout --------------------------------------------------------------------------------


def v2_1_sorted() -> dict:
    """A re-sort of the legacy ecephys session stored by aind-data-schema 2.1 (list tags)."""
    r = LEGACY_ECEPHYS
    name = derived_name(r, LEGACY_SORTED_CREATED)
    units = {"ecephys": [(p, {"probe": p}) for p in ("ProbeA", "ProbeB", "ProbeC")]}
    doc, _ = generated_qc(random.Random("showcase:v2.1"), r, name, True, LEGACY_SORTED_CREATED, [r.name], units)
    return record(
        name=name,
        project=r.project,
        platform=r.platform,
        sid=r.sid,
        acquired=r.acquired,
        created=LEGACY_SORTED_CREATED,
        level="derived",
        quality_control=to_v2_1(doc),
        source_data=[r.name],
        experimenters=r.experimenters,
    )
