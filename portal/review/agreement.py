"""How much raters agree: percent agreement, Cohen's kappa for a pair, Fleiss' kappa for three.

Pure arithmetic on counts the store aggregates (portal.store.sql.ratings): a pair's
confusion matrix `{(status_a, status_b): n}` over the items both rated, or per item the
number of raters who gave each status. Kappa is None where it is undefined: no items, or
every rating in one category (chance agreement is then 1: nothing left to explain).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

CATEGORIES = ("Pass", "Fail", "Pending")


@dataclass(frozen=True)
class PairAgreement:
    """Two raters over the items both rated (a metric of an asset in one round)."""

    n: int
    percent: float | None  # observed agreement, 0-100
    kappa: float | None  # Cohen's kappa
    confusion: dict[str, dict[str, int]]  # rater a's status -> rater b's status -> items


def cohen(confusion: Mapping[tuple[str, str], int], categories: Iterable[str] = CATEGORIES) -> PairAgreement:
    """Cohen's kappa of a pair from its confusion counts `{(a's status, b's status): items}`.

    kappa = (p_o - p_e) / (1 - p_e), with p_o the share of items both gave the same status and
    p_e the agreement expected by chance from each rater's own shares of each status.
    """
    cats = list(categories)
    for a, b in confusion:
        for status in (a, b):
            if status not in cats:
                cats.append(status)
    n = sum(confusion.values())
    table = {a: {b: int(confusion.get((a, b), 0)) for b in cats} for a in cats}
    if n == 0:
        return PairAgreement(0, None, None, table)
    observed = sum(table[c][c] for c in cats) / n
    rows = {c: sum(table[c].values()) / n for c in cats}
    cols = {c: sum(table[a][c] for a in cats) / n for c in cats}
    expected = sum(rows[c] * cols[c] for c in cats)
    kappa = None if expected >= 1.0 else (observed - expected) / (1.0 - expected)
    return PairAgreement(n, round(100.0 * observed, 1), _round(kappa), table)


def fleiss(items: Iterable[Mapping[str, int]]) -> tuple[int, float | None]:
    """(items, Fleiss' kappa) over items each rated by the same number of raters (>= 2).

    `items`: per item, status -> raters who gave it. Items with another number of raters
    than the first item's are left out (Fleiss' kappa needs a fixed number per item).
    """
    rows = [dict(item) for item in items if sum(item.values()) >= 2]
    if not rows:
        return 0, None
    m = sum(rows[0].values())
    rows = [row for row in rows if sum(row.values()) == m]
    n = len(rows)
    per_item = [sum(k * (k - 1) for k in row.values()) / (m * (m - 1)) for row in rows]
    observed = sum(per_item) / n
    totals: dict[str, int] = {}
    for row in rows:
        for status, k in row.items():
            totals[status] = totals.get(status, 0) + k
    expected = sum((k / (n * m)) ** 2 for k in totals.values())
    kappa = None if expected >= 1.0 else (observed - expected) / (1.0 - expected)
    return n, _round(kappa)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
