"""The overview's filters <-> the URL query string (the one place that knows the keys).

Every view of the overview is a deep link: `?project=A&project=B&status=Fail&from=2025-01-01`.
Keys (repeat a key for several values):

    project, modality, subject, status, level, from, to, q,
    source (raw asset a derived asset was made from), metric, metric_status, pending=1,
    project_contains, subject_contains, modality_contains, status_contains,
    level_contains, source_contains (the grid's column filters: part of the value, any case)

and two keys of the grid's view, not filters: `sort` (a grid column, `-` first for
descending, as the REST API takes it; absent: newest first) and `group=raw` (derived
assets listed under their raw asset).

Parsing never fails: a value that cannot be used (a bad date, an unknown status or
level, an unknown key) is dropped and explained in `ParsedQuery.notes`, which the page
shows. `to_search(parse(x).query, ...)` is canonical: the same view gives the same URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, quote, urlencode

from portal.qc.types import FAIL, NO_QC, PASS, PENDING, UNREADABLE
from portal.store.protocol import CONTAINS_FIELDS, SORTABLE, AssetQuery, Sort

ASSET_STATUSES = (PASS, FAIL, PENDING, NO_QC, UNREADABLE)
METRIC_STATUSES = (PASS, FAIL, PENDING)
LEVELS = ("raw", "derived")
# URL key -> AssetQuery field, in the order the URL lists them.
KEYS = {
    "project": "project",
    "modality": "modality",
    "subject": "subject",
    "status": "status",
    "level": "level",
    "from": "acquired_from",
    "to": "acquired_to",
    "q": "text",
    "source": "source",
    "metric": "metric",
    "metric_status": "metric_status",
    "pending": "pending",
}
# URL key -> the field whose `AssetQuery.contains` texts it holds.
CONTAINS_KEYS = {f"{field}_contains": field for field in CONTAINS_FIELDS}
SORT_KEY, GROUP_KEY, GROUP_RAW = "sort", "group", "raw"
VIEW_KEYS = (SORT_KEY, GROUP_KEY)
FILTER_KEYS = (*KEYS, *CONTAINS_KEYS)  # every key that filters (the REST API takes these)
DEFAULT_SORT = Sort("acquired", True)
MAX_VALUES = 100  # per key: a longer list is cut (and said so)
MAX_TEXT = 200  # characters of one search text
_TRUE = {"1", "true", "yes", "on"}

# Where the overview's filtered list is served as CSV (portal.transfer.csv_export); the
# overview links to it with the same query string.
EXPORT_PATH = "/export/assets.csv"


@dataclass(frozen=True)
class ParsedQuery:
    """The filters read from a query string, the grid's view (sort, grouping), and what
    was ignored (one sentence each)."""

    query: AssetQuery
    notes: tuple[str, ...] = ()
    sort: Sort = DEFAULT_SORT
    grouped: bool = False  # group=raw: derived assets under their raw asset


def _status_lookup(names: tuple[str, ...]) -> dict[str, str]:
    folded = {name.lower(): name for name in names}
    folded.update({name.lower().replace(" ", "_"): name for name in names})
    folded.update({name.lower().replace(" ", ""): name for name in names})
    return folded


_ASSET_STATUS = _status_lookup(ASSET_STATUSES)
_METRIC_STATUS = _status_lookup(METRIC_STATUSES)


def _values(params: Mapping, key: str) -> list[str]:
    raw = params.get(key)
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _choose(values: list[str], lookup: dict[str, str], key: str, allowed: tuple[str, ...], notes: list[str]):
    chosen = []
    for value in values:
        known = lookup.get(value.lower())
        if known is None:
            notes.append(f"Ignored {key} {value!r}: use one of {', '.join(allowed)}.")
        else:
            chosen.append(known)
    return _unique(chosen)


def _date(values: list[str], key: str, notes: list[str]) -> date | None:
    if not values:
        return None
    try:
        return date.fromisoformat(values[-1])
    except ValueError:
        notes.append(f"Ignored {key} date {values[-1]!r}: expected YYYY-MM-DD.")
        return None


def parse_query(params: Mapping | str | None) -> ParsedQuery:
    """Filters from a query string ("?a=1&a=2") or a mapping of key -> value or list of values."""
    if params is None:
        params = {}
    if isinstance(params, str):
        params = parse_qs(params.lstrip("?"), keep_blank_values=False)
    notes: list[str] = []
    unknown = sorted(key for key in params if key not in FILTER_KEYS and key not in VIEW_KEYS)
    if unknown:
        notes.append(f"Ignored unknown filter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.")
    values = {}
    for key in FILTER_KEYS:
        got = _values(params, key)
        if len(got) > MAX_VALUES:
            notes.append(f"Only the first {MAX_VALUES} values of {key} are used.")
            got = got[:MAX_VALUES]
        values[key] = got
    level_lookup = {level: level for level in LEVELS}
    query = AssetQuery(
        project=_unique(values["project"]),
        modality=_unique(values["modality"]),
        subject=_unique(values["subject"]),
        status=_choose(values["status"], _ASSET_STATUS, "status", ASSET_STATUSES, notes),
        level=_choose(values["level"], level_lookup, "level", LEVELS, notes),
        acquired_from=_date(values["from"], "from", notes),
        acquired_to=_date(values["to"], "to", notes),
        text=" ".join(values["q"])[:MAX_TEXT],
        source=_unique(values["source"]),
        metric=_unique(values["metric"]),
        metric_status=_choose(values["metric_status"], _METRIC_STATUS, "metric_status", METRIC_STATUSES, notes),
        pending=bool(values["pending"]) and values["pending"][-1].lower() in _TRUE,
        contains=tuple((field, text[:MAX_TEXT]) for key, field in CONTAINS_KEYS.items()
                       for text in _unique(values[key])),
    )
    if query.acquired_from and query.acquired_to and query.acquired_from > query.acquired_to:
        notes.append("The 'from' date is after the 'to' date: no asset can match.")
    sort = _sort(_values(params, SORT_KEY), notes)
    grouped = _grouped(_values(params, GROUP_KEY), notes)
    return ParsedQuery(query, tuple(notes), sort, grouped)


def _sort(values: list[str], notes: list[str]) -> Sort:
    if not values:
        return DEFAULT_SORT
    field = values[-1].removeprefix("-")
    if field not in SORTABLE:
        notes.append(f"Ignored sort {values[-1]!r}: use one of {', '.join(SORTABLE)} (a leading - for descending).")
        return DEFAULT_SORT
    return Sort(field, values[-1].startswith("-"))


def _grouped(values: list[str], notes: list[str]) -> bool:
    if not values:
        return False
    if values[-1].lower() != GROUP_RAW:
        notes.append(f"Ignored group {values[-1]!r}: use group={GROUP_RAW} (derived assets under their raw asset).")
        return False
    return True


def sort_key(sort: Sort) -> str:
    """A sort as the URL and the REST API write it: `name`, `-acquired`."""
    return ("-" if sort.descending else "") + sort.field


def query_pairs(query: AssetQuery) -> list[tuple[str, str]]:
    """(URL key, value) pairs of a query, in the canonical order."""
    pairs: list[tuple[str, str]] = []
    for key, field in KEYS.items():
        value = getattr(query, field)
        if isinstance(value, tuple):
            pairs.extend((key, item) for item in value)
        elif isinstance(value, date):
            pairs.append((key, value.isoformat()))
        elif value is True:
            pairs.append((key, "1"))
        elif isinstance(value, str) and value:
            pairs.append((key, value))
    for key, field in CONTAINS_KEYS.items():
        pairs.extend((key, text) for name, text in query.contains if name == field)
    return pairs


def to_search(query: AssetQuery, sort: Sort = DEFAULT_SORT, grouped: bool = False) -> str:
    """The query string of a view ("" when nothing is filtered and the view is the default),
    spaces as %20; the sort and grouping come last."""
    pairs = query_pairs(query)
    if sort != DEFAULT_SORT:
        pairs.append((SORT_KEY, sort_key(sort)))
    if grouped:
        pairs.append((GROUP_KEY, GROUP_RAW))
    return "?" + urlencode(pairs, quote_via=quote) if pairs else ""


def search_of(parsed: ParsedQuery) -> str:
    """The canonical query string of a parsed view (filters, sort, grouping)."""
    return to_search(parsed.query, parsed.sort, parsed.grouped)


def is_filtered(query: AssetQuery) -> bool:
    """True when any filter is set."""
    return query != AssetQuery()
