"""`GET /api/v1/events`: the event log by cursor (portal.events.feed), for signed-in accounts."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from portal.accounts.auth import require
from portal.api.http import api, json_response
from portal.api.models import EventOut, EventPageOut
from portal.context import current_portal
from portal.errors import Forbidden, InvalidInput
from portal.events import feed

DEFAULT_LIMIT = 100
_PARAMS = ("after", "type", "limit")


@api.get("/events")
def list_events():
    """Events after the cursor `after` (every one from the start without it), of the types `type`
    (repeat for several; all without it), at most `limit` (1-1000, default 100), oldest first."""
    require("view")
    if not current_user.is_authenticated:
        # Who did what is for accounts: a token or a session, whatever QC_PORTAL_REQUIRE_LOGIN says.
        raise Forbidden("Sign in, or send `Authorization: Bearer <token>`, to read the event log.")
    args = request.args
    unknown = sorted(key for key in args if key not in _PARAMS)
    if unknown:
        raise InvalidInput(f"unknown query parameter: {', '.join(unknown)}")
    raw_limit = args.get("limit", str(DEFAULT_LIMIT)).strip()
    if not raw_limit.isdigit() or len(raw_limit) > 6:
        raise InvalidInput(f"limit must be a whole number from 1 to {feed.MAX_LIMIT}")
    types = [t for value in args.getlist("type") for t in value.split(",") if t.strip()]
    found = feed.page(current_portal().users.engine, args.get("after"), [t.strip() for t in types], int(raw_limit))
    return json_response(EventPageOut(events=[EventOut.model_validate(feed.event_json(e)) for e in found.events],
                                      next_cursor=found.next_cursor))


OPENAPI_MODELS = (EventPageOut,)


def openapi_paths(operation, param) -> dict:
    """The OpenAPI description of this module's endpoint (portal.api.openapi's helpers passed in)."""
    from portal.store.sql.events import EVENT_TYPES

    return {"/events": {"get": operation(
        "The event log", "Events after a cursor, oldest first: never one skipped or repeated, whatever commits "
        "when. Needs a signed-in account (token or session).", "EventPageOut", ("422",), tag="events",
        params=[param("after", {"type": "string", "pattern": "^[0-9]{1,19}-[0-9]{1,19}$"},
                      "A cursor from an earlier answer (`next_cursor` or an event's `cursor`); none: from the start."),
                param("type", {"type": "array", "items": {"type": "string", "enum": list(EVENT_TYPES)}},
                      "Only these event types (repeat for several)."),
                param("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": DEFAULT_LIMIT},
                      "Events per page.")])}}
