"""Quantiles, the median absolute deviation, histogram bins and the Wilson bound.

Definitions (the API documents them):

- `quantile(values, p)`: linear interpolation between the closest ranks of the sorted
  values (numpy's default, `statistics.quantiles(method="inclusive")`): at h = (n - 1) p,
  x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]);
- `mad`: the median of |x - median| — raw, not scaled by 1.4826; control limits are
  median +/- 3 MAD;
- bins: `BINS` equal-width bins from the smallest to the largest value, each [lo, hi),
  the last one [lo, hi]; one bin [v, v] when every value is v;
- `wilson_lower(k, n)`: the lower bound of the 95 % Wilson score interval of k
  successes in n trials (0 when n is 0): a fail rate that respects sample size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

BINS = 20
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Bin:
    """One histogram bin and how many values of each status fall in it."""

    lo: float
    hi: float
    passed: int = 0
    failed: int = 0
    pending: int = 0


@dataclass(frozen=True)
class Distribution:
    """A metric's values across a project: count, centre, spread, range and histogram."""

    n: int
    median: float
    mad: float
    p5: float
    p95: float
    bins: tuple[Bin, ...]
    asset: float | None = None  # the value of the asset asked about, when asked
    asset_values: tuple[float, ...] = field(default_factory=tuple)


def quantile(ordered: Sequence[float], p: float) -> float:
    """The p-quantile of sorted values (linear interpolation; see the module)."""
    if not ordered:
        raise ValueError("no values")
    h = (len(ordered) - 1) * p
    low = math.floor(h)
    if low + 1 >= len(ordered):
        return float(ordered[-1])
    return float(ordered[low] + (h - low) * (ordered[low + 1] - ordered[low]))


def interpolate(pair: Sequence[float], h: float) -> float:
    """The interpolated quantile from the two values at ranks floor(h) and floor(h) + 1."""
    if len(pair) == 1:
        return float(pair[0])
    return float(pair[0] + (h - math.floor(h)) * (pair[1] - pair[0]))


def bin_width(lo: float, hi: float, bins: int = BINS) -> float:
    """The width of `bins` equal bins over [lo, hi] (0 when lo == hi)."""
    return (hi - lo) / bins if hi > lo else 0.0


def bin_index(value: float, lo: float, width: float, bins: int = BINS) -> int:
    """The bin of `value` (the largest value falls in the last bin)."""
    if width <= 0:
        return 0
    return min(int((value - lo) / width), bins - 1)


def make_bins(lo: float, hi: float, tally: dict[tuple[int, str], int], bins: int = BINS) -> tuple[Bin, ...]:
    """Bins over [lo, hi] filled from {(bin index, status): count}."""
    width = bin_width(lo, hi, bins)
    count = bins if width > 0 else 1
    out = []
    for index in range(count):
        low = lo + index * width
        high = hi if index == count - 1 else lo + (index + 1) * width
        out.append(Bin(low, high, tally.get((index, "Pass"), 0), tally.get((index, "Fail"), 0),
                       tally.get((index, "Pending"), 0)))
    return tuple(out)


def distribution(values: Iterable[tuple[float, str]], bins: int = BINS) -> Distribution | None:
    """The distribution of (value, status) pairs, computed in Python (the reference the
    SQL implementation is tested against); None without values."""
    pairs = list(values)
    if not pairs:
        return None
    ordered = sorted(value for value, _ in pairs)
    centre = quantile(ordered, 0.5)
    spread = quantile(sorted(abs(value - centre) for value in ordered), 0.5)
    lo, hi = ordered[0], ordered[-1]
    width = bin_width(lo, hi, bins)
    tally: dict[tuple[int, str], int] = {}
    for value, status in pairs:
        key = (bin_index(value, lo, width, bins), status)
        tally[key] = tally.get(key, 0) + 1
    return Distribution(len(ordered), centre, spread, quantile(ordered, 0.05), quantile(ordered, 0.95),
                        make_bins(lo, hi, tally, bins))


def wilson_lower(k: int, n: int, z: float = Z95) -> float:
    """The lower bound of the Wilson score interval for k of n (0 when n is 0)."""
    if n <= 0:
        return 0.0
    phat = k / n
    denominator = 1 + z * z / n
    centre = phat + z * z / (2 * n)
    margin = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / denominator)
