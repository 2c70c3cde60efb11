"""Aggregation expressions computing an asset's QC summary inside DocDB.

DocDB holds full metadata records; the per-asset status is not a stored field (the
stored `quality_control.status` is derived data and stale in real records), so every
count, filter and sort on a status is computed by the server with these expressions.
They follow the schema's rules (portal.qc.status) as far as a pipeline can:

- a metric's own status is its latest `status_history` entry by timestamp at or before
  now (timestamps parsed with `$dateFromString`; the first of equal timestamps wins; a
  lone entry, or a history whose entries are all in the future, gives the first entry);
- a Fail counts as Pass when one of the metric's tag `key:value` pairs or tag values is
  in `allow_tag_failures` (list tags are `tag_1`, `tag_2`, ... as the schema names them);
- any Fail -> Fail, else any Pending -> Pending, else Pass;
- 1.x documents (`evaluations`) are flattened: each metric takes its evaluation's
  modality and stage and counts as tolerated when `allow_failed_metrics` is true or
  `evaluation:<name>` is allowed;
- modalities (abbreviation, name, any case, "ophys" -> "pophys"), stages (any case,
  "Preprocessing" -> "Processing") and statuses (any case) are read as normalise does.

What the pipeline cannot check is full schema validation. A document is "Unreadable"
here when its shape is wrong in a way normalise would refuse: quality_control not an
object, neither `metrics` nor `evaluations` a list, a metric that is not an object or
has no string name, tags that are not strings, an unknown modality or stage, an empty
history, a history entry with an unknown status or a timestamp the server cannot parse,
a Multi-asset metric without `evaluated_assets`. Other schema errors (an unknown top-level field, a wrong
type in a field the status does not use, both `metrics` and `evaluations`) are only
found when the asset itself is read (`get`, the detail page): there it shows as
"Unreadable" with the reason while the grid shows the computed status. README's
"DocDB store" section says the same to users.

Every expression is total: whatever a record holds, it evaluates without an error
(one odd record must never fail a count of the whole collection).

Operators used: $map $filter $reduce $let $cond $switch $ifNull $type $isArray $in $eq
$ne $gt $lte $and $or $size $arrayElemAt $concatArrays $setUnion $objectToArray $concat
$toLower $trim $split $toString $max $dateFromString (with onError/onNull); the pipelines
add $dayOfWeek $mod $multiply $subtract $dateToString $expr $regex $elemMatch $unwind
$group $sort $skip $limit $count $project. The test suite runs them on mongomock (with
$type, $dateFromString, $trim and $reduce added: tests/docdb_gateway.py); they have not
been run against a live DocumentDB cluster from here. Two-argument $ifNull and
`{"$isArray": x}` forms are used on purpose (older servers; mongomock).
"""

from __future__ import annotations

from aind_data_schema.core.quality_control import Stage
from aind_data_schema_models.modalities import Modality

from portal.qc.types import FAIL, PASS, PENDING

QC = "$quality_control"
RANK = {PASS: 0, PENDING: 1, FAIL: 2}
RANK_NAMES = {rank: name for name, rank in RANK.items()}



# --------------------------------------------------------------------------- small helpers


def f(path: str) -> dict:
    """A field, null when missing (missing and null then behave alike everywhere)."""
    return {"$ifNull": [path, None]}


def if_null(*expressions):
    """The first of `expressions` that is not null or missing (nested two-argument
    `$ifNull`: the many-argument form needs MongoDB 5 and DocumentDB lacks it)."""
    result = expressions[-1]
    for expression in reversed(expressions[:-1]):
        result = {"$ifNull": [expression, result]}
    return result


def type_is(expression, *kinds: str) -> dict:
    """True when the BSON type of `expression` is one of `kinds` ("missing" for absent)."""
    return {"$in": [{"$type": expression}, list(kinds)]}


def _string_or_null(expression) -> dict:
    return {"$cond": [type_is(expression, "string"), expression, None]}


def array_of(*expressions) -> dict:
    """An array of computed elements. (A literal `[expr]` means the same to MongoDB, but
    mongomock, the test engine, does not evaluate expressions inside array literals.)"""
    return {"$concatArrays": [{"$map": {"input": [0], "as": "_", "in": expression}} for expression in expressions]}


