"""Malformed posts to Dash's `/_dash-update-component` are 400s, not 500s.

Dash trusts the shape of the callback request its renderer sends: a `null`, `[]` or `{}`
body, an output no server-side callback has (or a client-side-only one), inputs of the
wrong kind or number, all raise inside Dash's dispatcher (KeyError, TypeError,
CallbackException) and would answer 500. `problem(body, callback_map)` checks the
shape against the registered callback before Dash sees it; Dash's own validation
errors that remain (`DashException` other than PreventUpdate) are answered 400 too.
Values are not checked here: a callback gets the types its component sends, and a
callback that fails on a strange value goes through the callbacks' one error path.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import dash
from dash.exceptions import DashException, PreventUpdate
from flask import Flask, request

from portal.ops.http_errors import error_answer

log = logging.getLogger(__name__)
_MAX_ITEMS = 10_000  # pattern-matching inputs of one callback: far more than any page renders
# dcc.Location's properties hold the URL still percent-encoded: a NUL is "%00" there, and
# callbacks decode it (the overview's `?q=`). Refused like any other NUL (portal.security.inputs).
_URL_PROPS = frozenset({"search", "href", "pathname", "hash"})


def endpoint_path(app: dash.Dash) -> str:
    """The path of Dash's callback endpoint under the app's routes prefix."""
    return app.config.routes_pathname_prefix + "_dash-update-component"


def _is_id(value: Any) -> bool:
    if isinstance(value, str):
        return True
    # Pattern-matching ids: a dict of plain values (the renderer never sends anything else).
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in value.items())


def _is_prop(item: Any, *, value_allowed: bool) -> bool:
    if not isinstance(item, dict) or not _is_id(item.get("id")) or not isinstance(item.get("property"), str):
        return False
    allowed = {"id", "property", "value"} if value_allowed else {"id", "property"}
    return set(item) <= allowed


def _entries_ok(sent: Any, declared: list[dict], *, value_allowed: bool) -> str | None:
    """Why the sent inputs/state/outputs do not fit the declared ones (None: they do)."""
    if not isinstance(sent, list) or len(sent) != len(declared):
        return f"expected a list of {len(declared)}"
    for item, spec in zip(sent, declared, strict=True):
        pattern = str(spec.get("id", "")).startswith("{")
        if isinstance(item, list):
            if not pattern or len(item) > _MAX_ITEMS:
                return "a list where one property was expected"
            if not all(_is_prop(i, value_allowed=value_allowed) and isinstance(i["id"], dict) for i in item):
                return "a malformed pattern-matching entry"
        elif not _is_prop(item, value_allowed=value_allowed):
            return "a malformed entry (needs id and property)"
        elif not pattern and (item["id"], _clean(item["property"])) != (spec.get("id"), _clean(spec.get("property"))):
            return "an entry for another component"
    return None


def _clean(prop: Any) -> Any:
    """A property without the `@<hash>` Dash adds to outputs that allow duplicates."""
    return prop.split("@", 1)[0] if isinstance(prop, str) else prop


def _declared_outputs(spec: dict) -> list[dict] | None:
    """The callback's outputs as {"id", "property"} (id as Dash prints it), None for no output."""
    if spec.get("no_output"):
        return None
    outputs = spec.get("output")
    outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
    declared = []
    for output in outputs:
        component = output.component_id
        declared.append({"id": json.dumps(component, sort_keys=True, default=str).replace(" ", "")
                         if isinstance(component, dict) else component, "property": output.component_property})
    return declared


def problem(body: Any, callback_map: dict) -> str | None:
    """Why `body` is not a callback request Dash can run (None: it is)."""
    if not isinstance(body, dict):
        return "the callback request must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or not output:
        return "the callback request names no output"
    spec = callback_map.get(output)
    if spec is None or not callable(spec.get("callback")):
        return "no server-side callback has this output"  # unknown, or client-side only
    for key, value_allowed in (("inputs", True), ("state", True)):
        sent = body.get(key, []) if key == "state" else body.get(key)
        why = _entries_ok(sent, spec.get(key) or [], value_allowed=value_allowed)
        if why:
            return f"`{key}` does not match the callback: {why}"
    declared = _declared_outputs(spec)
    if declared is not None:
        sent = body.get("outputs")
        multi = output.startswith("..")
        if not multi:
            sent = [sent]
        why = _entries_ok(sent, declared, value_allowed=False)
        if why:
            return f"`outputs` does not match the callback: {why}"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "`changedPropIds` must be a list of strings"
    return None


def encoded_nul(body: dict) -> bool:
    """Whether a URL property among the inputs or state carries a percent-encoded NUL."""
    for key in ("inputs", "state"):
        for item in body.get(key) or []:
            for entry in item if isinstance(item, list) else [item]:
                value = entry.get("value") if isinstance(entry, dict) else None
                if entry.get("property") in _URL_PROPS and isinstance(value, str) and "%00" in value:
                    return True
    return False


def init_dash_request_checks(server: Flask, app: dash.Dash) -> None:
    """Answer malformed callback requests to `app` with 400 (see the module docstring)."""
    path = endpoint_path(app)

    @server.before_request
    def _check_callback_request():
        if request.path != path or request.method != "POST":
            return None
        if request.mimetype != "application/json":
            return error_answer(400, "Bad request", "a callback request must be JSON (application/json)")
        # portal.security.inputs parsed and bounded the body already (depth, NaN, NUL).
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, RecursionError):
            return error_answer(400, "Bad request", "the callback request is not valid JSON")
        why = problem(body, app.callback_map)
        if why:
            log.info("refused a callback request: %s", why)
            return error_answer(400, "Bad request", why)
        if encoded_nul(body):
            return error_answer(422, "Invalid input", "the address contains a NUL character (%00), which is not "
                                                      "allowed")
        return None

    @server.errorhandler(DashException)
    def _dash_error(exc: DashException):
        if isinstance(exc, PreventUpdate):
            return "", 204  # Dash's own answer for "nothing to update"
        if request.path != path:
            raise exc
        log.warning("refused a callback request Dash could not run: %s: %s", type(exc).__name__, exc)
        return error_answer(400, "Bad request", "the callback request does not match the callback")
