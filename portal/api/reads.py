"""Read endpoints of /api/v1: assets, one asset, its QC, grouped counts, who am I.

Every view's first line checks the permission (reads follow QC_PORTAL_REQUIRE_LOGIN),
then it calls the store; the filters are the overview's URL keys (portal.views.filters_url).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, replace
from datetime import date

from flask import Response, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.accounts.auth import require
from portal.api.http import api, json_response
from portal.api.models import (
    AssetOut,
    AssetPageOut,
    AssetRowOut,
    EntryReviewOut,
    GroupCountOut,
    MetricKeyOut,
    ModalityCountOut,
    QualityControlOut,
    SummaryOut,
    UserOut,
)
from portal.context import current_portal
from portal.errors import InvalidInput, NotFound
from portal.qc import QCReadError, dump_qc, load_qc, metric_status
from portal.qc.identity import MetricIndex
from portal.review import reasons
from portal.store.protocol import SORTABLE, STATUS_GROUPS, AssetQuery, Sort, StoredAsset
from portal.views.filters_url import FILTER_KEYS, parse_query
from portal.views.present import summary_json

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
_LAST_DAY = date(9999, 12, 30)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # no database stores these in text


def asset_query(args: MultiDict, extra: tuple[str, ...] = ()) -> AssetQuery:
    """The filters of a query string, strictly: an unknown key or a value that cannot be
    used is a 422 (the overview ignores them with a note; a program should be told)."""
    unknown = sorted(key for key in args if key not in FILTER_KEYS and key not in extra)
    if unknown:
        raise InvalidInput(f"unknown query parameter{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
    if any(_CONTROL.search(value) for value in args.values()):
        raise InvalidInput("query parameters may not contain control characters")
    parsed = parse_query({key: args.getlist(key) for key in args if key in FILTER_KEYS})
    query = parsed.query
    notes = list(parsed.notes)
    if query.acquired_from and query.acquired_to and query.acquired_from > query.acquired_to:
        notes.pop()  # "from is after to" (noted last): a valid question whose answer is "nothing"
    if notes:
        raise InvalidInput(" ".join(notes))
    if query.acquired_to is not None and query.acquired_to >= _LAST_DAY:
        # The stores search up to the day after `to`, which does not exist after 9999-12-30.
        query = replace(query, acquired_to=_LAST_DAY)
    return query


def _int(args: MultiDict, key: str, default: int, low: int, high: int) -> int:
    raw = args.get(key)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,12}", raw.strip()) or not low <= int(raw) <= high:
        raise InvalidInput(f"{key} must be a whole number from {low} to {high}")
    return int(raw)


def _sort(raw: str | None) -> Sort:
    if not raw:
        return Sort()
    field = raw.removeprefix("-")
    if field not in SORTABLE:
        raise InvalidInput(f"sort must be one of {', '.join(SORTABLE)}, with a leading - for descending")
    return Sort(field, raw.startswith("-"))


def stored_asset(name: str) -> StoredAsset:
    """The asset with this name or id; NotFound otherwise."""
    found = current_portal().store.get(name) if not _CONTROL.search(name) else None
    if found is None:
        raise NotFound(f"Asset not found: {name}")
    return found


@api.get("/assets")
def list_assets():
    """A filtered, sorted page of assets."""
    require("view")
    args = request.args
    query = asset_query(args, extra=("limit", "offset", "sort"))
    limit = _int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int(args, "offset", 0, 0, 10**9)
    page = current_portal().store.list_assets(query, _sort(args.get("sort")), offset=offset, limit=limit)
    rows = [AssetRowOut.model_validate(asdict(row)) for row in page.rows]
    more = offset + len(rows) < page.total and bool(rows)
    return json_response(AssetPageOut(rows=rows, total=page.total, offset=offset, limit=limit,
                                      next_offset=offset + len(rows) if more else None))


@api.get("/assets/<name>")
def get_asset(name: str):
    """An asset's summary and statuses (the shape of `qc-portal show --json`)."""
    require("view")
    stored = stored_asset(name)
    data = summary_json(stored.summary, version=stored.version)
    AssetOut.model_validate(data)  # the documented shape, checked; answered as `show --json` writes it
    return Response(json.dumps(data), mimetype="application/json")


def normalised_qc(stored: StoredAsset) -> dict | None:
    """The asset's quality_control normalised to 2.x (None without one); InvalidInput if unreadable."""
    model = _model(stored)
    return dump_qc(model) if model is not None else None


def _model(stored: StoredAsset):
    raw = stored.record.get("quality_control")
    if not raw:
        return None
    try:
        return load_qc(raw)
    except QCReadError as exc:
        raise InvalidInput(f"the quality_control of {stored.name} cannot be read: {exc}") from None


def metric_keys(model) -> list[MetricKeyOut]:
    """Each metric of a document with its key, qualifiers, latest status and history length."""
    index = MetricIndex(model.metrics)
    out = []
    for position, metric in enumerate(model.metrics):
        name, modality, stage, tags = index.identities[position]
        out.append(MetricKeyOut(key=index.key(position), name=name, modality=modality, stage=stage,
                                tags=dict(tags), occurrence=index.occurrences[position],
                                status=metric_status(metric), history=len(metric.status_history)))
    return out


def review_notes(asset_id: str) -> list[EntryReviewOut]:
    """The reasons and comments the portal keeps with the asset's status entries (portal.review.reasons)."""
    return [EntryReviewOut(key=e.metric_key, timestamp=e.at.isoformat(), evaluator=e.evaluator, status=e.status,
                      reason=e.reason, comment=e.comment)
            for e in reasons.explained(current_portal().store, asset_id)]


@api.get("/assets/<name>/qc")
def get_qc(name: str):
    """The asset's quality_control (normalised) and the version to send back with changes.
    `?download=1` answers it as a file (`<name>_quality_control.json`)."""
    require("view")
    args = request.args
    unknown = sorted(key for key in args if key != "download")
    if unknown:
        raise InvalidInput(f"unknown query parameter: {', '.join(unknown)}")
    stored = stored_asset(name)
    model = _model(stored)
    body = QualityControlOut(version=stored.version, quality_control=dump_qc(model) if model else None,
                             metrics=metric_keys(model) if model else [], reviews=review_notes(stored.id))
    headers = None
    if args.get("download", "").lower() in ("1", "true", "yes"):
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", stored.name)[:150]
        headers = {"Content-Disposition": f'attachment; filename="{safe}_quality_control.json"'}
    return json_response(body, headers=headers)


@api.get("/summary")
def summary():
    """Counts of the filtered assets: per status, per `by` group x status, per project x modality x status."""
    require("view")
    args = request.args
    query = asset_query(args, extra=("by",))
    by = args.get("by", "project")
    if by not in STATUS_GROUPS:
        raise InvalidInput(f"by must be one of {', '.join(STATUS_GROUPS)}")
    store = current_portal().store
    totals = store.status_totals(query)
    groups = [GroupCountOut(key=None if g.key is None else str(g.key), status=g.status, n=g.n)
              for g in store.status_counts(query, by)]
    modality = [ModalityCountOut(**asdict(row)) for row in store.counts(query)]
    return json_response(SummaryOut(total=sum(totals.values()), status=totals, by=by, groups=groups,
                                    modality=modality))


@api.get("/me")
def me():
    """Who the request acts as (401 when nobody: check a token with it)."""
    if not current_user.is_authenticated:
        from portal.errors import Forbidden

        raise Forbidden("Not signed in: send `Authorization: Bearer <token>`.")
    return json_response(UserOut(name=current_user.name, display_name=current_user.display_name,
                                 role=current_user.role))
