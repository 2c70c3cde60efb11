"""The API's blueprint, token sign-in and its one error path (see portal.api)."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, request
from flask_login import current_user
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from portal.api.models import ErrorOut
from portal.errors import PortalError

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
TOKENS = "qc_portal_tokens"  # server.extensions key of the TokenStore

api = Blueprint("api", __name__, url_prefix=PREFIX)


class ApiConflict(PortalError):
    """A 409: the version sent is stale and someone changed the same things meanwhile."""

    status = 409
    title = "Conflict"

    def __init__(self, message: str, *, version: int, conflicts: list[dict]):
        super().__init__(message)
        self.version = version
        self.conflicts = conflicts


def json_response(model: BaseModel, status: int = 200, headers: dict | None = None) -> Response:
    """A response with `model` as JSON (field aliases, e.g. `pass`, as documented)."""
    return Response(model.model_dump_json(by_alias=True), status=status, mimetype="application/json",
                    headers=headers)


def error_response(status: int, title: str, message: str, **extra) -> Response:
    """The one error shape: `{"error": title, "message": message}` (+ 409 extras)."""
    body = ErrorOut(error=title, message=message, **extra)
    return Response(body.model_dump_json(exclude_none=True), status=status, mimetype="application/json")


def invalid(exc: ValidationError) -> PortalError:
    """A request body pydantic refused, as one InvalidInput line naming the field."""
    from portal.errors import InvalidInput

    first = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "body"
    more = len(exc.errors()) - 1
    return InvalidInput(f"{where}: {first.get('msg', 'invalid')}" + (f" (and {more} more)" if more else ""))


# AIND's route (portal.api.aind) lives under /v1, outside the API's prefix, with the API's rules.
AIND_PREFIX = "/v1"


def is_api_path(path: str) -> bool:
    """Whether `path` is the REST API's (/api/v1/...) or AIND's compatible route (/v1/...)."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in (PREFIX, AIND_PREFIX))


def _is_api() -> bool:
    return is_api_path(request.path)


@api.errorhandler(PortalError)
def portal_error(exc: PortalError):
    """A PortalError as the one error shape (a 403 without a signed-in user is a 401)."""
    if isinstance(exc, ApiConflict):
        return error_response(409, exc.title, exc.message, version=exc.version, conflicts=exc.conflicts)
    if exc.status == 403 and not getattr(current_user, "is_authenticated", False):
        return error_response(401, "Unauthorized", exc.message)  # a token or a session would help: say so
    return error_response(exc.status, exc.title, exc.message)


@api.errorhandler(ValidationError)
def validation_error(exc: ValidationError):
    """A pydantic refusal as a 422 naming the field."""
    return portal_error(invalid(exc))


def _http_error(exc: HTTPException):
    """404 of an unknown API path, 405, 413 (too large), 400 (unreadable body): the API's shape,
    on API paths and Dash's endpoints alike. Other paths keep Flask's own answer."""
    if not (_is_api() or request.path.startswith("/_dash")):
        return exc
    message = {404: "There is no such API endpoint: see /api/v1/openapi.json.",
               413: "The request is too large."}.get(exc.code or 500, exc.description or exc.name)
    return error_response(exc.code or 500, exc.name, message)


@api.route("/<path:_rest>", methods=["GET", "POST"])
def _unknown(_rest: str):
    """Unknown API paths are JSON 404s (without this, the Dash pages' catch-all would answer)."""
    return error_response(404, "Not Found", "There is no such API endpoint: see /api/v1/openapi.json.")


def token_accepted(req) -> bool:
    """Where a token signs a request in: the API, AIND's route, and reads of reference files
    (scripts fetch the figures the API lists). Pages and Dash's endpoints take sessions only."""
    if is_api_path(req.path):
        return True
    return req.method in ("GET", "HEAD") and req.path.startswith("/references/")


def _load_token_user(req):
    """flask-login's request loader: `Authorization: Bearer <token>` where tokens are accepted."""
    from portal.accounts.auth import User
    from portal.accounts.tokens import bearer_token

    if not token_accepted(req):
        return None
    try:
        token = bearer_token(req.headers.get("Authorization"))
    except PortalError:
        return None
    if token is None:
        return None
    account = current_app.extensions[TOKENS].account(token)
    return User(account) if account else None


def refuse_bad_tokens():
    """A token that does not work is a 401 even where anonymous reads are allowed: the
    caller meant to be someone and must learn that the token is wrong or revoked. Wherever
    tokens are accepted (the API, AIND's route, reference files)."""
    if "Authorization" in request.headers and token_accepted(request) and not current_user.is_authenticated:
        return error_response(401, "Unauthorized", "The API token is not valid (unknown, revoked, or its account "
                                                   "was removed). Send `Authorization: Bearer <token>`.")
    return None


def init_api(server: Flask, engine) -> None:
    """Register /api/v1 on `server`: endpoints, token sign-in, JSON errors."""
    from portal.accounts.tokens import TokenStore
    from portal.api import (  # noqa: F401 - they add their routes
        analytics,
        events,
        lifecycle,
        openapi,
        ratings,
        reads,
        reviews,
        timeline,
        writes,
    )
    from portal.api.aind import aind

    server.extensions[TOKENS] = TokenStore(engine)
    server.login_manager.request_loader(_load_token_user)
    server.register_blueprint(api)
    server.register_blueprint(aind)  # POST /v1/add_qc_evaluation, AIND's alternate workflow
    server.before_request(refuse_bad_tokens)
    server.register_error_handler(HTTPException, _http_error)
