""""Pass all Pending in this group": every Pending metric of the selected navigator node
passed in one annotation, on the version the reviewer saw.

The panel keeps what it showed of the node in the browser (JSON, untrusted when it comes
back with the confirmation):

    {"node": <node key>, "title": str, "version": int, "left": int,
     "metrics": [{"key": <metric key>, "name": str, "n": <status history length seen>}]}

Each metric becomes a `MetricEdit(status="Pass", seen_history=n)` named by its key, so the
store appends one status entry per metric (the server-side user's name, UTC now) and reports
a conflict for any metric whose history grew since (someone decided it meanwhile): then
nothing is written, and `as_edits` turns the passes into ordinary unsaved edits, so the
page's conflict panel (re-apply / drop) and Submit take over and nothing is lost.

Metrics whose status follows a dropdown or checkbox choice are left out (`left` counts
them): their status comes from choosing an option. The bulk Pass waits while the asset has
unsaved edits (`blocked`): it would pass metrics those edits change.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.errors import InvalidInput
from portal.qc.types import PASS, PENDING
from portal.store.protocol import Annotation, MetricEdit
from portal.views.asset import edits as edit_state


@dataclass(frozen=True)
class BulkPass:
    """A node's Pending metrics as the panel shows them: (key, name, history length) each."""

    node: str
    title: str
    version: int
    metrics: tuple[tuple[str, str, int], ...]
    left: int = 0  # Pending metrics whose status follows a choice (not passed)

    def data(self) -> dict:
        """The JSON the panel keeps in the browser (module doc)."""
        return {"node": self.node, "title": self.title, "version": self.version, "left": self.left,
                "metrics": [{"key": key, "name": name, "n": n} for key, name, n in self.metrics]}


def bulk_pass(metrics, *, node: str, title: str, version: int) -> BulkPass:
    """The bulk Pass of a node's metrics (portal.views.asset.model.MetricView): its saved
    Pending ones whose status is set by hand, in the node's order."""
    pending = [m for m in metrics if m.status == PENDING]
    chosen = tuple((m.key, m.name, len(m.history)) for m in pending if not m.choice_sets_status)
    return BulkPass(node, title, version, chosen, left=len(pending) - len(chosen))


def question(data: dict) -> str:
    """"Pass 7 Pending metrics in ProbeA › Drift?" (the node's whole asset: "of this asset")."""
    n = len(data.get("metrics") or [])
    where = f"in {data['title']}" if data.get("node") else "of this asset"
    return f"Pass {n} Pending metric{'s' if n != 1 else ''} {where}?"


def blocked(state: object) -> str | None:
    """Why the bulk Pass waits (unsaved edits of this asset), or None."""
    if edit_state.is_empty(state):
        return None
    return "Submit or discard your changes above first: the group's Pass is saved on its own."


def checked(data: object) -> dict:
    """The browser's bulk data checked: InvalidInput when it is not what `BulkPass.data` makes."""
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), list) or not data["metrics"]:
        raise InvalidInput("there are no Pending metrics to pass")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise InvalidInput("malformed bulk pass")
    keys = set()
    for item in data["metrics"]:
        ok = (isinstance(item, dict) and isinstance(item.get("key"), str) and isinstance(item.get("name"), str)
              and isinstance(item.get("n"), int) and not isinstance(item.get("n"), bool) and item["n"] >= 0)
        if not ok or item["key"] in keys:
            raise InvalidInput("malformed bulk pass")
        keys.add(item["key"])
    return data


def to_annotation(asset: str, data: object) -> Annotation:
    """One annotation passing every metric of the bulk data, on the version seen."""
    data = checked(data)
    edits = tuple(MetricEdit(key=item["key"], metric=item["name"], status=PASS, seen_history=item["n"])
                  for item in data["metrics"])
    return Annotation(asset=asset, base_version=data["version"], edits=edits)


def as_edits(data: object) -> dict:
    """The bulk Pass as the browser's unsaved edits (portal.views.asset.edits): one Pass per
    metric, made on what the panel showed; what a conflict leaves to re-apply or drop."""
    data = checked(data)
    state: dict = {"metrics": {}}
    for item in data["metrics"]:
        state["metrics"][item["key"]] = {
            "key": item["key"], "name": item["name"], "status": PASS, "seen_history": item["n"],
            "seen_status": PENDING, "seen_value": None, "version": data["version"]}
    return state
