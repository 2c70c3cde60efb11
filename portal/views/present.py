"""JSON shapes of portal objects shared by the CLI (`show --json`) and the REST API."""

from __future__ import annotations

from datetime import datetime

from portal.qc.types import AssetSummary


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def summary_json(summary: AssetSummary, *, version: int | None = None) -> dict:
    """An asset's summary and statuses as one JSON-ready object."""
    status = summary.status
    review = summary.last_review
    return {
        "id": summary.id,
        "name": summary.name,
        "project": summary.project,
        "subject_id": summary.subject_id,
        "acquired": _iso(summary.acquired),
        "level": summary.level,
        "source_data": list(summary.source_data),
        "modalities": list(summary.modalities),
        "location": summary.location,
        "qc_state": summary.qc_state,
        "qc_error": summary.qc_error,
        "schema_version": summary.schema_version,
        "status": {
            "overall": summary.overall_status,
            "modality": dict(status.modality) if status else {},
            "stage": dict(status.stage) if status else {},
            "tag": dict(status.tag) if status else {},
        },
        "metrics": {
            "total": summary.counts.total,
            "pass": summary.counts.passed,
            "fail": summary.counts.failed,
            "pending": summary.counts.pending,
        },
        "last_review": {"evaluator": review.evaluator, "at": _iso(review.at)} if review else None,
        "version": version,
    }


def summary_text(summary: AssetSummary) -> str:
    """An asset's summary and statuses as lines for the terminal."""
    data = summary_json(summary)
    lines = [
        f"{summary.name}",
        f"  project:     {summary.project or '-'}",
        f"  subject:     {summary.subject_id or '-'}",
        f"  acquired:    {data['acquired'] or '-'}",
        f"  level:       {summary.level or '-'}",
        f"  modalities:  {', '.join(summary.modalities) or '-'}",
        f"  location:    {summary.location or '-'}",
    ]
    if summary.source_data:
        lines.append(f"  source data: {', '.join(summary.source_data)}")
    lines.append(f"  QC status:   {summary.overall_status}")
    if summary.qc_error:
        lines.append(f"  QC error:    {summary.qc_error}")
    metrics = data["metrics"]
    if metrics["total"]:
        lines.append(
            f"  metrics:     {metrics['total']} ({metrics['pass']} pass, {metrics['fail']} fail, "
            f"{metrics['pending']} pending)"
        )
    for label, key in (("by modality", "modality"), ("by stage", "stage")):
        if data["status"][key]:
            pairs = ", ".join(f"{k}: {v}" for k, v in sorted(data["status"][key].items()))
            lines.append(f"  {label + ':':<12} {pairs}")
    if summary.last_review:
        lines.append(f"  last review: {summary.last_review.evaluator} at {data['last_review']['at']}")
    return "\n".join(lines)
