"""Older `quality_control` layouts of generated documents, as real records hold them.

`to_v1` rewrites a 2.x document in the 1.x `evaluations` layout and `to_v2_1` the way
aind-data-schema 2.1 stored it; the bulk stream and the showcase use both.
"""

from __future__ import annotations

from datetime import datetime

from portal.demo.documents import FAIL, MULTI, PASS, PENDING, computed_status


def to_v1(doc: dict, created: datetime) -> dict:
    """Rewrite a 2.x document in the 1.x layout: evaluations (one per modality/stage/group) -> metrics.

    Curation and multi-asset metrics did not exist in 1.x and are dropped.
    """
    evaluations: dict[tuple[str, str, str], dict] = {}
    for m in doc["metrics"]:
        if m["object_type"] != "QC metric" or m["stage"] == MULTI:
            continue
        group = m["tags"].get("group", m["stage"])
        key = (m["modality"]["abbreviation"], m["stage"], group)
        ev = evaluations.get(key)
        if ev is None:
            ev = evaluations[key] = {
                "modality": m["modality"],
                "stage": m["stage"],
                "name": group,
                "description": None,
                "metrics": [],
                "tags": None,
                "notes": "",
                "allow_failed_metrics": False,
                "latest_status": PASS,
                "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ev["metrics"].append(
            {
                "name": m["name"],
                "value": m["value"],
                "status_history": [
                    {
                        "evaluator": s["evaluator"],
                        "status": s["status"],
                        "timestamp": datetime.fromisoformat(s["timestamp"]).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                    for s in m["status_history"]
                ],
                "description": m["description"],
                "reference": m["reference"],
                "evaluated_assets": None,
            }
        )
        latest = m["status_history"][-1]["status"]
        if latest == FAIL or (latest == PENDING and ev["latest_status"] == PASS):
            ev["latest_status"] = latest
    return {
        "describedBy": doc["describedBy"],
        "schema_version": "1.2.2",
        "evaluations": list(evaluations.values()),
        "notes": None,
    }


def to_v2_1(doc: dict) -> dict:
    """Rewrite a 2.x document the way aind-data-schema 2.1 stored it: tags as a list of values,
    `default_grouping` a list of tag values, and a stored `status` keyed by tag value that is
    stale (computed from the first status entries), so readers must recompute it.
    """
    metrics = []
    for m in doc["metrics"]:
        m = dict(m)
        m["tags"] = list(m["tags"].values())
        metrics.append(m)
    first = [
        {**m, "tags": {str(i): v for i, v in enumerate(m["tags"])}, "status_history": m["status_history"][:1]}
        for m in metrics
    ]
    stale = {k.split(":", 1)[1] if ":" in k else k: v for k, v in computed_status(first, []).items()}
    values = sorted({v for m in metrics for v in m["tags"]})
    return {
        **doc,
        "schema_version": "2.1.0",
        "metrics": metrics,
        "default_grouping": values,
        "allow_tag_failures": [],
        "status": stale,
    }
