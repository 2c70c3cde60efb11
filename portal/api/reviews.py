"""The review workflow's endpoints: a project's fail reasons (`GET`/`PUT
/api/v1/projects/{name}/reasons`) and assignments (`GET /api/v1/assignments`,
`GET /api/v1/assignments/{id}`).

Reading reasons follows QC_PORTAL_REQUIRE_LOGIN; replacing them is for admins (checked
before the view runs, `write_route("admin")`, and again by portal.review.reasons). Assignments
are for signed-in accounts: admins see every one, others those given to them.
"""

from __future__ import annotations

from flask import request
from flask_login import current_user
from pydantic import Field, ValidationError

from portal.accounts.auth import require
from portal.api.http import api, invalid, json_response
from portal.api.models import _In, _Out
from portal.api.writes import json_body
from portal.context import current_portal
from portal.errors import InvalidInput
from portal.review import assignments, reasons
from portal.security.writes import write_route


class ReasonsIn(_In):
    """A project's fail reasons, in the order they are offered (an empty list: none asked for)."""

    reasons: list[str] = Field(max_length=reasons.MAX_REASONS, description="Distinct reasons (ignoring case), "
                               f"1 to {reasons.MAX_REASON_LENGTH} characters each.")


class ReasonsOut(_Out):
    """A project's fail reasons; a Fail on its assets needs one of them when there are any."""

    project: str
    reasons: list[str]


class ReviewerCountOut(_Out):
    """How many of an assignment's metrics one evaluator decided."""

    evaluator: str
    reviewed: int


class AssignmentOut(_Out):
    """An assignment: a named set of the overview's filters given to reviewers, and its progress.

    `total`: the metrics that were Pending on the matching assets when it was made (on assets
    not deleted); `reviewed`: those with a Pass or Fail entry written through the portal since;
    `by`: per evaluator, how many of them they decided (one decided by two counts for both)."""

    id: int
    name: str
    filters: str = Field(description="The overview's filters as a query string (`project=...&modality=...`).")
    review_url: str = Field(description="The review queue of this assignment.")
    assignees: list[str]
    created_at: str
    created_by: str
    closed_at: str | None = None
    closed_by: str | None = None
    open: bool
    total: int
    reviewed: int
    by: list[ReviewerCountOut]


class AssignmentListOut(_Out):
    """The assignments the account may see (admins: all), newest first."""

    assignments: list[AssignmentOut]


def assignment_json(item: assignments.Assignment, root: str = "") -> AssignmentOut:
    """The API's shape of an assignment with its progress."""
    row, progress = item.row, item.progress
    return AssignmentOut(
        id=row.id, name=row.name, filters=row.filters, review_url=assignments.review_url(row.filters, row.id, root),
        assignees=list(row.assignees), created_at=row.created_at.isoformat(), created_by=row.created_by,
        closed_at=row.closed_at.isoformat() if row.closed_at else None, closed_by=row.closed_by, open=row.is_open,
        total=progress.total, reviewed=progress.reviewed,
        by=[ReviewerCountOut(evaluator=who, reviewed=n) for who, n in progress.by])


@api.get("/projects/<name>/reasons")
def get_reasons(name: str):
    """The project's fail reasons."""
    require("view")
    return json_response(ReasonsOut(project=name, reasons=reasons.project_reasons(current_portal().store, name)))


@api.put("/projects/<name>/reasons")
@write_route("admin")
def put_reasons(name: str):
    """Replace the project's fail reasons (admins)."""
    try:
        body = ReasonsIn.model_validate(json_body())
    except ValidationError as exc:
        raise invalid(exc) from None
    saved = reasons.set_project_reasons(current_portal().store, current_user, name, body.reasons)
    return json_response(ReasonsOut(project=name, reasons=saved))


def _no_params() -> None:
    if request.args:
        raise InvalidInput(f"unknown query parameter: {', '.join(sorted(request.args))}")


@api.get("/assignments")
def list_assignments():
    """The assignments the account may see, with their progress."""
    require("view")
    _no_params()
    found = assignments.listing(current_portal(), current_user)
    return json_response(AssignmentListOut(assignments=[assignment_json(a, request.script_root) for a in found]))


@api.get("/assignments/<int:assignment_id>")
def get_assignment(assignment_id: int):
    """One assignment with its progress (404 when it is not the account's, unless admin)."""
    require("view")
    _no_params()
    return json_response(assignment_json(assignments.get(current_portal(), current_user, assignment_id),
                                         request.script_root))


OPENAPI_MODELS = (ReasonsOut, AssignmentOut, AssignmentListOut)
OPENAPI_MODELS_IN = (ReasonsIn,)


def openapi_paths(operation, ref, param) -> dict:
    """The OpenAPI description of this module's endpoints (portal.api.openapi's helpers passed in)."""
    project = param("name", {"type": "string", "minLength": 1}, "Project name.", where="path", required=True)
    ident = param("assignment_id", {"type": "integer", "minimum": 0, "maximum": assignments.MAX_ID}, "Assignment id.",
                  where="path", required=True)
    put = operation("Replace a project's fail reasons", "Admins. A Fail on the project's assets then needs one of "
                    "them (`reason` in annotations); an empty list asks for none.", "ReasonsOut",
                    ("403", "404", "422"), params=[project], body={"application/json": {"schema": ref("ReasonsIn")}},
                    tag="reviews")
    put["responses"]["404"]["description"] = "No asset belongs to this project."
    one = operation("An assignment", "With its progress. 404 when it is not given to the account (admins see all).",
                    "AssignmentOut", ("404",), params=[ident], tag="reviews")
    one["responses"]["404"]["description"] = "No such assignment (or not yours)."
    return {
        "/projects/{name}/reasons": {
            "get": operation("A project's fail reasons", "The reasons a Fail on the project's assets is given.",
                             "ReasonsOut", (), params=[project], tag="reviews"),
            "put": put,
        },
        "/assignments": {"get": operation(
            "Assignments", "Those given to the account (admins: all), newest first, with progress: `total` metrics "
            "Pending when it was made, `reviewed` of them decided through the portal since, `by` evaluator.",
            "AssignmentListOut", ("403",), tag="reviews")},
        "/assignments/{assignment_id}": {"get": one},
    }
