"""A metric's value as one number, for distributions across assets (issue 16).

- a number (int or float, not a bool) is itself;
- a non-empty list whose items are all numbers is summarised by its **median** (robust
  to the odd channel or probe: a list of per-channel noise levels reads as its typical
  channel);
- anything else (text, dicts, dropdowns, checkboxes, tables, curations, empty lists,
  NaN or infinite numbers) has no numeric value: None, and the metric is left out of
  distributions.

Pure: no Dash, no Flask, no store.
"""

from __future__ import annotations

import math
from statistics import median
from typing import Any


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def numeric_value(value: Any) -> float | None:
    """The number a metric value stands for in a distribution, or None (see the module)."""
    single = _number(value)
    if single is not None or not isinstance(value, list) or not value:
        return single
    numbers = [_number(item) for item in value]
    if any(number is None for number in numbers):
        return None
    return float(median(numbers))
