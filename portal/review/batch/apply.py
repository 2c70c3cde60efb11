"""Submitting an upload and applying it, one asset at a time, through the one write path.

`submit` reads the file again and checks every row again on the server (the verdicts
the browser showed are never trusted), saves the upload, and applies its first assets;
`apply_more` continues (the page's progress ticks). Each asset's valid rows are one
annotation (portal.review.annotation_service.submit as the uploader): all of them land or
none does; statuses are appended, so a batch never conflicts with reviewers.
"""

from __future__ import annotations

import logging
import time

from portal.context import Portal
from portal.errors import Forbidden, PortalError
from portal.review import annotation_service
from portal.review.batch.check import check_rows
from portal.review.batch.records import Upload, UploadStore
from portal.review.batch.sheets import read_upload
from portal.store.protocol import UNSET, Annotation, MetricEdit

log = logging.getLogger(__name__)
BUDGET = 1.0  # seconds of applying per request: the progress bar moves, no request runs long


def records(portal: Portal) -> UploadStore:
    """The uploads of this portal's database."""
    return UploadStore(portal.users.engine)


def submit(portal: Portal, user, filename: str, content: bytes, *, budget: float = BUDGET) -> Upload:
    """Check `content` again, save it as an upload of `user`, and start applying it."""
    checked = check_rows(portal.store, read_upload(filename, content))
    upload = records(portal).save(user, filename, checked)
    log.info("%s uploaded %s: %s", user.name, filename, checked.summary())
    return apply_more(portal, user, upload.id, budget=budget)


def apply_more(portal: Portal, user, upload_id: int, *, budget: float = BUDGET) -> Upload:
    """Apply the upload's next assets for up to `budget` seconds; only its uploader (or an admin) may."""
    store = records(portal)
    upload = store.get(upload_id)
    if upload.user_name != getattr(user, "name", None) and getattr(user, "role", None) != "admin":
        raise Forbidden("Only the person who uploaded a file can apply it.")
    deadline = time.monotonic() + budget
    while not upload.done and time.monotonic() < deadline:
        asset_id = store.claim(upload)
        if asset_id is None:
            break
        _apply_asset(portal, user, store, upload_id, asset_id)
        upload = store.get(upload_id)
    return store.get(upload_id)


def _apply_asset(portal: Portal, user, store: UploadStore, upload_id: int, asset_id: str) -> None:
    rows = store.edits(upload_id, asset_id)
    # By the key found at check time (rows saved before keys existed have none: by name).
    edits = tuple(MetricEdit(row["metric"], status=row["status"], comment=row["comment"], key=row["key"],
                             value=row["value"]["v"] if row["value"] is not None else UNSET) for row in rows)
    try:
        stored = portal.store.get(asset_id)
        if stored is None:
            store.record(upload_id, asset_id, applied=False, message="the asset no longer exists")
            return
        # The version read now: batch rows carry no "seen" state, so they apply on top of whatever is there.
        result = annotation_service.submit(portal, user, Annotation(asset_id, stored.version, edits))
    except Forbidden:
        raise
    except PortalError as exc:
        store.record(upload_id, asset_id, applied=False, message=exc.message)
        return
    if result.applied:
        store.record(upload_id, asset_id, applied=True, message=f"saved as version {result.version}")
    else:  # cannot happen without seen state; said plainly if it ever does
        store.record(upload_id, asset_id, applied=False, message="someone changed these metrics meanwhile")