def _array_or_empty(expression) -> dict:
    return {"$cond": [{"$isArray": expression}, expression, []]}


def _trimmed(expression) -> dict:
    """A trimmed string, or null for anything that is not a string."""
    return {"$cond": [type_is(expression, "string"), {"$trim": {"input": expression}}, None]}


def _lookup(expression, table: dict[str, str]) -> dict:
    """`table[lower(trim(expression))]`, or null (a `$switch` over the table's keys).

    A value already spelt canonically (nearly all of them) is recognised with one `$in`.
    """
    folded = {"$toLower": if_null(_trimmed(expression), "")}
    branches = [{"case": {"$eq": ["$$folded", key]}, "then": value} for key, value in table.items()]
    canonical = sorted(set(table.values()))
    slow = {"$let": {"vars": {"folded": folded}, "in": {"$switch": {"branches": branches, "default": None}}}}
    return {"$cond": [{"$in": [expression, canonical]}, expression, slow]}


def _first(array_expression) -> dict:
    """The first element of an array, or null when it is empty."""
    return if_null({"$arrayElemAt": [array_expression, 0]}, None)


def _max(array_expression) -> dict:
    """The largest non-null element of an array (null when there is none)."""
    return {"$let": {"vars": {"items": array_expression}, "in": {"$max": "$$items"}}}


def _modality_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for item in Modality.abbreviation_map.values():
        table[item.abbreviation.lower()] = item.abbreviation
        table.setdefault(item.name.lower(), item.abbreviation)
    table["ophys"] = "pophys"  # renamed in aind-data-schema-models
    return table


_MODALITIES = _modality_table()
_STAGES = {stage.value.lower(): stage.value for stage in Stage}
_STAGES["preprocessing"] = Stage.PROCESSING.value
_STATUSES = {PASS.lower(): PASS, FAIL.lower(): FAIL, PENDING.lower(): PENDING}


def modality(expression: str) -> dict:
    """The canonical abbreviation of the modality at field path `expression` (a dict, an
    abbreviation or a name), or null."""
    return {
        "$cond": [
            type_is(expression, "object"),
            if_null(_lookup(f(f"{expression}.abbreviation"), _MODALITIES), _lookup(f(f"{expression}.name"),
                                                                                  _MODALITIES)),
            _lookup(expression, _MODALITIES),
        ]
    }


def description_modality(expression: str) -> dict:
    """A data_description modality as shown: canonical when known, else as written (or null)."""
    written = {
        "$cond": [
            type_is(expression, "object"),
            if_null(_trimmed(f(f"{expression}.abbreviation")), _trimmed(f(f"{expression}.name")), None),
            _trimmed(expression),
        ]
    }
    return if_null(modality(expression), {"$let": {"vars": {"w": written},
                                                   "in": {"$cond": [{"$eq": ["$$w", ""]}, None, "$$w"]}}})


def parse_date(expression) -> dict:
    """A date from an ISO string (`T` or space, offset or `Z`; naive is UTC), else null."""
    return {
        "$cond": [
            type_is(expression, "string"),
            {"$dateFromString": {"dateString": expression, "onError": None, "onNull": None}},
            None,
        ]
    }


def date_literal(iso: str) -> dict:
    """A date constant (pipelines travel as JSON, which has no date type)."""
    return {"$dateFromString": {"dateString": iso}}


def rank_name(rank) -> dict:
    """Pass / Pending / Fail for a rank (null: Pass, as an empty set passes)."""
    branches = [{"case": {"$eq": [rank, r]}, "then": n} for r, n in RANK_NAMES.items()]
    return {"$switch": {"branches": branches, "default": PASS}}


# --------------------------------------------------------------------------- metrics


