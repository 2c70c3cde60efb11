"""Metric distributions from metric_values, computed in the database (never from documents).

One metric (name, modality, stage) of one project is one range of ix_metric_values_group,
ordered by value: the count and range are one aggregate, each quantile an ordered LIMIT 2
OFFSET k read of that index, the MAD one ordered read of |value - median|, the histogram
one GROUP BY bin x status. Definitions: portal.qc.stats (the tests compare both).
Deleted assets have no rows (their rows go with their status rows: portal.store.sql.hidden).
"""

from __future__ import annotations

import math

from sqlalchemy import Integer, and_, cast, func, literal, select

from portal.errors import InvalidInput, NotFound
from portal.qc.stats import BINS, Distribution, bin_width, interpolate, make_bins
from portal.store.sql import hidden
from portal.store.sql.tables import asset_metrics, assets, metric_values


def _group(project: str, metric: str, modality: str, stage: str):
    v = metric_values.c
    return and_(v.project == project, v.name == metric, v.modality == modality, v.stage == stage)


def _at(connection, where, order, n: int, p: float) -> float:
    h = (n - 1) * p
    pair = [row[0] for row in connection.execute(
        select(order).where(where).order_by(order).limit(2).offset(math.floor(h)))]
    return interpolate(pair, h)


def _bucket(connection, lo: float, width: float):
    shifted = (metric_values.c.value - literal(lo)) / literal(width)
    # value >= lo, so truncation is floor; PostgreSQL's CAST rounds, so floor it first.
    if connection.dialect.name == "postgresql":
        return cast(func.floor(shifted), Integer)
    return cast(shifted, Integer)


def _why_empty(connection, project: str, metric: str, modality: str, stage: str) -> None:
    """No numeric value: a 404 when the project has no such metric, a 422 when it is not numeric."""
    known = connection.execute(
        select(asset_metrics.c.asset_id).join(assets, assets.c.id == asset_metrics.c.asset_id)
        .where(assets.c.project == project, hidden.visible(), asset_metrics.c.name == metric,
               asset_metrics.c.modality == modality, asset_metrics.c.stage == stage).limit(1)
    ).first()
    if known is None:
        raise NotFound(f"project {project!r} has no metric {metric!r} of modality {modality!r} at stage {stage!r}")
    raise InvalidInput(f"metric {metric!r} has no numeric values in project {project!r} (a distribution needs "
                       "numbers, or lists of numbers)")


def metric_distribution(connection, project: str, metric: str, modality: str, stage: str, *,
                        asset: str | None = None, bins: int = BINS) -> Distribution:
    """The distribution of one metric across a project's visible assets; NotFound when the
    project has no such metric (or no such asset), InvalidInput when it has no numbers."""
    where = _group(project, metric, modality, stage)
    v = metric_values.c
    n, lo, hi = connection.execute(select(func.count(), func.min(v.value), func.max(v.value)).where(where)).one()
    if not n:
        _why_empty(connection, project, metric, modality, stage)
    median = _at(connection, where, v.value, n, 0.5)
    mad = _at(connection, where, func.abs(v.value - literal(median)), n, 0.5)
    width = bin_width(lo, hi, bins)
    tally: dict[tuple[int, str], int] = {}
    if width > 0:
        bucket = _bucket(connection, lo, width).label("bucket")
        for index, status, count in connection.execute(
                select(bucket, v.status, func.count()).where(where).group_by(bucket, v.status)):
            key = (min(int(index), bins - 1), status)
            tally[key] = tally.get(key, 0) + count
    else:
        for status, count in connection.execute(select(v.status, func.count()).where(where).group_by(v.status)):
            tally[(0, status)] = count
    own: tuple[float, ...] = ()
    if asset is not None:
        found = connection.execute(select(assets.c.id).where(
            assets.c.name == asset, hidden.visible())).first()
        if found is None:
            raise NotFound(f"Asset not found: {asset}")
        own = tuple(row[0] for row in connection.execute(
            select(v.value).where(where, v.asset_id == found.id).order_by(v.position)))
    return Distribution(n=n, median=median, mad=mad, p5=_at(connection, where, v.value, n, 0.05),
                        p95=_at(connection, where, v.value, n, 0.95), bins=make_bins(lo, hi, tally, bins),
                        asset=own[0] if own else None, asset_values=own)


class AnalyticsReads:
    """The QC-in-context reads as SqlAssetStore methods (mixed in; `_read()` opens a connection)."""

    def metric_distribution(self, project: str, metric: str, modality: str, stage: str, *,
                            asset: str | None = None) -> Distribution:
        """One metric's values across a project (portal.qc.stats.Distribution)."""
        with self._read() as connection:
            return metric_distribution(connection, project, metric, modality, stage, asset=asset)
