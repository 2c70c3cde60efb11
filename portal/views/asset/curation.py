"""Curation metrics and the curation GUIs embedded next to them.

aind-data-schema's `CurationMetric.value` is a list of curations, oldest first (real
records often store each one as JSON text), with `curation_history` entries
`{curator, timestamp}`. AIND's portal embeds its ephys curation GUI: when a curation
metric's reference is a page on a host of QC_PORTAL_CURATION_HOSTS (and may be
embedded at all: QC_PORTAL_IFRAME_HOSTS), the page sends that frame the latest
curation by `postMessage` once it has loaded,

    {"type": "curation-data", "identifier": <metric key>, "data": <latest curation>}

and accepts one back in the same shape (assets/curation.js checks origin, source,
size and the right to annotate; the callback checks them again on the server). The
curation sent back becomes an unsaved change; Submit appends it to the metric's
value, and the annotation service adds the history entry with the server-side user
and time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MESSAGE_TYPE = "curation-data"
MAX_BYTES = 1_000_000  # largest curation accepted from (or sent to) a GUI, as UTF-8 JSON


@dataclass(frozen=True)
class Latest:
    """The latest curation of a metric: as stored, as a GUI receives it, and its form."""

    stored: Any  # the last element of value (None when there is none)
    data: Any  # what a GUI receives: JSON text parsed, anything else as stored
    as_text: bool  # the stored curation is JSON text


def latest(values: Any) -> Latest:
    """The latest curation of a curation metric's value (a list; anything else has none)."""
    if not isinstance(values, list) or not values:
        return Latest(None, None, False)
    stored = values[-1]
    data, as_text = decoded(stored)
    return Latest(stored, data, as_text)  # plain text is sent as it is


_TEXT_LEVELS = 3  # JSON text inside JSON text: real records hold curations encoded twice


def decoded(value: Any) -> tuple[Any, bool]:
    """A stored curation as data, and whether it was JSON text: JSON text is parsed (again,
    when what it holds is JSON text itself); anything else is returned as it is."""
    as_text = False
    for _ in range(_TEXT_LEVELS):
        if not isinstance(value, str):
            break
        try:
            parsed = json.loads(value)
        except ValueError:
            break
        if not isinstance(parsed, dict | list | str):
            break  # a number or a word in quotes is shown as stored
        value, as_text = parsed, True
    return value, as_text


@dataclass(frozen=True)
class Version:
    """One curation of a curation metric: its number (1 = the oldest), its content as data,
    whether it was stored as JSON text, and who made it when (when the history says)."""

    number: int
    data: Any
    as_text: bool
    curator: str | None
    at: Any  # datetime, or None when the history has no entry for it


def versions(values: Any, history: tuple[tuple[str, Any], ...] = ()) -> list[Version]:
    """Every curation of a metric, newest first. `history` is (curator, time) newest first
    (portal.views.asset.model.Curation.history); each entry records one appended curation,
    so they pair with the curations from the newest back (older curations may predate the
    history)."""
    if not isinstance(values, list):
        return []
    out = []
    for back, value in enumerate(reversed(values)):
        data, as_text = decoded(value)
        curator, at = history[back] if back < len(history) else (None, None)
        out.append(Version(len(values) - back, data, as_text, curator, at))
    return out


def stored_form(data: Any, values: Any) -> Any:
    """A curation as it is to be appended: JSON text when the latest one is stored as JSON
    text (the document keeps one form), else as received."""
    if latest(values).as_text and not isinstance(data, str):
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return data


def size(data: Any) -> int | None:
    """The UTF-8 size of `data` as JSON; None when it is not JSON."""
    try:
        return len(json.dumps(data, ensure_ascii=False, allow_nan=False).encode())
    except (TypeError, ValueError):
        return None


def acceptable(data: Any) -> bool:
    """Whether a curation sent back by a GUI may become a change: JSON, at most MAX_BYTES."""
    n = size(data)
    return n is not None and n <= MAX_BYTES


@dataclass(frozen=True)
class CurationFrame:
    """A curation GUI frame bound to one metric: its key, the viewer it is, what it receives."""

    key: str  # the metric's key: the messages' identifier
    viewer: str  # the Viewer.key of the frame
    payload: str | None  # the latest curation as JSON text, None when too large to send
    name: str


def _host(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def curation_frame(group, hosts: frozenset[str]) -> CurationFrame | None:
    """The curation frame of a reference group (portal.views.asset.viewers.ReferenceGroup), if any.

    Bound only when the group has exactly one curation metric (a frame speaks for one
    metric) and one of its viewers is embedded from a curation host.
    """
    if not hosts:
        return None
    curations = [m for m in group.metrics if m.kind == "curation"]
    if len(curations) != 1:
        return None
    viewer = next((v for v in group.viewers if v.embed and _host(v.embed) in hosts), None)
    if viewer is None:
        return None
    metric = curations[0]
    data = latest(metric.value).data
    payload = json.dumps(data, ensure_ascii=False, default=str)
    if len(payload.encode()) > MAX_BYTES:
        payload = None
    return CurationFrame(metric.key, viewer.key, payload, metric.name)
