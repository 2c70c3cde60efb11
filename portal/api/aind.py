"""`POST /v1/add_qc_evaluation`: the route AIND's documentation tells capsule authors to call.

AIND's API gateway takes `{"data_asset_id": "<DocDB _id>", "qc_evaluation": <a 1.x
QCEvaluation, or a 2.x QCMetric or list of metrics>}`, signed with AWS credentials. The
portal takes the same body, with a portal token (`Authorization: Bearer ...`) instead of
the signature, so a capsule written for the gateway changes only its host and its auth.
`data_asset_id` may also be the asset's name.

The metrics go through the same path as `POST /api/v1/assets/{name}/qc/metrics`
(validated with aind-data-schema, merged by metric identity, attributable status entries,
portal.review.annotation_service); errors have the REST API's shape (portal.api.http).
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from pydantic import ValidationError

from portal.api.http import (
    AIND_PREFIX,
    error_response,
    invalid,
    json_response,
    portal_error,
    validation_error,
)
from portal.api.models import EvaluationIn, EvaluationOut
from portal.api.reads import stored_asset
from portal.api.writes import json_body
from portal.context import current_portal
from portal.errors import InvalidInput, PortalError
from portal.review import annotation_service
from portal.review.metrics_merge import read_payload
from portal.security.writes import write_route

aind = Blueprint("aind", __name__, url_prefix=AIND_PREFIX)
aind.register_error_handler(PortalError, portal_error)  # the REST API's error shapes
aind.register_error_handler(ValidationError, validation_error)


def _payload(qc_evaluation: dict | list) -> dict:
    """The metrics-push payload of a `qc_evaluation`: an evaluation, one metric or a list."""
    if isinstance(qc_evaluation, list):
        return {"metrics": qc_evaluation}
    holds_metrics = "metrics" in qc_evaluation or "qc_metrics" in qc_evaluation  # 1.1-1.2, and 1.0
    if holds_metrics and "status_history" not in qc_evaluation:
        return {"evaluation": qc_evaluation}  # a 1.x QCEvaluation holds its metrics
    if "status_history" in qc_evaluation or "object_type" in qc_evaluation:
        return {"metrics": [qc_evaluation]}
    raise InvalidInput("qc_evaluation: expected a 1.x QCEvaluation (with `metrics`), a 2.x QCMetric (with "
                       "`status_history`) or a list of metrics")


@aind.post("/add_qc_evaluation")
@write_route("annotate")
def add_qc_evaluation():
    """Add or replace the metrics of one evaluation (or metrics) of an asset, AIND's way."""
    try:
        body = EvaluationIn.model_validate(json_body())
    except ValidationError as exc:
        raise invalid(exc) from None
    payload = read_payload(_payload(body.qc_evaluation))
    stored = stored_asset(body.data_asset_id)
    result = annotation_service.add_metrics(current_portal(), current_user, stored.id, payload)
    return json_response(EvaluationOut(data_asset_id=stored.id, name=stored.name, version=result.version,
                                       added=list(result.added), replaced=list(result.replaced)))


@aind.route("/<path:_rest>", methods=["GET", "POST"])
def _unknown(_rest: str):
    """Other /v1 paths are JSON 404s naming the one route there is."""
    return error_response(404, "Not Found", "The only route under /v1 is POST /v1/add_qc_evaluation; the portal's "
                                            "API is /api/v1 (see /api/v1/openapi.json).")
