"""Write endpoints of /api/v1: push metrics (with reference files) and annotate.

Both are marked `write_route("annotate")` (portal.security.writes: checked before the
view runs) and go through portal.review.annotation_service, the one write path, which checks
the role again and writes as the signed-in account (a token acts as its account: the
evaluator written into status histories is that account's display name).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from flask import request
from flask_login import current_user
from pydantic import ValidationError

from portal.api.http import ApiConflict, api, invalid, json_response
from portal.api.models import AnnotationIn, AnnotationOut, ChangeOut, MetricsIn, MetricsOut, StoredFileOut
from portal.api.reads import stored_asset
from portal.context import current_portal
from portal.errors import InvalidInput
from portal.references.upload import IncomingFile, check_files, rewrite_references, store_files
from portal.review import annotation_service
from portal.review.metrics_merge import MetricsPayload, read_payload
from portal.security.writes import write_route
from portal.store.protocol import UNSET, Annotation, MetricEdit

# Stands for "the client did not say what it saw": on a stale version such a change
# always conflicts (it equals nothing a document holds).
_UNSEEN: Any = type("Unseen", (), {"__repr__": lambda self: "UNSEEN", "__bool__": lambda self: True})()


def json_body() -> Any:
    """The request's JSON body; InvalidInput when there is none or it is not JSON."""
    if not request.data:
        raise InvalidInput("the request has no body: send JSON")
    try:
        return json.loads(request.data)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the request body is not valid JSON") from None


def _metrics_request() -> tuple[Any, list[IncomingFile]]:
    """(the JSON payload, the files) of a JSON or multipart/form-data request."""
    if request.mimetype == "multipart/form-data":
        raw = request.form.get("payload")
        if raw is None:
            raise InvalidInput("a multipart request needs a `payload` field holding the metrics as JSON")
        try:
            payload = json.loads(raw)
        except ValueError:
            raise InvalidInput("the `payload` field is not valid JSON") from None
        files = []
        for key in request.files:
            for storage in request.files.getlist(key):
                storage.stream.seek(0, 2)
                size = storage.stream.tell()
                files.append(IncomingFile(storage.filename or "", storage.stream, size))
        return payload, files
    return json_body(), []


@api.post("/assets/<name>/qc/metrics")
@write_route("annotate")
def add_metrics(name: str):
    """Add or replace metrics of an asset (validated with aind-data-schema), with optional
    reference files stored next to the asset (multipart)."""
    raw, files = _metrics_request()
    if isinstance(raw, list):
        raw = {"metrics": raw}
    try:
        body = MetricsIn.model_validate(raw)
    except ValidationError as exc:
        raise invalid(exc) from None
    if (body.metrics is None) == (body.evaluation is None):
        raise InvalidInput("send either `metrics` (a list of 2.x metrics) or `evaluation` (a 1.x QCEvaluation)")
    read = read_payload({"evaluation": body.evaluation} if body.evaluation is not None else {"metrics": body.metrics})
    portal = current_portal()
    stored = stored_asset(name)
    incoming = check_files(files, portal.settings.upload_max_mb * 1024 * 1024)
    metrics = rewrite_references(read.metrics, incoming)  # sent and sanitised names -> stored name
    payload = MetricsPayload(metrics, list(dict.fromkeys([*read.allow_tag_failures, *body.allow_tag_failures])),
                             read.default_grouping)
    # The role was checked before the view ran (write_route) and everything sent is valid: store the files.
    saved = store_files(stored.summary.location, incoming, s3_client=lambda: _s3(portal.settings))
    result = annotation_service.add_metrics(portal, current_user, stored.id, payload)
    return json_response(MetricsOut(version=result.version, added=list(result.added), replaced=list(result.replaced),
                                    files=[StoredFileOut(**asdict(f)) for f in saved]))


def _s3(settings):
    from portal.transfer.ingest.s3 import s3_client

    return s3_client(settings)


def _edit(change, number: int) -> MetricEdit:
    given = change.model_fields_set
    if not change.metric and not change.key:
        raise InvalidInput(f"change #{number}: name its metric (`metric`, with qualifiers where names repeat) "
                           "or send its `key`")
    return MetricEdit(
        metric=change.metric,
        key=change.key,
        modality=change.modality,
        stage=change.stage,
        tags=change.tags,
        occurrence=change.occurrence,
        status=change.status,
        value=change.value if "value" in given else UNSET,
        seen_history=change.seen_history if change.seen_history is not None else 0,
        seen_value=change.seen_value if "seen_value" in given else _UNSEEN,
        comment=change.comment,
        reason=change.reason,
    )


@api.post("/assets/<name>/annotations")
@write_route("annotate")
def annotate(name: str):
    """Apply changes made on `version`: statuses appended as the token's account, values,
    comments, notes. A stale version with conflicting changes is a 409 listing them."""
    try:
        body = AnnotationIn.model_validate(json_body())
    except ValidationError as exc:
        raise invalid(exc) from None
    given = body.model_fields_set
    if not body.changes and "notes" not in given:
        raise InvalidInput("nothing to change: send `changes` and/or `notes`")
    stored = stored_asset(name)
    annotation = Annotation(
        asset=stored.id,
        base_version=body.version,
        edits=tuple(_edit(change, number) for number, change in enumerate(body.changes, start=1)),
        notes=body.notes if "notes" in given else UNSET,
        seen_notes=body.seen_notes if "seen_notes" in given else _UNSEEN,
        force=body.force,
    )
    result = annotation_service.submit(current_portal(), current_user, annotation)
    if not result.applied:
        conflicts = [{**asdict(c), "yours": _plain(c.yours), "theirs": _plain(c.theirs),
                      "current": _plain(c.current)} for c in result.conflicts]
        raise ApiConflict(
            f"{stored.name} changed since version {body.version} (now {result.version}): {len(conflicts)} of your "
            "changes conflict. Decide with each conflict's `current`, then resubmit with this `version` and "
            "`seen_history`/`seen_value` from `current` (or send force=true to append yours anyway).",
            version=result.version, conflicts=conflicts)
    changes = [ChangeOut(**change) for change in _plain(list(result.changes))]  # one JSON round trip
    return json_response(AnnotationOut(applied=True, version=result.version, changes=changes))


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a value from the store (datetimes and the like as text)."""
    return json.loads(json.dumps(value, default=str))
