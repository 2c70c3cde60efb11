"""Fail reasons: per project a list of reasons (admins edit it); a Fail on an asset of such a
project needs one of them, and a free comment may go with it.

Reasons and comments are kept in the portal's database with the status entry they explain
(asset, metric key, entry timestamp, evaluator: portal.store.sql.reviews), written in the
annotation's transaction by the store. They are never put inside the aind-data-schema
document, whose models have no place for them.

What the queue page and others call: `project_reasons(store, project)`,
`check_annotation(store, annotation)` (the annotation service does), `explained(store, asset_id)`
(entries with a reason or comment, for the history), `top_fail_reasons(store, project)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from portal.accounts.auth import require
from portal.errors import Forbidden, InvalidInput, NotFound
from portal.store.protocol import Annotation, AssetQuery
from portal.store.sql import reviews
from portal.store.sql.engine import begin_write
from portal.store.sql.reviews import ReviewEntry
from portal.store.sql.store import SqlAssetStore

MAX_REASONS = 50
MAX_REASON_LENGTH = 200


def _engine(store):
    return store.engine


def hides_deleted(store) -> bool:
    """Whether the store's assets live in the portal's database (deleted ones left out by a join)."""
    return isinstance(store, SqlAssetStore)


def project_reasons(store, project: str | None) -> list[str]:
    """The project's fail reasons in their order ([] when it has none, or for no project)."""
    if not project:
        return []
    with _engine(store).connect() as connection:
        return reviews.get_reasons(connection, project)


def clean_reasons(raw: object) -> list[str]:
    """A list of reasons as sent (text), stripped; InvalidInput for anything else, a blank
    or too long reason, a repeated one (ignoring case), or too many."""
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InvalidInput("reasons must be a list of texts")
    out: list[str] = []
    seen: set[str] = set()
    for number, item in enumerate(raw, start=1):
        reason = " ".join(item.split())
        if not reason:
            raise InvalidInput(f"reason #{number} is blank")
        if len(reason) > MAX_REASON_LENGTH:
            raise InvalidInput(f"reason #{number} is longer than {MAX_REASON_LENGTH} characters")
        if reason.casefold() in seen:
            raise InvalidInput(f"reason {reason!r} is listed twice")
        seen.add(reason.casefold())
        out.append(reason)
    if len(out) > MAX_REASONS:
        raise InvalidInput(f"at most {MAX_REASONS} reasons per project")
    return out


def project_exists(store, project: str) -> bool:
    """Whether some (not deleted) asset belongs to the project."""
    return store.list_assets(AssetQuery(project=(project,)), limit=1).total > 0


def set_project_reasons(store, user, project: str, raw: object) -> list[str]:
    """Replace the project's fail reasons as `user` (an admin; Forbidden otherwise). NotFound
    for a project no asset belongs to; InvalidInput for a bad list (nothing is changed)."""
    if user is None:
        raise Forbidden("Sign in as an admin to see this.")
    user = require("admin", project, user=user)
    reasons = clean_reasons(raw)
    if not project_exists(store, project):
        raise NotFound(f"Project not found: {project}")
    with begin_write(_engine(store)) as connection:
        reviews.set_reasons(connection, project, reasons, user=user.name, now=datetime.now(UTC))
    return reasons


def asset_project(store, key: str) -> str | None:
    """The project of the asset `key` (None: none, or no such asset)."""
    return store.project_of(key) or None


def check_annotation(store, annotation: Annotation) -> None:
    """InvalidInput when an explicit Fail lacks a reason its project requires, or a reason is
    not one of the project's (nothing is written then). A Fail a dropdown or checkbox choice
    implies needs none: the choice is its own explanation."""
    fails = [edit for edit in annotation.edits if edit.status == "Fail" or edit.reason]
    if not fails:
        return
    project = asset_project(store, annotation.asset)
    listed = project_reasons(store, project)
    for edit in fails:
        check_reason(listed, project, edit.key or edit.metric or "?", edit.status, edit.reason)


def check_reason(listed: list[str], project: str | None, name: str, status: str | None,
                 reason: str | None) -> None:
    """InvalidInput when a Fail of metric `name` lacks a reason the project's `listed` reasons
    require, or `reason` is not one of them (no listed reasons: anything goes). The one rule
    for annotations, ratings and the review queue."""
    if not listed:
        return
    if status == "Fail" and not reason:
        raise InvalidInput(f"metric {name!r}: project {project!r} asks for a reason with every Fail: send "
                           f"`reason`, one of: {'; '.join(listed)}")
    if reason and reason not in listed:
        raise InvalidInput(f"metric {name!r}: {reason!r} is not one of project {project!r}'s fail "
                           f"reasons: {'; '.join(listed)}")


def explained(store, asset_id: str, metric_key: str | None = None) -> list[ReviewEntry]:
    """The asset's status entries that carry a reason or comment, oldest first."""
    with _engine(store).connect() as connection:
        return reviews.asset_entries(connection, asset_id, metric_key=metric_key, explained_only=True)


@dataclass(frozen=True)
class EntryNote:
    """What the portal kept with one status entry: its reason and comment."""

    reason: str | None
    comment: str | None


def entry_key(metric_key: str, evaluator: str, status: str, at: datetime) -> tuple:
    """How an entry of a document and a review entry are matched: metric, evaluator, status and
    the time to the second (documents round-trip times through JSON)."""
    return (metric_key, (evaluator or "").strip(), status, at.astimezone(UTC).replace(microsecond=0))


def notes_by_entry(entries: list[ReviewEntry]) -> dict[tuple, EntryNote]:
    """entry_key -> EntryNote, for showing reasons next to the history's entries."""
    return {entry_key(e.metric_key, e.evaluator, e.status, e.at): EntryNote(e.reason, e.comment) for e in entries}


def top_fail_reasons(store, project: str, limit: int = 10) -> list[tuple[str, int]]:
    """(reason, Fail entries given it) on the project's (not deleted) assets, most used first."""
    with _engine(store).connect() as connection:
        return reviews.top_reasons(connection, project, hide_deleted=hides_deleted(store), limit=limit)


def reasons_by_asset(store, asset_ids) -> dict[str, list[tuple[str, int]]]:
    """asset id -> [(reason, Fail entries given it)] (the CSV export)."""
    with _engine(store).connect() as connection:
        return reviews.reasons_by_asset(connection, asset_ids)
