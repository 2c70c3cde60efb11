"""The QC domain: reading, normalising and evaluating `quality_control` documents.

Everything above the stores works through these functions and the value types in
`portal.qc.types`; nothing else needs to know the historical layouts.
"""

from portal.qc.normalize import QCReadError, detect_layout, normalise
from portal.qc.read import dump_qc, load_qc, load_qc_with_report
from portal.qc.status import (
    counts,
    effective_status,
    evaluate,
    fail_tolerated,
    last_review,
    metric_status,
    metric_statuses,
    status_dict,
)
from portal.qc.summary import summarise
from portal.qc.types import AssetSummary, MetricCounts, MetricStatus, Review, StatusReport
from portal.qc.values import status_from_choice, value_kind

__all__ = [
    "AssetSummary",
    "MetricCounts",
    "MetricStatus",
    "QCReadError",
    "Review",
    "StatusReport",
    "counts",
    "detect_layout",
    "dump_qc",
    "effective_status",
    "evaluate",
    "fail_tolerated",
    "last_review",
    "load_qc",
    "load_qc_with_report",
    "metric_status",
    "metric_statuses",
    "normalise",
    "status_dict",
    "status_from_choice",
    "summarise",
    "value_kind",
]