def _flattened_evaluations() -> dict:
    """1.x `evaluations` -> one list of metrics carrying their evaluation's modality, stage,
    name and allow_failed_metrics; a malformed evaluation contributes one bad entry."""
    e = "$$e"
    metrics = if_null(f"{e}.metrics", f"{e}.qc_metrics", None)
    one = {
        "$map": {
            "input": metrics,
            "as": "m",
            "in": {
                "$cond": [
                    type_is("$$m", "object"),
                    {
                        "name": f("$$m.name"),
                        "modality": if_null(f"{e}.modality", f"{e}.evaluation_modality", None),
                        "stage": if_null(f"{e}.stage", f"{e}.evaluation_stage", None),
                        "status_history": if_null("$$m.status_history", "$$m.metric_status_history", None),
                        "evaluated_assets": if_null("$$m.evaluated_assets", f"{e}.evaluated_assets", None),
                        "_eval": if_null(f"{e}.name", f"{e}.evaluation_name", None),
                        "_allow": {"$eq": [f(f"{e}.allow_failed_metrics"), True]},
                    },
                    "bad",
                ]
            },
        }
    }
    guarded = {"$cond": [{"$and": [type_is(e, "object"), {"$isArray": metrics}]}, one, ["bad"]]}
    return {
        "$reduce": {
            "input": f"{QC}.evaluations",
            "initialValue": [],
            "in": {"$let": {"vars": {"e": "$$this"}, "in": {"$concatArrays": ["$$value", guarded]}}},
        }
    }


def _raw_metrics() -> dict:
    """The document's metrics as a list, whatever its layout ([] when it has none)."""
    return {
        "$switch": {
            "branches": [
                {"case": {"$isArray": f"{QC}.metrics"}, "then": f"{QC}.metrics"},
                {"case": {"$isArray": f"{QC}.evaluations"}, "then": _flattened_evaluations()},
            ],
            "default": [],
        }
    }


def _history() -> dict:
    """Entries of `$$m.status_history` as {s: status, t: date, e: evaluator ("" for none)}."""
    entry = {
        "$cond": [
            type_is("$$s", "object"),
            {"s": _lookup("$$s.status", _STATUSES), "t": parse_date(f("$$s.timestamp")),
             "e": if_null(_trimmed(f("$$s.evaluator")), "")},
            {"s": None, "t": None, "e": ""},
        ]
    }
    return {"$map": {"input": _array_or_empty(f("$$m.status_history")), "as": "s", "in": entry}}


def _tag_keys() -> dict:
    """What `allow_tag_failures` is matched against: `key:value` pairs and values of dict
    tags, the values of list tags (not their `tag_N:value` pairs), and a 1.x metric's
    `evaluation:<name>` and name."""
    tags = f("$$m.tags")
    pairs = {"$filter": {"input": {"$cond": [type_is(tags, "object"), {"$objectToArray": tags}, []]},
                         "as": "p", "cond": type_is("$$p.v", "string")}}
    joined = {"$map": {"input": "$$pairs", "as": "p", "in": {"$concat": ["$$p.k", ":", "$$p.v"]}}}
    from_dict = {"$concatArrays": [joined, {"$map": {"input": "$$pairs", "as": "p", "in": "$$p.v"}}]}
    from_list = {"$filter": {"input": _array_or_empty(tags), "as": "v", "cond": type_is("$$v", "string")}}
    evaluation = f("$$m._eval")
    return {
        "$switch": {
            "branches": [
                {"case": type_is(evaluation, "string"),
                 "then": array_of({"$concat": ["evaluation:", evaluation]}, evaluation)},
                {"case": type_is(tags, "object"), "then": {"$let": {"vars": {"pairs": pairs}, "in": from_dict}}},
            ],
            "default": from_list,
        }
    }


