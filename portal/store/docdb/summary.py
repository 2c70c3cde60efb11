"""Pipeline stages adding an asset's summary fields to every record (computed by DocDB).

Two groups, so a pipeline computes only what it needs:

- light fields, read from a few record fields: `_name`, `_project`, `_subject`,
  `_level`, `_source`, `_acquired` (a date);
- heavy fields, from the quality_control (see expressions.py for the rules): `_m` the
  metrics, `_status` (Pass/Fail/Pending/No QC/Unreadable), `_n` {total, pass, fail,
  pending} by each metric's own status, `_review` {t, e} the latest named status entry,
  `_mods` [{m, s}] the status per modality (a modality without metrics takes the
  asset's status; an asset without modalities counts under "(none)").

A grid page sorted by a light field computes the heavy fields for its own rows only.
"""

from __future__ import annotations

from portal.qc.types import NO_QC, UNREADABLE
from portal.store.docdb.expressions import (
    QC,
    RANK,
    array_of,
    description_modality,
    f,
    if_null,
    metrics,
    parse_date,
    rank_name,
    type_is,
)

LIGHT = ("_name", "_project", "_subject", "_level", "_source", "_acquired")
HEAVY = ("_m", "_status", "_n", "_review", "_mods")
_SCRATCH = ("_state", "_ddmods", "_ok", "_worst")


def _text(expression: str) -> dict:
    """A non-empty trimmed string (numbers as strings, as subject ids sometimes are), or null."""
    value = f(expression)
    trimmed = {"$let": {"vars": {"t": {"$trim": {"input": value}}}, "in": {"$cond": [{"$eq": ["$$t", ""]}, None,
                                                                                     "$$t"]}}}
    return {
        "$switch": {
            "branches": [
                {"case": type_is(value, "string"), "then": trimmed},
                {"case": type_is(value, "int", "long", "double"), "then": {"$toString": value}},
            ],
            "default": None,
        }
    }


def _level() -> dict:
    # "raw", "derived", and older records' "raw data" / "derived data": the first word.
    level = f("$data_description.data_level")
    word = {"$arrayElemAt": [{"$split": [{"$toLower": {"$trim": {"input": level}}}, " "]}, 0]}
    return {"$cond": [type_is(level, "string"),
                      {"$let": {"vars": {"w": word}, "in": {"$cond": [{"$in": ["$$w", ["raw", "derived"]]}, "$$w",
                                                                      None]}}},
                      None]}


def _source() -> dict:
    items = f("$data_description.source_data")
    return {
        "$switch": {
            "branches": [
                {"case": type_is(items, "string"), "then": items},
                # No $and here: mongomock evaluates every operand ($size of a non-array fails).
                {"case": {"$isArray": items},
                 "then": {"$let": {"vars": {"first": if_null({"$arrayElemAt": [{"$concatArrays": [items, [None]]}, 0]},
                                                             None)},
                                   "in": {"$cond": [type_is("$$first", "null"), None,
                                                    {"$toString": "$$first"}]}}}},
            ],
            "default": None,
        }
    }


def light_stages() -> list[dict]:
    """One `$addFields` with the light fields."""
    return [{
        "$addFields": {
            "_name": if_null(_text("$name"), _text("$data_description.name"), {"$toString": "$_id"}),
            "_project": _text("$data_description.project_name"),
            "_subject": if_null(_text("$subject.subject_id"), _text("$data_description.subject_id"), None),
            "_level": _level(),
            "_source": _source(),
            # 2.x acquisition, then 1.x session, then when the asset was made (as summarise does).
            "_acquired": if_null(parse_date(f("$acquisition.acquisition_start_time")),
                                 parse_date(f("$session.session_start_time")),
                                 parse_date(f("$data_description.creation_time")), None),
        }
    }]


def _qc_state() -> dict:
    """"none", "error" or "ok" from the document's shape (metrics are checked later)."""
    qc = QC
    return {
        "$switch": {
            "branches": [
                {"case": type_is(qc, "missing", "null"), "then": "none"},
                {"case": {"$eq": [qc, {}]}, "then": "none"},
                {"case": {"$eq": [type_is(qc, "object"), False]}, "then": "error"},
                {"case": {"$or": [{"$isArray": f"{qc}.metrics"}, {"$isArray": f"{qc}.evaluations"}]},
                 "then": "ok"},
            ],
            "default": "error",
        }
    }


