"""Several raters over /api/v1: review policies, ratings, adjudications, agreement.

Writes are `write_route`-marked (the role checked before the view) and go through
portal.review.ratings, which checks again: viewers never rate, only admins set a policy,
only admins and a project's leads adjudicate. In a blind project, another rater's rating in
a round still open is left out of what a rater who has not rated that metric reads.
"""

from __future__ import annotations

from typing import Literal

from flask import request
from flask_login import current_user
from pydantic import Field, ValidationError

from portal.accounts.auth import require
from portal.api.http import api, invalid
from portal.api.models import _In
from portal.api.reads import stored_asset
from portal.api.writes import json_body
from portal.context import current_portal
from portal.errors import Forbidden, InvalidInput
from portal.qc.identity import MetricSelector
from portal.review import ratings as service
from portal.security.writes import write_route


class RatingIn(_In):
    """A rater's decision on one metric (named by `key`, or `metric` with its qualifiers)."""

    metric: str | None = Field(default=None, min_length=1, max_length=1000, description="The metric's name.")
    key: str | None = Field(default=None, min_length=1, max_length=5000, description="The metric's key.")
    modality: str | None = Field(default=None, max_length=200)
    stage: str | None = Field(default=None, max_length=100)
    tags: dict[str, str] | None = None
    occurrence: int | None = Field(default=None, ge=1, le=1_000_000)
    status: Literal["Pass", "Fail"]
    reason: str | None = Field(default=None, max_length=1000, description="Why (a Fail's reason).")
    comment: str | None = Field(default=None, max_length=10_000)
    shown_ms: int | None = Field(default=None, ge=0, le=86_400_000,
                                 description="How long the item was shown before the decision (review pages).")


def _selector(body: RatingIn) -> MetricSelector:
    if not body.metric and not body.key:
        raise InvalidInput("name the metric: `key`, or `metric` with qualifiers where names repeat")
    return MetricSelector(name=body.metric, key=body.key, modality=body.modality, stage=body.stage,
                          tags=body.tags, occurrence=body.occurrence)


def _body(model):
    try:
        return model.model_validate(json_body())
    except ValidationError as exc:
        raise invalid(exc) from None


def _decision(decision: service.Decision) -> dict:
    return {"recorded": decision.recorded, "consensus": decision.consensus, "state": decision.state,
            "ratings_required": decision.needed, "key": decision.key, "metric": decision.metric,
            "status": decision.status, "version": decision.version, "evaluator": decision.evaluator,
            "ratings": [_rating(r) for r in decision.ratings]}


def _rating(row: dict) -> dict:
    out = {k: row[k] for k in ("rater", "rater_name", "status", "reason", "comment", "round", "repeat") if k in row}
    out["rated_at"] = row["rated_at"].isoformat() if row.get("rated_at") else None
    for extra in ("key", "metric", "state"):
        if extra in row:
            out[extra] = row[extra]
    return out


def _policy(policy) -> dict:
    return {"ratings_required": policy.ratings_required, "blind": policy.blind,
            "repeat_fraction": policy.repeat_fraction, "leads": list(policy.leads)}


@api.get("/projects/<name>/policy")
def get_policy(name: str):
    """A project's review policy (one rating per metric unless an admin set another)."""
    require("view")
    return _policy(service.store_of(current_portal()).policy(name))


@api.put("/projects/<name>/policy")
@write_route("admin")
def put_policy(name: str):
    """Set a project's review policy (admins)."""
    policy = service.check_policy(json_body())
    return _policy(service.set_policy(current_portal(), current_user, name, policy))


@api.post("/assets/<name>/ratings")
@write_route("annotate")
def post_rating(name: str):
    """Rate one metric; the answer says whether it completed a consensus (a status entry)."""
    body = _body(RatingIn)
    stored = stored_asset(name)
    decision = service.decide(current_portal(), current_user, stored.id, _selector(body), body.status,
                              reason=body.reason, comment=body.comment, shown_ms=body.shown_ms)
    return _decision(decision), 200


