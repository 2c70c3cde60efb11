"""Which metric of a document an edit means: metric identity, keys and the one resolver.

Real documents repeat metric names (per probe, per plane, per tile, duplicated 1.x
evaluations), so a name alone does not say which metric an edit is for. A metric is
identified by its `name` plus the qualifiers that tell same-named metrics apart —
its modality abbreviation, its stage and its tags — and, for metrics equal in all of
those ("twins"), by its `occurrence` among them (1-based, in document order).

Every metric also has a `key`: a readable string, unique in its document and stable
(it depends only on the metric's own identity and, for twins, on its twins before
it), e.g. ``Probe drift [ecephys, Raw data, probe=ProbeA]`` or, for a second twin,
``Sample coordinates [SPIM, Processing] #2``. Every write path (the asset page, the
REST API, the batch upload, pushed metrics, re-ingest) goes through `MetricIndex`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portal.qc.fields import lookup_modality

__all__ = [
    "AmbiguousMetric",
    "MetricIndex",
    "MetricLookupError",
    "MetricSelector",
    "UnknownMetric",
    "identity",
    "metric_key",
]


class MetricLookupError(ValueError):
    """A selector that names no metric, or several: the message says which and why."""

    def __init__(self, message: str, candidates: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.candidates = candidates  # the keys of the metrics it could mean

    def __str__(self) -> str:
        return self.message


class UnknownMetric(MetricLookupError):
    """No metric of the document matches the selector."""


class AmbiguousMetric(MetricLookupError):
    """Several metrics match the selector; `candidates` are their keys."""


@dataclass(frozen=True)
class MetricSelector:
    """How a change names its metric: a `key`, or a `name` with optional qualifiers.

    `tags` matches metrics holding at least these tag pairs; `occurrence` picks the
    n-th (1-based, document order) of the metrics left after the other qualifiers.
    """

    name: str | None = None
    key: str | None = None
    modality: str | None = None
    stage: str | None = None
    tags: Mapping[str, Any] | None = None
    occurrence: int | None = None

    def describe(self) -> str:
        """The selector as a user wrote it, for messages."""
        if self.key:
            return f"key {self.key!r}"
        parts = [repr(self.name)]
        if self.modality:
            parts.append(f"modality {self.modality!r}")
        if self.stage:
            parts.append(f"stage {self.stage!r}")
        if self.tags:
            parts.append("tags " + ", ".join(f"{k}={v}" for k, v in self.tags.items()))
        if self.occurrence:
            parts.append(f"occurrence {self.occurrence}")
        return " ".join(parts[:1]) + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


def _attr(metric: Any, name: str) -> Any:
    return metric.get(name) if isinstance(metric, Mapping) else getattr(metric, name, None)


def _modality(metric: Any) -> str:
    modality = _attr(metric, "modality")
    if isinstance(modality, Mapping):
        return str(modality.get("abbreviation") or modality.get("name") or "")
    abbreviation = getattr(modality, "abbreviation", None)
    return str(abbreviation if abbreviation is not None else modality or "")


def _stage(metric: Any) -> str:
    stage = _attr(metric, "stage")
    return str(getattr(stage, "value", stage) or "")


def _tags(metric: Any) -> tuple[tuple[str, str], ...]:
    tags = _attr(metric, "tags") or {}
    if isinstance(tags, list):  # a raw 2.0-2.2 metric: numbered as normalise numbers them
        tags = {f"tag_{i + 1}": tag for i, tag in enumerate(tags)}
    return tuple(sorted((str(k), str(v)) for k, v in tags.items()))


def identity(metric: Any) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    """(name, modality abbreviation, stage, sorted tag pairs) of a metric model or normalised dict."""
    return (str(_attr(metric, "name") or ""), _modality(metric), _stage(metric), _tags(metric))


def metric_key(ident: tuple, occurrence: int = 1) -> str:
    """The readable key of a metric with identity `ident`, the `occurrence`-th of its twins."""
    name, modality, stage, tags = ident
    qualifiers = ", ".join([modality, stage, *(f"{k}={v}" for k, v in tags)])
    key = f"{name} [{qualifiers}]"
    return key if occurrence <= 1 else f"{key} #{occurrence}"


class MetricIndex:
    """The metrics of one document with their identities, occurrences and keys.

    Build it once per document read; `resolve` answers which position a selector
    means. Works on the schema's models and on normalised metric dicts alike.
    """

    def __init__(self, metrics: Sequence[Any]):
        self.metrics = list(metrics)
        self.identities = [identity(metric) for metric in self.metrics]
        seen: dict[tuple, int] = {}
        self.occurrences: list[int] = []
        for ident in self.identities:
            seen[ident] = seen.get(ident, 0) + 1
            self.occurrences.append(seen[ident])
        self.keys: list[str] = []
        taken: set[str] = set()
        for ident, occurrence in zip(self.identities, self.occurrences, strict=True):
            key = metric_key(ident, occurrence)
            # Two different identities can only print alike if a name or tag holds "[", ", "
            # or "=" in just the wrong place; number the later one so keys stay unique.
            bump = occurrence
            while key in taken:
                bump += 1
                key = metric_key(ident, bump)
            taken.add(key)
            self.keys.append(key)
        self._by_key = {key: position for position, key in enumerate(self.keys)}
        self._by_name: dict[str, list[int]] = {}
        for position, ident in enumerate(self.identities):
            self._by_name.setdefault(ident[0], []).append(position)
        self._by_slot = {
            (ident, occurrence): position
            for position, (ident, occurrence) in enumerate(zip(self.identities, self.occurrences, strict=True))
        }

    def __len__(self) -> int:
        return len(self.metrics)

    def key(self, position: int) -> str:
        """The key of the metric at `position`."""
        return self.keys[position]

    def position_of_key(self, key: str) -> int | None:
        """The position of the metric with this key, or None."""
        return self._by_key.get(key)

    def slot(self, position: int) -> tuple[tuple, int]:
        """(identity, occurrence) of the metric at `position`: what matches it across versions."""
        return self.identities[position], self.occurrences[position]

    def find_slot(self, slot: tuple[tuple, int]) -> int | None:
        """The position of the metric with this (identity, occurrence), or None."""
        return self._by_slot.get(slot)

    def is_unique_name(self, position: int) -> bool:
        """True when no other metric of the document has this metric's name."""
        return len(self._by_name.get(self.identities[position][0], ())) == 1

    def positions_named(self, name: str) -> list[int]:
        """Positions of every metric with this name, in document order."""
        return list(self._by_name.get(name, ()))

    def resolve(self, selector: MetricSelector) -> int:
        """The position of the one metric `selector` means.

        Raises UnknownMetric when none matches and AmbiguousMetric (naming the
        candidates by their tags and keys) when several do.
        """
        if selector.key:
            position = self._by_key.get(selector.key)
            if position is None:
                raise UnknownMetric(f"metric with key {selector.key!r} does not exist")
            if selector.name and selector.name != self.identities[position][0]:
                raise UnknownMetric(f"the metric with key {selector.key!r} is not named {selector.name!r}")
            return position
        if not selector.name:
            raise UnknownMetric("a change must name its metric (`metric`) or send its `key`")
        named = self._by_name.get(selector.name)
        if not named:
            raise UnknownMetric(f"metric {selector.name!r} does not exist")
        candidates = [p for p in named if self._matches(p, selector)]
        if selector.occurrence is not None:
            if not isinstance(selector.occurrence, int) or selector.occurrence < 1:
                raise UnknownMetric("occurrence must be a whole number from 1")
            if selector.occurrence > len(candidates):
                raise UnknownMetric(
                    f"metric {selector.describe()}: only {len(candidates)} metric(s) match, "
                    f"so there is no occurrence {selector.occurrence}", self._keys(candidates or named))
            return candidates[selector.occurrence - 1]
        if not candidates:
            raise UnknownMetric(
                f"no metric {selector.describe()}; metrics of that name: {self._listing(named)}", self._keys(named))
        if len(candidates) > 1:
            raise AmbiguousMetric(
                f"metric {selector.describe()} matches {len(candidates)} metrics: {self._listing(candidates)}; "
                "add modality, stage, tags or occurrence, or send the metric's key", self._keys(candidates))
        return candidates[0]

    def _matches(self, position: int, selector: MetricSelector) -> bool:
        _name, modality, stage, tags = self.identities[position]
        if selector.modality:
            wanted = lookup_modality(selector.modality)
            wanted_abbr = wanted.abbreviation if wanted is not None else str(selector.modality)
            if wanted_abbr.lower() != modality.lower():
                return False
        if selector.stage and str(selector.stage).strip().lower() != stage.lower():
            return False
        if selector.tags:
            held = dict(tags)
            if any(held.get(str(k)) != str(v) for k, v in selector.tags.items()):
                return False
        return True

    def _keys(self, positions: list[int]) -> tuple[str, ...]:
        return tuple(self.keys[p] for p in positions)

    def _listing(self, positions: list[int], limit: int = 8) -> str:
        shown = []
        for position in positions[:limit]:
            _name, modality, stage, tags = self.identities[position]
            described = ", ".join([modality, stage, *(f"{k}={v}" for k, v in tags)])
            shown.append(f"[{described}]" + (f" #{self.occurrences[position]}" if self.occurrences[position] > 1
                                              else ""))
        more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
        return "; ".join(shown) + more
