"""A metric's timeline (`/asset/<name>/timeline?key=<metric key>`, and the REST API's
`GET /api/v1/assets/{name}/metrics/timeline`): every status entry with who, when, reason and
comment, every value and reference change, newest first.

Three sources, all of them this asset's only:

- the document's `status_history`: every status, whoever wrote it (the schema's own record);
- the portal's review entries (portal.review.reasons): the reason and comment of the entries
  the portal appended;
- the audit log (portal.views.timeline_events): value changes and comments of annotations,
  value and reference changes of pushes and re-ingests, which write put an entry in.

What none of them knows is said, never made up: `Timeline.origin` is where the audited
history starts (the asset's creation, the push or re-ingest that added the metric, or the
oldest write whose changes were recorded), with the value and reference as they were then,
and `missing` lists what this store cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from portal.errors import InvalidInput, NotFound
from portal.qc import QCReadError, effective_status, load_qc, metric_status
from portal.qc.identity import AmbiguousMetric, MetricIndex, MetricSelector, UnknownMetric
from portal.references import AssetLocation, ReferenceResolvers, parse
from portal.references.placeholders import reference_context
from portal.review import reasons
from portal.store.protocol import AssetStore
from portal.store.sql.store import SqlAssetStore
from portal.views.asset.navigator import MODALITY, STAGE, NavMetric, build_tree, normalise_grouping
from portal.views.timeline_events import (
    ADDED,
    ADDED_HERE,
    CREATED,
    DOCUMENT,
    FIRST_AUDITED,
    NO_AUDIT,
    REFERENCE,
    STATUS,
    VALUE,
    AuditFacts,
    Event,
    Origin,
    ReferenceLink,
    Timeline,
    entry_match,
    read_audit,
)

AUDIT_ROWS = 5000  # the newest audit rows of the asset read (a bound: older ones are said to be unread)
MAX_RESOLVED = 50  # references "as they were" resolved to links per page (the rest shown as text)


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def selector(key: str | None, metric: str | None) -> MetricSelector | None:
    """The metric a request names: by `key` (and, with `metric` too, only if it has that name), else
    by `metric` (a name, when it is unique); None when it names none."""
    key, metric = (key or "").strip() or None, (metric or "").strip() or None
    if key is None and metric is None:
        return None
    return MetricSelector(key=key, name=metric)


def _node(qc, position: int) -> str | None:
    """The key of the navigator leaf holding the metric, under the document's default grouping
    (as the asset page opens it: modality then stage when the document has none)."""
    allow = tuple(qc.allow_tag_failures or ())
    nav = [NavMetric(i, m.name, m.modality.abbreviation, str(getattr(m.stage, "value", m.stage)),
                     dict(m.tags or {}), metric_status(m), effective_status(m, allow))
           for i, m in enumerate(qc.metrics)]
    root = build_tree(nav, normalise_grouping(qc.default_grouping) or ((MODALITY,), (STAGE,)))
    leaf = next((n for n in root.walk() if not n.children and any(m.index == position for m in n.metrics)), None)
    return leaf.key if leaf is not None and leaf.path else None


def _status_events(metric, key: str, facts: AuditFacts, notes: dict) -> list[Event]:
    out = []
    for entry in metric.status_history:
        status = str(getattr(entry.status, "value", entry.status))
        at = _utc(entry.timestamp)
        match = entry_match(entry.evaluator, status, at)
        via, by = facts.entries.get(match, (DOCUMENT, None))
        note = notes.get(reasons.entry_key(key, entry.evaluator or "", status, at))
        comment = (note.comment if note else None) or facts.comments.get(match)
        out.append(Event(STATUS, at, (entry.evaluator or "").strip(), via, by=by, status=status,
                         reason=note.reason if note else None, comment=comment))
    return out


def _origin(facts: AuditFacts, events: list[Event], value: Any, reference: str | None) -> Origin:
    added = [e for e in events if e.kind == ADDED]
    start = None
    if added:
        start = max(added, key=lambda e: e.at)
        how, who = ADDED_HERE, start.who
        start = start.at
    elif facts.created is not None:
        start, how, who = facts.created.at, CREATED, facts.created.user
    gap = facts.gap
    if facts.rows >= AUDIT_ROWS and facts.oldest is not None and (gap is None or facts.oldest > gap):
        gap = facts.oldest  # older rows were not read
    if start is not None and (gap is None or gap < start):
        at, known = start, True
    elif gap is not None or facts.oldest is not None:
        at, how, who, known = gap or facts.oldest, FIRST_AUDITED, None, False
    else:
        return Origin(None, NO_AUDIT, False, None, value, reference)
    later = sorted((e for e in events if e.at >= at), key=lambda e: e.at)
    first_value = next((e for e in later if e.kind == VALUE), None)
    first_reference = next((e for e in later if e.kind == REFERENCE), None)
    return Origin(at, how, known, who,
                  first_value.old if first_value else value,
                  first_reference.old if first_reference else reference,
                  first_value.old_chars if first_value else None)


def _missing(store: AssetStore, facts: AuditFacts, has_reviews: bool) -> tuple[str, ...]:
    out = []
    if not isinstance(store, SqlAssetStore):
        out.append("The assets live outside the portal's database (DocDB): changes made there directly are not in "
                   "the portal's audit log; status entries are the document's own, whoever wrote them.")
    if not has_reviews:
        out.append("This store keeps no review entries: reasons and comments of status entries are not shown.")
    if facts.rows >= AUDIT_ROWS:
        out.append(f"Only the asset's newest {AUDIT_ROWS} audit rows were read.")
    return tuple(out)


def _links(texts: list[str], location: AssetLocation, context, resolvers: ReferenceResolvers,
           app_url: Callable[[str], str]) -> dict[str, tuple[ReferenceLink, ...]]:
    out: dict[str, tuple[ReferenceLink, ...]] = {}
    for text in texts:
        if text in out or len(out) >= MAX_RESOLVED:
            continue
        links = []
        for ref in parse(text, context):
            resolved = resolvers.resolve(location, ref)
            url = resolved.url
            if url is not None and url.startswith("/"):
                url = app_url(url)
            links.append(ReferenceLink(ref.kind, ref.name or ref.target, url, resolved.error))
        out[text] = tuple(links)
    return out


def find_metric(store: AssetStore, asset: str, chosen: MetricSelector | None):
    """(stored asset, its QualityControl, MetricIndex, position) of the metric `chosen` names in the
    asset named (or with id) `asset`. NotFound for an unknown asset or metric (or an asset without
    QC); InvalidInput when no metric is named (`chosen` None), the asset's quality_control cannot be
    read or a name matches several metrics."""
    stored = store.get(asset) if asset else None
    if stored is None:
        raise NotFound(f"Asset not found: {asset}")
    if chosen is None:
        raise InvalidInput("name the metric: `key` (from GET .../qc) or `metric` (a name, when it is unique)")
    raw = stored.record.get("quality_control")
    if not raw:
        raise NotFound(f"{stored.name} has no quality_control, so no metric {chosen.describe()}")
    try:
        qc = load_qc(raw)
    except QCReadError as exc:
        raise InvalidInput(f"the quality_control of {stored.name} cannot be read: {exc}") from None
    index = MetricIndex(qc.metrics)
    try:
        position = index.resolve(chosen)
    except UnknownMetric as exc:
        raise NotFound(f"{stored.name}: {exc.message}") from None
    except AmbiguousMetric as exc:
        raise InvalidInput(f"{stored.name}: {exc.message}") from None
    return stored, qc, index, position


def load_timeline(store: AssetStore, asset: str, chosen: MetricSelector | None, *,
                  resolvers: ReferenceResolvers | None = None,
                  app_url: Callable[[str], str] = lambda url: url) -> Timeline:
    """The timeline of the metric `chosen` names in the asset named (or with id) `asset`
    (errors as `find_metric`'s). With `resolvers`, the references of the metric (now and as they
    were) are resolved to links as the asset page resolves them (`app_url` prefixes app-relative
    URLs)."""
    stored, qc, index, position = find_metric(store, asset, chosen)
    metric, key = qc.metrics[position], index.key(position)
    has_reviews = getattr(store, "engine", None) is not None
    notes = reasons.notes_by_entry(reasons.explained(store, stored.id, metric_key=key)) if has_reviews else {}
    facts = read_audit(store.audit_log(asset=stored.id, limit=AUDIT_ROWS), key, metric.name,
                       by_name=index.is_unique_name(position))
    events = [*_status_events(metric, key, facts, notes), *facts.events]
    events.sort(key=lambda e: (e.at, e.kind != STATUS), reverse=True)
    origin = _origin(facts, events, metric.value, metric.reference)
    links: dict[str, tuple[ReferenceLink, ...]] = {}
    if resolvers is not None:
        texts = [metric.reference or "", *(str(v) for e in events if e.kind == REFERENCE for v in (e.new, e.old)
                                          if isinstance(v, str)), origin.reference or ""]
        links = _links([t for t in texts if t], AssetLocation(stored.name, stored.summary.location),
                       reference_context(store, stored), resolvers, app_url)
    return Timeline(
        asset_id=stored.id, asset=stored.name, key=key, metric=metric.name, modality=metric.modality.abbreviation,
        modality_name=metric.modality.name, stage=str(getattr(metric.stage, "value", metric.stage)),
        tags=dict(metric.tags or {}), status=metric_status(metric), value=metric.value, reference=metric.reference,
        node=_node(qc, position), events=tuple(events), origin=origin, missing=_missing(store, facts, has_reviews),
        links=links,
    )

