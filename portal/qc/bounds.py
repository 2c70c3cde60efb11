"""Resource bounds on what the portal accepts: JSON nesting depth, metrics per document.

Every write path (ingest, pushed metrics, annotations, the Dash endpoint) reads JSON
from outside. Python's json module and pydantic recurse, so a value nested a thousand
levels deep can raise RecursionError anywhere it is read, serialised or validated —
forever, once it is stored. These checks are iterative and refuse such input before it
is stored. The limits come from settings (`Limits`, built by `Settings.limits`); the
defaults here are the settings' defaults.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_LIMITS", "Limits", "TooDeep", "check_depth", "depth_exceeds", "loads"]

# A metric `value` may nest this deep (a table of lists of objects is 4); the QC domain
# refuses deeper values on every read, whatever the settings, so nothing stored can
# make the JSON encoder recurse out of stack.
MAX_VALUE_DEPTH = 32


@dataclass(frozen=True)
class Limits:
    """Bounds on one request or one ingested document (see the README's settings table)."""

    max_json_depth: int = 64
    max_metrics: int = 10_000
    max_changes: int = 5_000
    max_request_mb: int = 64
    max_document_mb: int = 32


DEFAULT_LIMITS = Limits()


class TooDeep(ValueError):
    """JSON nested deeper than allowed."""


def depth_exceeds(value: Any, limit: int) -> bool:
    """True when `value` (parsed JSON: dicts, lists, scalars) nests deeper than `limit` levels.

    Iterative (an explicit stack), so it is safe on values that would overflow Python's
    recursion limit. A scalar has depth 0, `[1]` depth 1, `{"a": [1]}` depth 2.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        if depth > limit:
            return True
        stack.extend((child, depth) for child in children if isinstance(child, dict | list | tuple))
    return False


def check_depth(value: Any, limit: int, what: str) -> None:
    """Raise TooDeep naming `what` when `value` nests deeper than `limit`."""
    if depth_exceeds(value, limit):
        raise TooDeep(f"{what} is nested more than {limit} levels deep")


def loads(text: str | bytes, *, max_depth: int, what: str = "the JSON") -> Any:
    """`json.loads` that refuses input nested deeper than `max_depth` (TooDeep) instead of
    raising RecursionError, and reports malformed JSON as ValueError."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep(f"{what} is nested more than {max_depth} levels deep") from None
    check_depth(value, max_depth, what)
    return value