def _metric(now) -> dict:
    """One metric (`$$m`) as {n, mod, st, own, eff, r, ok}; `$$h` is its history."""
    allow = _array_or_empty(f(f"{QC}.allow_tag_failures"))
    dated = {"$filter": {"input": "$$h", "as": "x",
                         "cond": {"$and": [{"$ne": ["$$x.t", None]}, {"$lte": ["$$x.t", now]}]}}}
    latest_t = _max({"$map": {"input": dated, "as": "x", "in": "$$x.t"}})
    at_latest = {"$filter": {"input": "$$h", "as": "x", "cond": {"$eq": ["$$x.t", "$$t"]}}}
    own = {
        "$switch": {
            "branches": [
                {"case": {"$eq": [{"$size": "$$h"}, 0]}, "then": None},
                {"case": {"$eq": [{"$size": "$$h"}, 1]}, "then": _first("$$h.s")},
            ],
            # Latest at or before now (first of equal timestamps); all later: the first entry.
            "default": {"$let": {"vars": {"t": latest_t},
                                 "in": {"$cond": [{"$eq": ["$$t", None]}, _first("$$h.s"),
                                                  {"$let": {"vars": {"hit": _first(at_latest)}, "in": "$$hit.s"}}]}}},
        }
    }
    named = {"$filter": {"input": "$$h", "as": "x",
                         "cond": {"$and": [{"$ne": ["$$x.e", ""]}, {"$ne": ["$$x.t", None]}]}}}
    review = {
        "$let": {
            "vars": {"t": _max({"$map": {"input": named, "as": "x", "in": "$$x.t"}})},
            "in": {"$cond": [{"$eq": ["$$t", None]}, None,
                             {"t": "$$t", "e": {"$let": {"vars": {"hit": _first(at_latest_named())},
                                                         "in": "$$hit.e"}}}]},
        }
    }
    tolerated = {"$cond": [{"$eq": [f("$$m._allow"), True]}, True, {"$cond": [
        {"$eq": [{"$size": allow}, 0]}, False,
        {"$gt": [{"$size": {"$filter": {"input": _tag_keys(), "as": "k", "cond": {"$in": ["$$k", allow]}}}}, 0]}]}]}
    ranked = {"$switch": {"branches": [{"case": {"$eq": ["$$own", s]}, "then": r} for s, r in RANK.items()],
                          "default": RANK[PASS]}}
    bad_entries = {"$filter": {"input": "$$h", "as": "x",
                               "cond": {"$or": [{"$eq": ["$$x.s", None]}, {"$eq": ["$$x.t", None]}]}}}
    tags = f("$$m.tags")
    not_string = {"$eq": [type_is("$$v", "string"), False]}
    tags_ok = {"$switch": {"branches": [
        {"case": type_is(tags, "null"), "then": True},
        {"case": type_is(tags, "object"), "then": {"$eq": [{"$size": {"$filter": {
            "input": {"$objectToArray": tags}, "as": "p", "cond": {"$eq": [type_is("$$p.v", "string"), False]}}}}, 0]}},
        {"case": {"$isArray": tags}, "then": {"$eq": [{"$size": {"$filter": {
            "input": tags, "as": "v", "cond": not_string}}}, 0]}},
    ], "default": False}}
    ok = {
        "$and": [
            tags_ok,
            type_is(f("$$m.name"), "string"),
            {"$ne": ["$$mod", None]},
            {"$ne": ["$$st", None]},
            {"$gt": [{"$size": "$$h"}, 0]},
            {"$eq": [{"$size": bad_entries}, 0]},
            {"$or": [{"$ne": ["$$st", Stage.MULTI_ASSET.value]}, {"$isArray": f("$$m.evaluated_assets")}]},
        ]
    }
    return {
        "$let": {
            "vars": {"h": _history(), "mod": modality("$$m.modality"), "st": _lookup(f("$$m.stage"), _STAGES)},
            "in": {
                "$let": {
                    "vars": {"own": own},
                    "in": {
                        "n": _string_or_null(f("$$m.name")),
                        "mod": "$$mod",
                        "st": "$$st",
                        "own": "$$own",
                        # Tags are only looked at for a Fail (nested $cond: evaluated lazily).
                        "eff": {"$cond": [{"$eq": ["$$own", FAIL]},
                                          {"$cond": [tolerated, RANK[PASS], RANK[FAIL]]}, ranked]},
                        "r": review,
                        "ok": ok,
                    },
                }
            },
        }
    }


def at_latest_named() -> dict:
    """Named entries of `$$h` stamped `$$t` (inside `_metric`'s review)."""
    return {"$filter": {"input": "$$h", "as": "x",
                        "cond": {"$and": [{"$ne": ["$$x.e", ""]}, {"$eq": ["$$x.t", "$$t"]}]}}}


def metrics(now_iso: str) -> dict:
    """Each metric as {n: name, mod, st: stage, own: its own status, eff: rank counted
    towards the asset (tolerated Fails are Pass), r: latest named entry {t, e}, ok}."""
    bad = {"n": None, "mod": None, "st": None, "own": None, "eff": RANK[PASS], "r": None, "ok": False}
    return {"$map": {"input": _raw_metrics(), "as": "m",
                     "in": {"$cond": [type_is("$$m", "object"), _metric(date_literal(now_iso)), bad]}}}
