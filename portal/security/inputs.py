"""What every request may carry, checked once before any view runs.

- **No NUL characters** anywhere a value comes from: query keys and values, form keys
  and values, and every string (and key) of a JSON body, the Dash callback endpoint's
  included. PostgreSQL refuses NUL in text (the driver raises), SQLite stores it and
  cuts strings at it in places: refused on both alike, with 422 (in the path itself:
  400, a malformed address).
- **JSON bodies are bounded and plain**: nested at most `QC_PORTAL_MAX_JSON_DEPTH`
  levels (Python's parser and pydantic recurse: a deep body would raise RecursionError
  in a view), and no `NaN` / `Infinity` (not JSON; PostgreSQL's JSONB refuses them).
  REST API: 422. The Dash endpoint: 400, as for any malformed callback request
  (portal.security.dash_requests checks the rest of its shape).

A JSON form field of the API (the `payload` of a multipart push) is checked the same way.
Refusals are `{"error", "message"}` JSON for API and Dash requests (portal.ops.http_errors).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, request

from portal.ops.http_errors import error_answer

log = logging.getLogger(__name__)

JSON_TYPES = ("application/json", "application/csp-report")
NUL = "\x00"


class Refused(Exception):
    """A request input that is refused before any view runs."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes | str, max_depth: int, what: str = "the request body") -> Any:
    """Parse JSON that must be plain (no NaN/Infinity), at most `max_depth` deep, without NUL.

    Raises Refused (422) for depth, constants and NUL; ValueError for text that is not JSON.
    """
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError:
        raise Refused(422, f"{what} is nested more than {max_depth} levels deep") from None
    except ValueError as exc:
        if "is not JSON" in str(exc):
            raise Refused(422, f"{what} holds NaN or Infinity, which are not JSON numbers") from None
        raise
    check_value(value, max_depth, what)
    return value


def check_value(value: Any, max_depth: int, what: str) -> None:
    """Refused (422) when parsed JSON nests deeper than `max_depth` or holds a NUL character.

    Iterative (an explicit stack): safe on values that would overflow Python's recursion.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                raise Refused(422, f"{what} contains a NUL character (\\u0000), which is not allowed")
            continue
        if isinstance(item, dict):
            depth += 1
            if depth > max_depth:
                raise Refused(422, f"{what} is nested more than {max_depth} levels deep")
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth) for child in item.values())
        elif isinstance(item, list):
            depth += 1
            if depth > max_depth:
                raise Refused(422, f"{what} is nested more than {max_depth} levels deep")
            stack.extend((child, depth) for child in item)


def _check_text(pairs, what: str) -> None:
    for key, value in pairs:
        key, value = key or "", value or ""  # werkzeug gives None for a multipart part it cannot name
        if NUL in key or NUL in value:
            raise Refused(422, f"{what} {key.replace(NUL, '')!r} contains a NUL character, which is not allowed")


def _is_json_body() -> bool:
    return request.mimetype in JSON_TYPES or request.mimetype.endswith("+json")


def check_request(max_depth: int, is_dash: Callable[[], bool]) -> None:
    """Raise Refused for anything this module refuses in the current request."""
    if NUL in request.path:  # no route names anything with one: a malformed address, not a value
        raise Refused(400, "the address contains a NUL character, which is not allowed")
    _check_text(request.args.items(multi=True), "the query parameter")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    dash = is_dash()
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _check_text(request.form.items(multi=True), "the form field")
        if request.path.startswith("/api/"):
            for key, value in request.form.items(multi=True):
                if (value or "").lstrip()[:1] in ("{", "["):
                    try:
                        parse_json(value, max_depth, f"the form field {key!r}")
                    except ValueError:
                        pass  # not JSON after all: the view says what it expected
        return
    if not (dash or _is_json_body()):
        return
    data = request.get_data(cache=True)  # kept: the view reads the same bytes again
    if not data.strip():
        return
    try:
        parse_json(data, max_depth)
    except Refused as exc:
        if dash:
            exc.status = 400 if "NUL" not in exc.message else 422
        raise
    except (ValueError, UnicodeDecodeError):
        if dash:
            raise Refused(400, "the callback request is not valid JSON") from None
        # REST views answer malformed JSON themselves (422, naming what they expected).


def init_input_checks(server: Flask, max_depth: int, is_dash: Callable[[], bool]) -> None:
    """Refuse NUL characters, NaN and over-deep JSON on `server` before any view runs."""

    @server.before_request
    def _check_inputs():
        try:
            check_request(max_depth, is_dash)
        except Refused as exc:
            log.info("refused %s %s: %s", request.method, request.path, exc.message)
            return error_answer(exc.status, "Invalid input" if exc.status == 422 else "Bad request", exc.message)
        return None