@api.get("/assets/<name>/ratings")
def get_ratings(name: str):
    """The asset's ratings this user may see (blind projects hide others' open ratings)."""
    require("view")
    stored = stored_asset(name)
    rows = service.visible_ratings(current_portal(), current_user, stored.id)
    return {"asset": stored.name, "ratings": [_rating(r) for r in rows]}


@api.post("/assets/<name>/adjudications")
@write_route("annotate")
def post_adjudication(name: str):
    """Decide a metric whose raters disagreed (admins and the project's leads)."""
    body = _body(RatingIn)
    stored = stored_asset(name)
    decision = service.adjudicate(current_portal(), current_user, stored.id, _selector(body), body.status,
                                  comment=body.comment)
    return _decision(decision)


@api.get("/projects/<name>/adjudications")
def get_adjudications(name: str):
    """Metrics of the project whose raters disagreed, with every rating (admins and leads)."""
    portal = current_portal()
    policy = service.store_of(portal).policy(name)
    if not service.may_adjudicate(current_user, policy):
        raise Forbidden("Only admins and the project's leads see the adjudication queue.")
    limit = request.args.get("limit", "500")
    if not limit.isdigit() or not 1 <= int(limit) <= 5000:
        raise InvalidInput("limit: an integer from 1 to 5000")
    items = service.store_of(portal).disputed(name, int(limit))
    return {"project": name, "items": [{**{k: v for k, v in item.items() if k != "ratings"},
                                        "ratings": [_rating(r) for r in item["ratings"]]} for item in items]}


@api.get("/projects/<name>/agreement")
def get_agreement(name: str):
    """Agreement of the project's raters (per metric and pair: kappa, percent, confusion; per rater)."""
    require("view")
    return service.project_agreement(current_portal(), name)


OPENAPI_MODELS_IN = (RatingIn,)


def openapi_paths(operation, param, name_param, ref) -> dict:
    """The OpenAPI description of this module's endpoints (portal.api.openapi's helpers passed in)."""
    project = param("name", {"type": "string", "minLength": 1}, "Project name.", where="path", required=True)
    rating_body = {"application/json": {"schema": ref("RatingIn")}}
    policy_schema = {"type": "object", "properties": {
        "ratings_required": {"type": "integer", "minimum": 1, "maximum": service.MAX_RATERS},
        "blind": {"type": "boolean"}, "repeat_fraction": {"type": "number", "minimum": 0, "maximum": 0.5},
        "leads": {"type": "array", "items": {"type": "string"}}}, "additionalProperties": False}
    plain = {"type": "object"}

    def op(summary, description, errors, params, body=None, tag="ratings"):
        spec = operation(summary, description, None, errors, params=params, body=body, tag=tag)
        spec["responses"]["200"] = {"description": "OK", "content": {"application/json": {"schema": plain}}}
        return spec

    return {
        "/projects/{name}/policy": {
            "get": op("Review policy", "Ratings required, blind, repeat fraction, leads.", (), [project]),
            "put": op("Set the review policy", "Admins.", ("403", "422"), [project],
                      {"application/json": {"schema": policy_schema}}),
        },
        "/assets/{name}/ratings": {
            "post": op("Rate a metric", "A rating (or, with one rating required, a status entry); says whether "
                       "it completed a consensus.", ("403", "404", "409", "422"), [name_param], rating_body),
            "get": op("Ratings", "The asset's ratings you may see.", ("404",), [name_param]),
        },
        "/assets/{name}/adjudications": {
            "post": op("Adjudicate", "Decide a metric whose raters disagreed (admins and leads).",
                       ("403", "404", "409", "422"), [name_param], rating_body),
        },
        "/projects/{name}/adjudications": {
            "get": op("Adjudication queue", "Disputed metrics with their ratings (admins and leads).",
                      ("403", "422"), [project, param("limit", {"type": "integer", "minimum": 1, "maximum": 5000},
                                                       "At most this many.")]),
        },
        "/projects/{name}/agreement": {
            "get": op("Agreement", "Per metric and pair of raters: items, percent agreement, Cohen's kappa, "
                      "confusion; Fleiss' kappa over items rated by three; per rater counts.", (), [project]),
        },
    }
