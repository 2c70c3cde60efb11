"""The one write path for reviewers' annotations and pushed metrics (Dash callbacks, the
batch upload and the REST API).

`submit` checks the user's right on the server, then hands the annotation to the
store, which applies it atomically (portal.review.annotate): each status change appends
`QCStatus(evaluator=<the server-side user's display name>, status, <UTC now>)`,
values are set, the document is re-validated with aind-data-schema, statuses are
recomputed, and the write happens only on the version the reviewer loaded (or
reports conflicts). Nothing the browser says about who the user is is trusted: the
store gets an `Actor` built here from the server-side account (status entries under its
display name, the audit row under its account name; only service accounts — the
pipeline role, admins — may push entries under other evaluator names).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from portal.accounts.auth import can, require
from portal.context import Portal
from portal.errors import Forbidden, TooLarge
from portal.review import reasons
from portal.review.metrics_merge import MetricsPayload
from portal.review.ratings import refuse_direct_status
from portal.store.protocol import Actor, AnnotateResult, Annotation, MetricsResult


def actor(user) -> Actor:
    """The store's view of a signed-in user: account name, display name, and whether it may
    name other evaluators in pushed status entries (portal.accounts.auth's `name_evaluators` rule)."""
    return Actor(account=user.name, display_name=user.display_name, service=can(user, "name_evaluators"))

log = logging.getLogger(__name__)


def submit(portal: Portal, user, annotation: Annotation) -> AnnotateResult:
    """Apply `annotation` as `user` (an authenticated annotator); Forbidden otherwise.

    Returns the store's AnnotateResult: applied with the new version, or the
    conflicts with other reviewers' changes (nothing applied). Raises NotFound,
    InvalidInput or StoreUnavailable as the store does, and Conflict for a status change in
    a project whose review policy needs several ratings (unless an admin forces it).
    """
    if user is None:  # require() would fall back to the request's user: be explicit
        raise Forbidden("Sign in as an annotator to make changes.")
    user = require("annotate", annotation.asset, user=user)
    limit = portal.settings.max_changes
    if len(annotation.edits) > limit:
        raise TooLarge(f"{len(annotation.edits)} changes in one request; at most {limit} "
                       "(QC_PORTAL_MAX_CHANGES): send them in several requests")
    # A project that needs several agreeing ratings takes decisions as ratings (portal.review.ratings).
    refuse_direct_status(portal, user, annotation)
    reasons.check_annotation(portal.store, annotation)  # a Fail needs a reason where its project lists some
    result = portal.store.annotate(annotation, user=actor(user))
    if result.applied:
        log.info("%s annotated %s: %d change(s), version %d", user.name, annotation.asset, len(result.changes),
                 result.version)
    else:
        log.info("%s's annotation of %s conflicts on %d field(s)", user.name, annotation.asset,
                 len(result.conflicts))
    return result


def add_metrics(portal: Portal, user, asset: str, payload: MetricsPayload) -> MetricsResult:
    """Add or replace metrics of `asset` as `user` (an authenticated annotator; Forbidden
    otherwise): the store merges them atomically (portal.review.metrics_merge), checks that every
    new status entry is attributable to the user and not dated in the future, and audits
    the change under the user's account. Raises NotFound, InvalidInput, Forbidden or
    StoreUnavailable as the store does."""
    if user is None:
        raise Forbidden("Sign in as an annotator to make changes.")
    user = require("annotate", asset, user=user)
    payload = replace(payload, clock_skew_seconds=portal.settings.clock_skew_seconds)
    result = portal.store.add_metrics(asset, payload, user=actor(user))
    log.info("%s pushed metrics to %s: %d added, %d replaced, version %d", user.name, asset, len(result.added),
             len(result.replaced), result.version)
    return result