def _description_modalities() -> dict:
    items = if_null(f("$data_description.modalities"), f("$data_description.modality"), [])
    as_list = {"$cond": [{"$isArray": items}, items, array_of(items)]}
    mapped = {"$map": {"input": as_list, "as": "d", "in": description_modality("$$d")}}
    return {"$filter": {"input": mapped, "as": "x", "cond": {"$ne": ["$$x", None]}}}


def heavy_stages(now_iso: str) -> list[dict]:
    """`$addFields` stages with the heavy fields, then the scratch fields removed."""
    ok = {"$eq": ["$_state", "ok"]}

    def count(status: str) -> dict:
        return {"$size": {"$filter": {"input": "$_m", "as": "x", "cond": {"$eq": ["$$x.own", status]}}}}

    reviews = {"$filter": {"input": "$_m.r", "as": "x", "cond": {"$ne": ["$$x", None]}}}
    review = {
        "$let": {
            "vars": {"rs": reviews},
            "in": {"$let": {
                "vars": {"t": {"$let": {"vars": {"ts": "$$rs.t"}, "in": {"$max": "$$ts"}}}},
                "in": {"$cond": [{"$eq": ["$$t", None]}, None, if_null({"$arrayElemAt": [
                    {"$filter": {"input": "$$rs", "as": "x", "cond": {"$eq": ["$$x.t", "$$t"]}}}, 0]}, None)]},
            }},
        }
    }
    metric_mods = {"$filter": {"input": "$_m.mod", "as": "x", "cond": {"$ne": ["$$x", None]}}}
    mine = {"$filter": {"input": "$_m", "as": "x", "cond": {"$eq": ["$$x.mod", "$$mod"]}}}
    per_modality = {
        "$map": {
            "input": {"$setUnion": ["$_ddmods", {"$cond": [ok, metric_mods, []]}]},
            "as": "mod",
            "in": {"m": "$$mod", "s": {"$let": {"vars": {"mine": mine}, "in": {
                "$cond": [{"$and": [ok, {"$gt": [{"$size": "$$mine"}, 0]}]},
                          rank_name({"$let": {"vars": {"effs": "$$mine.eff"}, "in": {"$max": "$$effs"}}}),
                          "$_status"]}}}},
        }
    }
    return [
        {"$addFields": {"_state": _qc_state(), "_ddmods": _description_modalities()}},
        {"$addFields": {"_m": {"$cond": [ok, metrics(now_iso), []]}}},
        {"$addFields": {
            "_state": {"$cond": [{"$and": [ok, {"$gt": [{"$size": {"$filter": {
                "input": "$_m", "as": "x", "cond": {"$ne": ["$$x.ok", True]}}}}, 0]}]}, "error", "$_state"]},
            "_worst": if_null({"$max": "$_m.eff"}, RANK["Pass"]),
        }},
        {"$addFields": {"_status": {"$switch": {"branches": [
            {"case": {"$eq": ["$_state", "none"]}, "then": NO_QC},
            {"case": {"$eq": ["$_state", "error"]}, "then": UNREADABLE}], "default": rank_name("$_worst")}}}},
        {"$addFields": {
            "_n": {"$cond": [ok, {"total": {"$size": "$_m"}, "pass": count("Pass"), "fail": count("Fail"),
                                  "pending": count("Pending")},
                             {"total": 0, "pass": 0, "fail": 0, "pending": 0}]},
            "_review": {"$cond": [ok, review, None]},
            "_mods": {"$let": {"vars": {"all": per_modality}, "in": {
                "$cond": [{"$gt": [{"$size": "$$all"}, 0]}, "$$all", array_of({"m": "(none)", "s": "$_status"})]}}},
        }},
        {"$project": {name: 0 for name in _SCRATCH}},
    ]


def summary_stages(now_iso: str) -> list[dict]:
    """Light and heavy fields."""
    return light_stages() + heavy_stages(now_iso)
