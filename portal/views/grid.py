"""The asset grid's server side: AG Grid's infinite-model requests <-> store queries.

The grid never holds more than the blocks it shows: each `getRowsRequest` (startRow,
endRow, sortModel, filterModel) becomes one `store.list_assets` page. The grid's column
filters are the overview's filters: `filter_model(query)` shows the URL's filters in the
column headers, and `apply_filter_model(query, model)` reads the user's edits back.
Only columns that map to an AssetQuery field are filterable (FILTER_FIELDS).

A text column filter's conditions are "contains" (part of the value, any case: the
query's `contains`) or "equals" (an exact value, as the filter bar's dropdowns set
them); a column's conditions are OR-ed, as the grid shows them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from portal.qc.types import FAIL, NO_QC, PASS, PENDING, UNREADABLE
from portal.store.protocol import CONTAINS_FIELDS, SORTABLE, AssetQuery, AssetRow, AssetStore, Sort
from portal.views.filters_url import ASSET_STATUSES, DEFAULT_SORT, LEVELS, MAX_TEXT, MAX_VALUES
from portal.views.remembered import GRID_ROWS_KEPT, remembered

# Grid column field -> AssetQuery field its filter sets.
FILTER_FIELDS = {
    "name": "text",
    "project": "project",
    "subject_id": "subject",
    "modalities": "modality",
    "status": "status",
    "level": "level",
    "source": "source",
    "acquired": "dates",
}
MAX_CONDITIONS = MAX_VALUES  # OR-ed values per text filter (AG Grid's maxNumConditions), as many as the URL
MAX_BLOCK = 1000
CONTAINS, EQUALS = "contains", "equals"


def row_json(row: AssetRow) -> dict:
    """One grid row: JSON-ready, keyed by the grid's field ids."""
    reviewed = row.last_review_at
    stamp = reviewed.strftime("%Y-%m-%d %H:%M") if reviewed else None  # formatted once: two fields show it
    return {
        "id": row.id,
        "name": row.name,
        "project": row.project,
        "subject_id": row.subject_id,
        "modalities": ", ".join(row.modalities),
        "acquired": row.acquired.isoformat() if row.acquired else None,
        "level": row.level,
        "status": row.status,
        "modality_status": modality_statuses(row.modality_status),
        "pending": row.pending,
        "fail": row.failed,
        "total": row.total,
        "last_review": f"{row.last_review_by or '?'} · {stamp}" if reviewed else None,
        "last_review_by": row.last_review_by,
        "last_review_at": stamp,
        "source": row.source,
    }


# The order of the grid's per-modality pills: what needs a look first, Pass last; within a
# status the modalities that accompany most acquisitions (behavior, behavior-videos) come
# after the others, so an asset's main modality (a failing ecephys or pophys) is never
# hidden behind its behavior pills.
_ATTENTION_FIRST = {FAIL: 0, PENDING: 1, UNREADABLE: 2, NO_QC: 3, PASS: 4}
ACCOMPANYING = frozenset({"behavior", "behavior-videos"})


def modality_statuses(statuses: dict[str, str]) -> dict[str, str]:
    """modality -> status in the grid's order (see above); JSON keeps it."""
    if len(statuses) < 2:  # most assets have one modality: nothing to order
        return dict(statuses)
    return dict(sorted(statuses.items(),
                       key=lambda item: (_ATTENTION_FIRST.get(item[1], 2), item[0] in ACCOMPANYING, item[0])))


def sort_from_model(sort_model: list | None) -> Sort:
    """The store Sort for AG Grid's sortModel (first sorted column; default: newest first)."""
    for item in sort_model or []:
        field = item.get("colId")
        if field in SORTABLE and item.get("sort") in ("asc", "desc"):
            return Sort(field, item["sort"] == "desc")
    return DEFAULT_SORT


def page_request(store: AssetStore, query: AssetQuery, request: dict, *, grouped: bool = False) -> dict:
    """Answer one getRowsRequest for `query`: {"rowData": [...], "rowCount": total matching}.

    The caller folds the request's filterModel into `query` first (apply_filter_model).
    `grouped` lists derived assets under their raw asset (URL `group=raw`); their rows then
    carry `under` (the raw asset's name). Raw assets' rows carry `derived`: how many
    assets were made from them (one GROUP BY on the indexed source column per block).
    """
    start = max(0, int(request.get("startRow") or 0))
    end = int(request.get("endRow") or start + 100)
    limit = min(MAX_BLOCK, max(1, end - start))
    sort = replace(sort_from_model(request.get("sortModel")), grouped=grouped)
    if limit > GRID_ROWS_KEPT:
        return _block(store, query, sort, start, limit, grouped)
    return remembered(store, "grid", (query, sort, start, limit),
                      lambda: _block(store, query, sort, start, limit, grouped))


def _block(store: AssetStore, query: AssetQuery, sort: Sort, start: int, limit: int, grouped: bool) -> dict:
    page = store.list_assets(query, sort, start, limit)
    derived = derived_counts(store, [row.name for row in page.rows if not row.source])
    rows = []
    for row in page.rows:
        item = row_json(row)
        item["derived"] = derived.get(row.name, 0)
        item["under"] = row.source if grouped and row.source else None
        rows.append(item)
    return {"rowData": rows, "rowCount": page.total}


