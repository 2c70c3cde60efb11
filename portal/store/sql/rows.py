"""Conversions between domain summaries and rows of the SQL tables."""

from __future__ import annotations

from datetime import UTC, timedelta

from portal.qc.types import AssetSummary
from portal.store.protocol import AssetRow


def asset_columns(summary: AssetSummary) -> dict:
    """The assets-table summary columns for one summary (document and bookkeeping excluded)."""
    review = summary.last_review
    return {
        "name": summary.name,
        "project": summary.project,
        "subject_id": summary.subject_id,
        "acquired": summary.acquired,
        "level": summary.level,
        "source": summary.source_data[0] if summary.source_data else None,
        "modalities": ",".join(summary.modalities),
        "location": summary.location,
        "status": summary.overall_status,
        "modality_status": modality_status(summary),
        "qc_error": summary.qc_error,
        "schema_version": summary.schema_version,
        "n_total": summary.counts.total,
        "n_pass": summary.counts.passed,
        "n_fail": summary.counts.failed,
        "n_pending": summary.counts.pending,
        "last_review_by": review.evaluator if review else None,
        "last_review_at": review.at if review else None,
    }


def modality_status(summary: AssetSummary) -> dict[str, str]:
    """Status per modality of the asset; a modality without metrics takes the asset's status."""
    by_modality = dict(summary.status.modality) if summary.status else {}
    for modality in summary.modalities:
        by_modality.setdefault(modality, summary.overall_status)
    return by_modality


def modality_rows(asset_id: str, summary: AssetSummary) -> list[dict]:
    """Rows of asset_modalities; an asset without modalities counts under "(none)"."""
    statuses = modality_status(summary) or {"(none)": summary.overall_status}
    return [{"asset_id": asset_id, "modality": m, "status": s} for m, s in statuses.items()]


def stage_rows(asset_id: str, summary: AssetSummary) -> list[dict]:
    """Rows of asset_stages: status per (modality, stage) with metrics."""
    if summary.status is None:
        return []
    return [
        {"asset_id": asset_id, "modality": modality, "stage": stage, "status": status}
        for (modality, stage), status in summary.status.modality_stage.items()
    ]


def metric_rows(asset_id: str, summary: AssetSummary) -> list[dict]:
    """Rows of asset_metrics: each metric's own status, keyed by its position in the document."""
    return [
        {"asset_id": asset_id, "position": position, "name": m.name, "modality": m.modality, "stage": m.stage,
         "status": m.status}
        for position, m in enumerate(summary.metrics)
    ]


def to_asset_row(row) -> AssetRow:
    """An AssetRow from a result row of the listing query (store._ROW_COLUMNS, in that order)."""
    (id_, name, project, subject_id, acquired, level, source, modalities, status, modality_status, n_total, n_pass,
     n_fail, n_pending, last_review_by, last_review_at, version) = row
    # Positional, in the field order AssetRow declares (the same as the columns'): a grid block
    # builds 100 of these, and keyword arguments and attribute lookups on the row cost more.
    return AssetRow(id_, name, project, subject_id, acquired, level, source,
                    tuple(m for m in modalities.split(",") if m) if modalities else (), status,
                    dict(modality_status) if modality_status else {}, n_total, n_pass, n_fail, n_pending,
                    last_review_by, last_review_at, version)


def to_asset_rows(rows) -> list[AssetRow]:
    """AssetRows from the result rows of the listing query."""
    return [to_asset_row(row) for row in rows]


def value_rows(asset_id: str, summary: AssetSummary) -> list[dict]:
    """Rows of metric_values: each metric with a numeric value (portal.qc.numeric)."""
    project = summary.project or ""
    return [
        {"asset_id": asset_id, "position": position, "project": project, "name": m.name, "modality": m.modality,
         "stage": m.stage, "value": m.value, "status": m.status, "acquired": summary.acquired}
        for position, m in enumerate(summary.metrics) if m.value is not None
    ]


def group_row(asset_id: str, summary: AssetSummary) -> dict:
    """The asset_groups row: project, subject, week, overall status, instrument, experimenters and
    tolerated metric positions."""
    acquired = summary.acquired
    week = (acquired.astimezone(UTC).date() - timedelta(days=acquired.astimezone(UTC).weekday())).isoformat() \
        if acquired else ""
    return {"asset_id": asset_id, "project": summary.project or "", "subject": (summary.subject_id or "")[:100],
            "week": week, "status": summary.overall_status, "instrument": summary.instrument or "",
            "experimenters": list(summary.experimenters),
            "tolerated": [position for position, m in enumerate(summary.metrics) if m.tolerated]}
