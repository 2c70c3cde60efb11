"""The overview's and the project page's count rows (`store.counts`, `status_counts`,
`subject_counts`, `stage_counts`, `metric_counts`). Kept apart from portal.store.protocol,
which re-exports them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class CountRow:
    """Assets of one project and modality whose status (for that modality) is `status`."""

    project: str
    modality: str
    status: str
    n: int


# Groupings of `status_counts`: asset field -> its key in GroupCount ("week" is the Monday,
# as a date, of the acquisition week in UTC; "source" the raw asset of derived assets).
STATUS_GROUPS = ("project", "subject", "level", "week", "source")


@dataclass(frozen=True)
class GroupCount:
    """Assets whose `by` value is `key` (None: not set) and whose overall status is `status`."""

    key: str | date | None
    status: str
    n: int


@dataclass(frozen=True)
class SubjectCountRow:
    """Assets of one subject and modality whose status (for that modality) is `status`."""

    subject: str | None
    modality: str
    status: str
    n: int


@dataclass(frozen=True)
class StageCountRow:
    """Assets whose metrics of one modality and stage have the status `status`."""

    modality: str
    stage: str
    status: str
    n: int


@dataclass(frozen=True)
class MetricCountRow:
    """Metrics named `name` (of one modality and stage) whose own status is `status`."""

    name: str
    modality: str
    stage: str
    status: str
    n: int
