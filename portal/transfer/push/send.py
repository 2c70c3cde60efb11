"""Sending a prepared push (portal.transfer.push.prepare) through the REST API client.

Pushing is idempotent on the server (metrics merge by identity, status entries are
unioned, files are stored under stable names), so a request that may or may not have
reached the server — a timeout, a dropped connection, a 502/503/504 — is simply sent
again, up to `retries` times with backoff. Before sending, the asset's current
quality_control is read once, so each metric can be reported as added, updated or
unchanged (the same merge the server runs, on what the server holds).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from portal.client import QCPortalClient, QCPortalError, ServerError, UnavailableError
from portal.errors import PortalError
from portal.qc import QCReadError, dump_qc, load_qc
from portal.qc.identity import MetricIndex
from portal.review.metrics_merge import MetricsPayload, merge_metrics
from portal.store.protocol import Actor
from portal.transfer.push.prepare import Prepared

TRANSIENT = (502, 503, 504)


@dataclass
class PushResult:
    """What a push did: per metric (document order) its key and action, the files stored,
    the asset's version afterwards, and the error that stopped it, if any."""

    asset: str
    metrics: list[dict] = field(default_factory=list)  # {"key", "name", "action"}
    files: list[dict] = field(default_factory=list)  # {"name", "reference", "size"}
    version: int | None = None
    error: str | None = None
    attempts: int = 0

    @property
    def ok(self) -> bool:
        """True when every request was applied."""
        return self.error is None

    def counts(self) -> dict[str, int]:
        """Metrics per action."""
        out = {"added": 0, "updated": 0, "unchanged": 0, "not sent": 0}
        for metric in self.metrics:
            out[metric["action"]] = out.get(metric["action"], 0) + 1
        return out

    def as_json(self) -> dict:
        """The machine-readable answer of `qc-portal push --json`."""
        return {"ok": self.ok, "asset": self.asset, "version": self.version, "summary": self.counts(),
                "metrics": self.metrics, "files": self.files, "error": self.error, "attempts": self.attempts}


def _verdicts(current: dict | None, prepared: Prepared) -> list[str]:
    """Per pushed metric, what merging it into `current` does: added, updated or unchanged."""
    before = []
    if current:
        try:
            before = dump_qc(load_qc(current))["metrics"]
        except QCReadError:
            before = []  # the server refuses the push and says why
    payload = MetricsPayload(prepared.metrics, prepared.allow_tag_failures)
    try:
        # A service actor: who may write which evaluator is the server's to decide.
        merged = merge_metrics(current or None, payload, actor=Actor("push", "push", service=True))
    except PortalError:
        return ["sent"] * len(prepared.metrics)
    after = merged.quality_control["metrics"]
    stored, incoming = MetricIndex(before), MetricIndex(prepared.metrics)
    verdicts = []
    for position in range(len(prepared.metrics)):
        index = stored.find_slot(incoming.slot(position))
        if index is None:
            verdicts.append("added")
        else:
            verdicts.append("unchanged" if before[index] == after[index] else "updated")
    return verdicts


def _send(call: Callable[[], object], retries: int, backoff: float, result: PushResult,
          sleep: Callable[[float], None]):
    """`call()`, again after a transient failure (unreachable, timeout, 502/503/504)."""
    for attempt in range(retries + 1):
        result.attempts += 1
        try:
            return call()
        except (UnavailableError, ServerError) as exc:
            transient = isinstance(exc, UnavailableError) or exc.status in TRANSIENT
            if not transient or attempt == retries:
                raise
            sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")  # the loop returns or raises


def push(client: QCPortalClient, asset: str, prepared: Prepared, *, retries: int = 3, backoff: float = 1.0,
         sleep: Callable[[float], None] = time.sleep) -> PushResult:
    """Send `prepared` to `asset`, one request per batch; stops at the first failure."""
    result = PushResult(asset=asset)
    index = MetricIndex(prepared.metrics)
    actions = ["not sent"] * len(prepared.metrics)
    stored: dict[str, dict] = {}
    try:
        current = _send(lambda: client.quality_control(asset), retries, backoff, result, sleep)
        verdicts = _verdicts(current.quality_control, prepared)
        changed = False
        for batch in prepared.batches:
            files = {name: figure.path for name, figure in batch.figures.items()}
            answer = _send(lambda batch=batch, files=files: client.add_metrics(
                asset, batch.metrics, files=files or None, allow_tag_failures=prepared.allow_tag_failures),
                retries, backoff, result, sleep)
            changed = changed or answer.version != (result.version or current.version)
            result.version = answer.version
            stored.update({f.name: f.model_dump() for f in answer.files})
            for position in batch.positions:
                actions[position] = verdicts[position]
        if not changed:
            actions = ["unchanged"] * len(actions)  # the server changed nothing: that is the truth
    except QCPortalError as exc:
        result.error = str(exc)
    result.files = list(stored.values())
    result.metrics = [{"key": index.key(i), "name": m["name"], "action": actions[i]}
                      for i, m in enumerate(prepared.metrics)]
    return result

