"""AssetQuery and Sort -> DocDB aggregation pipelines (one per store operation).

Every pipeline starts the same way, so a count and the grid never disagree:
an index-friendly `$match` on stored fields, the light summary fields, their filters,
then (when a filter, a sort or the result needs them) the heavy fields and their
filters. A grid page sorted by a light field is sorted, skipped and limited *before*
the heavy fields are computed, so DocDB evaluates the QC of that page's rows only.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from portal.errors import InvalidInput
from portal.qc.types import FAIL, PASS, PENDING
from portal.store.docdb.expressions import date_literal
from portal.store.docdb.summary import heavy_stages, light_stages
from portal.store.protocol import SORTABLE, STATUS_GROUPS, AssetQuery, Sort, acquired_range

_SORT_FIELDS = {
    "name": "_name",
    "project": "_project",
    "subject_id": "_subject",
    "acquired": "_acquired",
    "level": "_level",
    "status": "_status",
    "pending": "_n.pending",
    "fail": "_n.fail",
    "last_review": "_review.t",
}
_HEAVY_SORTS = {"status", "pending", "fail", "last_review"}
ROW_FIELDS = ("_name", "_project", "_subject", "_acquired", "_level", "_source", "_mods", "_status", "_n", "_review")
_READABLE = [PASS, FAIL, PENDING]
_DAY_MS = 86_400_000


def now_iso() -> str:
    """"Now" for status evaluation, rounded up to the next minute.

    Rounding makes the pipeline text (and so any cache in front of the server) the same
    for a minute; rounding *up* means a status entry written a few seconds ago is never
    taken for one in the future.
    """
    now = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    return now.isoformat().replace("+00:00", "Z")


def _prefilter(query: AssetQuery) -> list[dict]:
    """Stored-field filters DocDB can answer from an index (a superset of the exact result)."""
    if query.project and not query.needles("project"):
        return [{"$match": {"data_description.project_name": {"$in": list(query.project)}}}]
    return []


def _regex(needle: str) -> dict:
    return {"$regex": re.escape(needle), "$options": "i"}


def field_match(query: AssetQuery, field: str, path: str) -> dict | None:
    """A `$match` condition for one field: its exact values OR its texts (AssetQuery.contains)."""
    exact, needles = getattr(query, field), query.needles(field)
    terms = ([{path: {"$in": list(exact)}}] if exact else []) + [{path: _regex(n)} for n in needles]
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$or": terms}


def _matching(query: AssetQuery, fields: dict[str, str]) -> list[dict]:
    """The conditions of several fields (AND-ed: each its own `$and` term, as `$or`s may repeat)."""
    return [term for term in (field_match(query, field, path) for field, path in fields.items()) if term]


def _light_match(query: AssetQuery) -> list[dict]:
    clauses: dict = {}
    terms = _matching(query, {"project": "_project", "subject": "_subject", "level": "_level",
                              "source": "_source"})
    if terms:
        clauses["$and"] = terms
    if query.text:
        clauses["_name"] = {"$regex": re.escape(query.text), "$options": "i"}
    dates = []
    start, end = acquired_range(query)
    if start:
        dates.append({"$gte": ["$_acquired", date_literal(start.isoformat())]})
    if end:
        dates.append({"$lt": ["$_acquired", date_literal(end.isoformat())]})
    if dates:
        # A missing date sorts below every date: exclude it explicitly.
        clauses["$expr"] = {"$and": [{"$ne": ["$_acquired", None]}, *dates]}
    return [{"$match": clauses}] if clauses else []


def _heavy_match(query: AssetQuery) -> list[dict]:
    clauses: dict = {}
    terms = _matching(query, {"status": "_status", "modality": "_mods.m"})
    if terms:
        clauses["$and"] = terms
    if query.pending:
        clauses["_n.pending"] = {"$gt": 0}
    if query.metric or query.metric_status:
        wanted: dict = {}
        if query.metric:
            wanted["n"] = {"$in": list(query.metric)}
        if query.metric_status:
            wanted["own"] = {"$in": list(query.metric_status)}
        clauses["_m"] = {"$elemMatch": wanted}
    return [{"$match": clauses}] if clauses else []


def _needs_heavy_filter(query: AssetQuery) -> bool:
    return bool(query.status or query.modality or query.pending or query.metric or query.metric_status
                or query.needles("status") or query.needles("modality"))


def filtered(query: AssetQuery, now: str, *, heavy: bool = True) -> list[dict]:
    """Stages leaving the records matching `query` (with the heavy fields when `heavy`)."""
    stages = _prefilter(query) + light_stages() + _light_match(query)
    if heavy or _needs_heavy_filter(query):
        stages += heavy_stages(now) + _heavy_match(query)
    return stages


def sort_spec(sort: Sort) -> dict:
    """The `$sort` document, with the name (then the id) as tie-breakers in the same direction."""
    if sort.field not in SORTABLE:
        raise InvalidInput(f"cannot sort by {sort.field!r}; choose one of {', '.join(SORTABLE)}")
    direction = -1 if sort.descending else 1
    spec = {_SORT_FIELDS[sort.field]: direction}
    spec.setdefault("_name", direction)
    spec["_id"] = direction
    return spec


def grouped_page(query: AssetQuery, sort: Sort, offset: int, limit: int, now: str) -> list[dict]:
    """One page with derived assets under their raw asset (protocol.Sort.grouped): the
    matching rows are grouped by family (a raw asset's name, a derived asset's source),
    each family placed by its raw asset's value, else its members' first value."""
    if sort.field not in SORTABLE:
        raise InvalidInput(f"cannot sort by {sort.field!r}; choose one of {', '.join(SORTABLE)}")
    direction = -1 if sort.descending else 1
    value = "$" + _SORT_FIELDS[sort.field]
    rows = {name: 1 for name in ROW_FIELDS}
    return filtered(query, now) + [
        {"$project": {**rows, "_fam": {"$ifNull": ["$_source", "$_name"]},
                      "_isd": {"$cond": [{"$eq": [{"$ifNull": ["$_source", None]}, None]}, 0, 1]}, "_v": value}},
        {"$group": {"_id": "$_fam", "rows": {"$push": "$$ROOT"},
                    "rv": {"$max": {"$cond": [{"$eq": ["$_isd", 0]}, "$_v", None]}},
                    "av": {"$max" if sort.descending else "$min": "$_v"}}},
        {"$unwind": "$rows"},
        {"$addFields": {"rows._fv": {"$ifNull": ["$rv", "$av"]}}},
        {"$replaceRoot": {"newRoot": "$rows"}},
        {"$sort": {"_fv": direction, "_fam": direction, "_isd": 1, "_name": 1, "_id": 1}},
        {"$skip": offset}, {"$limit": limit},
        {"$project": rows},
    ]


def page(query: AssetQuery, sort: Sort, offset: int, limit: int, now: str) -> list[dict]:
    """One page of rows; the heavy fields come after `$limit` when nothing before needs them."""
    if sort.grouped:
        return grouped_page(query, sort, offset, limit, now)
    window = [{"$sort": sort_spec(sort)}, {"$skip": offset}, {"$limit": limit}]
    project = [{"$project": {name: 1 for name in ROW_FIELDS}}]
    if _needs_heavy_filter(query) or sort.field in _HEAVY_SORTS:
        return filtered(query, now) + window + project
    return filtered(query, now, heavy=False) + window + heavy_stages(now) + project


def total(query: AssetQuery, now: str) -> list[dict]:
    """The number of matching records (`[{"n": N}]`, or [] for none); without filters on
    computed fields, DocDB just counts."""
    if not _light_match(query) and not _needs_heavy_filter(query):
        return _prefilter(query) + [{"$count": "n"}]
    return filtered(query, now, heavy=False) + [{"$count": "n"}]


def grouped(query: AssetQuery, now: str, group_id: dict | str) -> list[dict]:
    """Matching records counted per `group_id`."""
    return filtered(query, now) + [{"$group": {"_id": group_id, "n": {"$sum": 1}}}]


def per_modality(query: AssetQuery, now: str, group_id: dict) -> list[dict]:
    """Matching records counted per modality row (`$_mods.m`, `$_mods.s`) and `group_id`."""
    stages = filtered(query, now) + [{"$unwind": "$_mods"}]
    rows = field_match(query, "modality", "_mods.m")
    if rows:
        stages.append({"$match": rows})
    return stages + [{"$group": {"_id": group_id, "n": {"$sum": 1}}}]


def week_key() -> dict:
    """The Monday (YYYY-MM-DD) of the UTC week of `_acquired`, or null."""
    days_since_monday = {"$mod": [{"$add": [{"$dayOfWeek": "$_acquired"}, 5]}, 7]}
    monday = {"$subtract": ["$_acquired", {"$multiply": [days_since_monday, _DAY_MS]}]}
    return {"$cond": [{"$eq": ["$_acquired", None]}, None,
                      {"$dateToString": {"format": "%Y-%m-%d", "date": monday}}]}


def status_by(query: AssetQuery, now: str, by: str) -> list[dict]:
    """Matching records per `by` value and overall status."""
    if by not in STATUS_GROUPS:
        raise InvalidInput(f"cannot count by {by!r}; choose one of {', '.join(STATUS_GROUPS)}")
    key = {"project": "$_project", "subject": "$_subject", "level": "$_level", "source": "$_source"}.get(by) \
        or week_key()
    return grouped(query, now, {"k": key, "s": "$_status"})


def stages_of_metrics(query: AssetQuery, now: str) -> list[dict]:
    """Per modality x stage x status of that cell's metrics (readable assets only)."""
    stages = filtered(query, now) + [{"$match": {"_status": {"$in": _READABLE}}}, {"$unwind": "$_m"},
                                     {"$group": {"_id": {"a": "$_id", "m": "$_m.mod", "st": "$_m.st"},
                                                 "r": {"$max": "$_m.eff"}}}]
    rows = field_match(query, "modality", "_id.m")
    if rows:
        stages.append({"$match": rows})
    return stages + [{"$group": {"_id": {"m": "$_id.m", "st": "$_id.st", "r": "$r"}, "n": {"$sum": 1}}}]


def metrics_by_status(query: AssetQuery, now: str) -> list[dict]:
    """Metrics per name x modality x stage x own status (readable assets only)."""
    stages = filtered(query, now) + [{"$match": {"_status": {"$in": _READABLE}}}, {"$unwind": "$_m"}]
    rows = field_match(query, "modality", "_m.mod")
    if rows:
        stages.append({"$match": rows})
    group = {"n": "$_m.n", "m": "$_m.mod", "st": "$_m.st", "s": "$_m.own"}
    return stages + [{"$group": {"_id": group, "n": {"$sum": 1}}}]


def facets(now: str) -> list[dict]:
    """Distinct projects, subjects, levels and modalities in one `$group`."""
    return filtered(AssetQuery(), now) + [{"$group": {
        "_id": None,
        "project": {"$addToSet": "$_project"},
        "subject": {"$addToSet": "$_subject"},
        "level": {"$addToSet": "$_level"},
        "modality": {"$addToSet": "$_mods.m"},
    }}]


def schema_versions() -> list[dict]:
    """Records per stored quality_control.schema_version (the status page)."""
    return [{"$group": {"_id": "$quality_control.schema_version", "n": {"$sum": 1}}}]
