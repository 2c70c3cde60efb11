"""GROUP BY queries behind the overview's charts and the project page (every count in SQL).

Each function takes an open connection and an AssetQuery; the filters are the same
clause as the listing's (filters.where), so a count and the grid never disagree.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from portal.errors import InvalidInput
from portal.store.protocol import (
    STATUS_GROUPS,
    AssetQuery,
    GroupCount,
    MetricCountRow,
    StageCountRow,
    SubjectCountRow,
    wants_modality,
)
from portal.store.sql import aggregates, filters
from portal.store.sql.tables import asset_metrics, asset_modalities, asset_stages, assets


class week_start(FunctionElement):  # noqa: N801 - named like the SQL function it renders
    """The Monday (a DATE) of the UTC week holding a timestamp; rendered per dialect."""

    type = Date()
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    # Timestamps are stored as naive UTC text; 'weekday 0' moves forward to the Sunday
    # ending the week (or stays on a Sunday), and six days back is that week's Monday.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element, compiler, **kw):
    # date_trunc('week') is ISO (Monday) and must not depend on the session's time zone.
    return f"CAST(date_trunc('week', ({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC') AS DATE)"


_GROUP_COLUMNS = {
    "project": assets.c.project,
    "subject": assets.c.subject_id,
    "level": assets.c.level,
    "source": assets.c.source,
}


def status_counts(connection, query: AssetQuery, by: str) -> list[GroupCount]:
    """Assets per `by` value x overall status."""
    if by not in STATUS_GROUPS:
        raise InvalidInput(f"cannot count by {by!r}; choose one of {', '.join(STATUS_GROUPS)}")
    if by in ("project", "level") and aggregates.answers(query, totals=True):
        # O(groups) from the pre-aggregated counts (the overview's project bars).
        return [GroupCount(k, s, n) for k, s, n in aggregates.group_totals(connection, query, by)]
    key = week_start(assets.c.acquired) if by == "week" else _GROUP_COLUMNS[by]
    statement = filters.scan(
        select(key.label("key"), assets.c.status, func.count()).where(filters.where(query)).group_by(
            key, assets.c.status),
        query,
    )
    rows = connection.execute(statement).all()
    if by == "week":
        return [GroupCount(_as_date(k), s, n) for k, s, n in rows]
    return [GroupCount(k, s, n) for k, s, n in rows]


def modality_counts(connection, query: AssetQuery) -> list[tuple[str | None, str, str, int]]:
    """(project, modality, modality status, assets) for any filters, in one GROUP BY.

    The database groups the filtered assets by (project, modality_status, status); the
    few hundred groups are then spread over their modalities here, exactly as
    asset_modalities holds them (an asset without modalities counts under "(none)" with
    its overall status). One scan of a covering index instead of a join of two tables.
    """
    statement = filters.scan(
        select(assets.c.project, assets.c.modality_status, assets.c.status, func.count())
        .where(filters.where(query))
        .group_by(assets.c.project, assets.c.modality_status, assets.c.status),
        query,
    )
    tally: dict[tuple[str | None, str, str], int] = {}
    for project, per_modality, status, n in connection.execute(statement):
        for modality, modality_status in (per_modality or {"(none)": status}).items():
            if not wants_modality(query, modality):
                continue
            key = (project, modality, modality_status)
            tally[key] = tally.get(key, 0) + n
    return [(*key, n) for key, n in tally.items()]


def subject_counts(connection, query: AssetQuery) -> list[SubjectCountRow]:
    """Assets per subject x modality x modality-status."""
    statement = (
        select(assets.c.subject_id, asset_modalities.c.modality, asset_modalities.c.status, func.count())
        .join(asset_modalities, asset_modalities.c.asset_id == assets.c.id)
        .where(filters.where(query))
        .group_by(assets.c.subject_id, asset_modalities.c.modality, asset_modalities.c.status)
    )
    rows = filters.modality_rows(query, asset_modalities.c.modality)
    if rows is not None:
        statement = statement.where(rows)
    return [SubjectCountRow(*row) for row in connection.execute(statement).all()]


def stage_counts(connection, query: AssetQuery) -> list[StageCountRow]:
    """Assets per modality x stage x status of that cell's metrics."""
    statement = (
        select(asset_stages.c.modality, asset_stages.c.stage, asset_stages.c.status, func.count())
        .join(assets, assets.c.id == asset_stages.c.asset_id)
        .where(filters.where(query))
        .group_by(asset_stages.c.modality, asset_stages.c.stage, asset_stages.c.status)
    )
    rows = filters.modality_rows(query, asset_stages.c.modality)
    if rows is not None:
        statement = statement.where(rows)
    return [StageCountRow(*row) for row in connection.execute(statement).all()]


def metric_counts(connection, query: AssetQuery) -> list[MetricCountRow]:
    """Metrics per name x modality x stage x own status over the filtered assets."""
    statement = (
        select(asset_metrics.c.name, asset_metrics.c.modality, asset_metrics.c.stage, asset_metrics.c.status,
               func.count())
        .join(assets, assets.c.id == asset_metrics.c.asset_id)
        .where(filters.where(query))
        .group_by(asset_metrics.c.name, asset_metrics.c.modality, asset_metrics.c.stage, asset_metrics.c.status)
    )
    rows = filters.modality_rows(query, asset_metrics.c.modality)
    if rows is not None:
        statement = statement.where(rows)
    return [MetricCountRow(*row) for row in connection.execute(statement).all()]


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class SummaryReads:
    """The grouped reads of the overview and project pages, as SqlAssetStore methods.

    Mixed into SqlAssetStore, whose `_read()` opens a connection that turns a database
    that does not answer into StoreUnavailable.
    """

    def status_counts(self, query: AssetQuery, by: str) -> list[GroupCount]:
        """Assets per `by` value (project, subject, level or acquisition week) x overall status."""
        with self._read() as connection:
            return status_counts(connection, query, by)

    def subject_counts(self, query: AssetQuery) -> list[SubjectCountRow]:
        """Assets per subject x modality x modality-status."""
        with self._read() as connection:
            return subject_counts(connection, query)

    def stage_counts(self, query: AssetQuery) -> list[StageCountRow]:
        """Assets per modality x stage x status of that cell's metrics."""
        with self._read() as connection:
            return stage_counts(connection, query)

    def metric_counts(self, query: AssetQuery) -> list[MetricCountRow]:
        """Metrics per name x modality x stage x own status over the filtered assets."""
        with self._read() as connection:
            return metric_counts(connection, query)