def derived_counts(store: AssetStore, names: list[str]) -> dict[str, int]:
    """How many assets were made from each of these (raw) assets (absent: none)."""
    if not names:
        return {}
    counts: dict[str, int] = {}
    for group in store.status_counts(AssetQuery(source=tuple(names)), "source"):
        if group.key is not None:
            counts[str(group.key)] = counts.get(str(group.key), 0) + group.n
    return counts


# -- filters: AssetQuery <-> AG Grid filterModel ------------------------------------------


def _text_filter(values: tuple[str, ...], kind: str, needles: tuple[str, ...] = ()) -> dict | None:
    conditions = [{"filterType": "text", "type": kind, "filter": value} for value in values]
    conditions += [{"filterType": "text", "type": CONTAINS, "filter": needle} for needle in needles]
    conditions = conditions[:MAX_CONDITIONS]
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return {"filterType": "text", "operator": "OR", "conditions": conditions}


def _stamp(day: date) -> str:
    return f"{day.isoformat()} 00:00:00"


def _date_filter(start: date | None, end: date | None) -> dict | None:
    # Whole days: "after d" (exclusive) is from d+1, "before d" is to d-1.
    if start and end:
        if start == end:
            return {"filterType": "date", "type": "equals", "dateFrom": _stamp(start), "dateTo": None}
        return {"filterType": "date", "type": "inRange", "dateFrom": _stamp(start), "dateTo": _stamp(end)}
    if start:
        return {"filterType": "date", "type": "greaterThan", "dateFrom": _stamp(start - timedelta(days=1)),
                "dateTo": None}
    if end:
        return {"filterType": "date", "type": "lessThan", "dateFrom": _stamp(end + timedelta(days=1)),
                "dateTo": None}
    return None


def filter_model(query: AssetQuery) -> dict:
    """The grid's filterModel showing `query`'s filters in the column headers."""
    model = {}
    for column, field in FILTER_FIELDS.items():
        if field == "dates":
            entry = _date_filter(query.acquired_from, query.acquired_to)
        elif field == "text":
            entry = _text_filter((query.text,) if query.text else (), CONTAINS)
        else:
            entry = _text_filter(getattr(query, field), EQUALS,
                                 tuple(text for name, text in query.contains if name == field))
        if entry:
            model[column] = entry
    return model


def _conditions(entry: dict) -> list[dict]:
    if "conditions" in entry:
        return [c for c in entry["conditions"] if isinstance(c, dict)]
    return [entry]


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _dates(entry: dict | None) -> tuple[date | None, date | None]:
    if not entry:
        return None, None
    condition = _conditions(entry)[0]
    kind, first, second = condition.get("type"), _day(condition.get("dateFrom")), _day(condition.get("dateTo"))
    if first is None:
        return None, None
    if kind == "equals":
        return first, first
    if kind == "inRange":
        return first, second
    if kind == "greaterThan":
        return first + timedelta(days=1), None
    if kind == "lessThan":
        return None, first - timedelta(days=1)
    return None, None


_ALLOWED = {"status": {s.lower(): s for s in ASSET_STATUSES}, "level": {v: v for v in LEVELS}}


def _values(entry: dict | None, field: str, kind: str = EQUALS) -> tuple[str, ...]:
    """The texts of a column filter's conditions of one kind ("equals" values are checked
    against the values a column can hold; "contains" texts are kept as typed)."""
    if not entry:
        return ()
    values = []
    for condition in _conditions(entry):
        text = str(condition.get("filter") or "").strip()[:MAX_TEXT]
        if not text or (condition.get("type") or EQUALS) != kind and field != "text":
            continue
        if kind == EQUALS and field in _ALLOWED:
            text = _ALLOWED[field].get(text.lower())
            if text is None:
                continue
        values.append(text)
    return tuple(dict.fromkeys(values))


def apply_filter_model(query: AssetQuery, model: dict | None) -> AssetQuery:
    """`query` with its grid-filterable fields taken from the grid's filterModel.

    A column without a filter clears its field; "equals" values a column cannot hold (an
    unknown status, a date that does not parse) are dropped; "contains" texts are kept as
    typed (one that matches nothing is an answer too: "no asset matches").
    """
    if model is None:
        return query
    changes: dict = {}
    contains: list[tuple[str, str]] = []
    for column, field in FILTER_FIELDS.items():
        entry = model.get(column)
        if field == "dates":
            changes["acquired_from"], changes["acquired_to"] = _dates(entry)
        elif field == "text":
            changes["text"] = " ".join(_values(entry, field))
        else:
            changes[field] = _values(entry, field)
            contains += [(field, text) for text in _values(entry, field, CONTAINS)]
    order = {field: n for n, field in enumerate(CONTAINS_FIELDS)}
    changes["contains"] = tuple(sorted(contains, key=lambda pair: order[pair[0]]))
    return replace(query, **changes)
