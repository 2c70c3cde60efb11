"""What the project page reads from a store (portal.store.sql.project_reads answers it from the
pre-aggregated tables of migration 0019; the DocDB store answers Unsupported)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ProjectMetricRow:
    """Counts of one metric (name, modality, stage) over a project's assets, all of them
    (dimension "*") or those of one instrument or experimenter (`value`)."""

    name: str
    modality: str
    stage: str
    dimension: str  # "*", "instrument", "experimenter"
    value: str  # "" for "*" and for assets without an instrument
    passed: int
    failed: int
    pending: int
    tolerated: int  # Fails allow_tag_failures counts as Pass
    n_values: int  # how many of them have a numeric value


@dataclass(frozen=True)
class CellRow:
    """Assets of a project per (kind, a, b, status): kind "stage" (modality, stage), "subject"
    (subject, modality) or "week" (the Monday as YYYY-MM-DD or "", "")."""

    kind: str
    a: str
    b: str
    status: str
    n: int


@dataclass(frozen=True)
class TrendPoint:
    """One numeric value of a metric: its asset's id, acquisition time, value and own status."""

    asset_id: str
    acquired: datetime
    value: float
    status: str


@dataclass(frozen=True)
class QCTime:
    """One asset reviewed in the portal: when it was created in the portal, its first Pass/Fail
    entry written through the portal, and (when it has no Pending metric left) its last one."""

    asset: str
    created: datetime
    first_decision: datetime
    settled: datetime | None
