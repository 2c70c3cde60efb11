"""Records shaped like real AIND documents, written for the asset page's tests.

Each one holds a value a widget cannot show exactly or a form real pipelines write:
checkbox values `""` or a scalar, a dropdown value outside its options, dropdowns
`""` with statuses (Pending until chosen), curations stored as JSON text, an empty
evaluator, timestamps with a space instead of `T`, and metrics that share a name.
`shared_fixtures()` adds the documents in /work/shared/fixtures (when present).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.records import metric, record

SHARED = Path("/work/shared/fixtures")
SPACE_TIME = "2025-10-22 15:10:01.028427+00:00"  # as real records write it


def checkbox(value, options=("Motion", "Noise", "Drift"), status=("Fail", "Fail", "Pending")) -> dict:
    """An aind-qcportal-schema CheckboxMetric value (value as given, even when not a list)."""
    return {"value": value, "options": list(options), "status": list(status), "type": "checkbox"}


def dropdown(value, options=("Normal", "No spikes", "Noisy"), status=("Pass", "Fail", "Fail")) -> dict:
    """An aind-qcportal-schema DropdownMetric value (value as given, even when not an option)."""
    return {"value": value, "options": list(options), "status": list(status), "type": "dropdown"}


def curation(name: str, values: list, *, reference: str | None = None, tags: dict | None = None,
             history: list | None = None) -> dict:
    """A 2.x Curation metric."""
    return {
        **metric(name, "Pass", stage="Processing", value=values, tags=tags, reference=reference,
                 evaluator="", timestamp=SPACE_TIME),
        "object_type": "Curation metric",
        "type": "Spike sorting curation",
        "curation_history": history or [],
    }


def widget_shapes() -> dict:
    """Every value a widget cannot show exactly, with the other real-world oddities."""
    return record("shapes_widgets", metrics=[
        metric("Artifacts blank", "Pending", value=checkbox(""), tags={"probe": "ProbeA"}),
        metric("Artifacts scalar", "Fail", value=checkbox("Noise"), tags={"probe": "ProbeA"}),
        metric("Artifacts stray", "Fail", value=checkbox(["Noise", "Ghost"]), tags={"probe": "ProbeA"}),
        metric("Spikes renamed", "Pass", value=dropdown("Good (legacy label)"), tags={"probe": "ProbeA"}),
        metric("Spikes unset", "Pending", value=dropdown(""), tags={"probe": "ProbeA"}),
        metric("Spikes chosen", "Fail", value=dropdown("Noisy"), tags={"probe": "ProbeA"}),
        metric("Yield", "Pass", value=0, evaluator="", timestamp=SPACE_TIME, tags={"probe": "ProbeA"}),
        metric("Region", "Pass", value="VISp", evaluator="", timestamp=SPACE_TIME, tags={"probe": "ProbeA"}),
        metric("Saturated", "Pass", value=False, tags={"probe": "ProbeA"}),
        metric("Not yet", "Pending", value=None, tags={"probe": "ProbeA"}),
    ])


def curation_shapes() -> dict:
    """Curations stored as JSON text (as real records do), none yet, and one as an object."""
    text = json.dumps({"curation_version": "1", "labelsByUnit": {"3": ["noise"]}, "mergeGroups": [[1, 2]]})
    return record("shapes_curations", metrics=[
        curation("Sorting Curation", [text], tags={"probe": "ProbeA"},
                 history=[{"curator": "", "timestamp": SPACE_TIME}]),
        curation("Sorting Curation", [], tags={"probe": "ProbeB"}),
        curation("Sorting Curation", [{"curation_version": "1", "labelsByUnit": {}}], tags={"probe": "ProbeC"}),
    ])


def twins() -> dict:
    """Metrics sharing a name: per probe, and two equal in everything (told apart by occurrence)."""
    return record("shapes_twins", metrics=[
        metric("Drift", "Pass", tags={"probe": "ProbeA"}, value=1.5),
        metric("Drift", "Pending", tags={"probe": "ProbeB"}, value=2.5),
        metric("Sample coordinates", "Pass", value=dropdown("Normal")),
        metric("Sample coordinates", "Pass", value=dropdown("Normal")),
    ])


def real_shapes() -> list[dict]:
    """The records of this module."""
    return [widget_shapes(), curation_shapes(), twins()]


def shared_fixtures() -> list[dict]:
    """The documents in /work/shared/fixtures as records (a bare quality_control is wrapped)."""
    out = []
    for path in sorted(SHARED.glob("*.json")) if SHARED.is_dir() else ():
        doc = json.loads(path.read_text())
        if "quality_control" in doc or "data_description" in doc:
            out.append(doc)
        else:
            out.append(record(f"fixture_{path.stem}", qc=doc))
    return out
