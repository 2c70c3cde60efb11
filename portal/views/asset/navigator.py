"""The metric navigator: metrics grouped into a tree by grouping keys.

A grouping is a list of levels; each level is one key or several keys combined (the
schema's `default_grouping` allows `str | tuple[str, ...]`). A key is a tag key, or
"modality" / "stage" (the metric's own fields). At a level, a metric's node is the
value of the level's keys it has (several joined with " / "); a metric with none of
them goes to an "(untagged)" node, so no metric ever disappears.

Each node's status is computed with the schema's own rules over its metrics
(latest status by timestamp; a Fail tolerated by `allow_tag_failures` counts as
Pass; any Fail -> Fail, else any Pending -> Pending, else Pass); its counts are the
metrics' own statuses, as the asset summary counts them. With unsaved edits, the
metrics carry the statuses those edits give them (the node then shows what Submit
will make of it) and the node counts them; the Pending / Fail filter keeps using the
saved statuses, so a metric being reviewed stays where it was found.

In URLs a grouping is written `key,key/key` (levels separated by "/", keys of a
level by ","), a node by its labels, each percent-encoded, joined by "/".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from portal.qc.types import FAIL, PASS, PENDING

UNTAGGED = "(untagged)"
MODALITY = "modality"
STAGE = "stage"
FILTERS = ("all", PENDING, FAIL)
_RANK = {PASS: 0, PENDING: 1, FAIL: 2}
_NAME = {rank: name for name, rank in _RANK.items()}

Grouping = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class NavMetric:
    """What the navigator needs of one metric."""

    index: int
    name: str
    modality: str
    stage: str
    tags: dict[str, str]
    status: str  # the metric's own latest status (an unsaved edit's, when there is one)
    effective: str  # the status it counts with towards groups (allow_tag_failures applied)
    saved: str | None = None  # the stored status, when an unsaved edit changes it
    unsaved: bool = False  # the metric has an unsaved edit

    @property
    def stored_status(self) -> str:
        """The status as saved (the Pending / Fail filter uses it: a metric being reviewed
        does not leave the view it was found in)."""
        return self.saved or self.status


@dataclass
class Node:
    """A navigator node: a label, its path from the root, metrics and children."""

    label: str
    path: tuple[str, ...]
    metrics: list[NavMetric] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    status: str = PASS
    counts: dict[str, int] = field(default_factory=dict)
    unsaved: int = 0  # metrics with an unsaved edit

    @property
    def key(self) -> str:
        """The node's id in URLs and component ids."""
        return node_key(self.path)

    def walk(self) -> Iterable[Node]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def first_leaf(self) -> Node:
        """The first node without children (the node itself when it has none)."""
        node = self
        while node.children:
            node = node.children[0]
        return node

    def find(self, key: str | None) -> Node | None:
        """The node with this key below (or at) this node."""
        if key is None:
            return None
        return next((node for node in self.walk() if node.key == key), None)


def node_key(path: Sequence[str]) -> str:
    """A node path as one string (labels percent-encoded, joined by "/")."""
    return "/".join(quote(label, safe=" ()#:,+") for label in path)


def parse_node_key(key: str) -> tuple[str, ...]:
    """The labels of a node key."""
    return tuple(unquote(part) for part in key.split("/")) if key else ()


def normalise_grouping(levels: object) -> Grouping:
    """`default_grouping` (list of str / tuple / list of str) as a tuple of key tuples."""
    out = []
    for level in levels or ():
        keys = (level,) if isinstance(level, str) else tuple(k for k in level if isinstance(k, str))
        keys = tuple(k.strip() for k in keys if k.strip())
        if keys and keys not in out:
            out.append(keys)
    return tuple(out)


NO_GROUPING = "none"  # the URL form of "no grouping" (assets/detail.js writes it)


def parse_grouping(text: object) -> Grouping | None:
    """A grouping from its URL form `a,b/c` (`none`: no grouping, a flat list; so a grouping by
    a lone tag key named "none" does not survive the URL); None when absent or empty."""
    if not isinstance(text, str) or not text.strip():
        return None
    if text.strip() == NO_GROUPING:
        return ()
    grouping = normalise_grouping(level.split(",") for level in text.split("/"))
    return grouping or None


def format_grouping(grouping: Grouping) -> str:
    """The URL form of a grouping."""
    return "/".join(",".join(level) for level in grouping)


def level_label(level: Sequence[str]) -> str:
    """A level as shown in the grouping selector ("fiber + camera")."""
    return " + ".join(level)


def available_keys(metrics: Iterable[NavMetric]) -> list[str]:
    """Keys the user can group by: modality, stage, then every tag key in document order."""
    keys = [MODALITY, STAGE]
    for metric in metrics:
        for key in metric.tags:
            if key not in keys:
                keys.append(key)
    return keys


def _value(metric: NavMetric, key: str) -> str | None:
    if key == MODALITY:
        return metric.modality
    if key == STAGE:
        return metric.stage
    value = metric.tags.get(key)
    return value if value not in (None, "") else None


def level_value(metric: NavMetric, level: Sequence[str]) -> str:
    """The node label of `metric` at `level`: its values for the level's keys, or UNTAGGED."""
    values = [value for value in (_value(metric, key) for key in level) if value is not None]
    return " / ".join(values) if values else UNTAGGED


def build_tree(metrics: Sequence[NavMetric], grouping: Grouping) -> Node:
    """The navigator tree of `metrics`: nodes in order of first appearance, "(untagged)" last."""
    root = Node("All metrics", ())
    _fill(root, list(metrics), list(grouping))
    return root


def _fill(node: Node, metrics: list[NavMetric], levels: list[tuple[str, ...]]) -> None:
    node.metrics = metrics
    node.status, node.counts = _status(metrics)
    node.unsaved = sum(1 for metric in metrics if metric.unsaved)
    if not levels:
        return
    level, rest = levels[0], levels[1:]
    groups: dict[str, list[NavMetric]] = {}
    for metric in metrics:
        groups.setdefault(level_value(metric, level), []).append(metric)
    labels = [label for label in groups if label != UNTAGGED] + ([UNTAGGED] if UNTAGGED in groups else [])
    for label in labels:
        child = Node(label, (*node.path, label))
        _fill(child, groups[label], rest)
        node.children.append(child)


def _status(metrics: Sequence[NavMetric]) -> tuple[str, dict[str, int]]:
    worst = 0
    counts = {PASS: 0, FAIL: 0, PENDING: 0}
    for metric in metrics:
        worst = max(worst, _RANK[metric.effective])
        counts[metric.status] += 1
    return _NAME[worst], counts


def filter_tree(root: Node, wanted: str) -> Node | None:
    """The tree restricted to metrics whose own status is `wanted` ("all" keeps everything).

    Nodes keep the status and counts of all their metrics (what the node really is);
    nodes without a matching metric are dropped; None when nothing matches.
    """
    if wanted not in (PENDING, FAIL):
        return root
    return _filtered(root, wanted)


def _filtered(node: Node, wanted: str) -> Node | None:
    kept = [metric for metric in node.metrics if metric.stored_status == wanted]
    if not kept:
        return None
    children = [child for child in (_filtered(c, wanted) for c in node.children) if child is not None]
    return Node(node.label, node.path, kept, children, node.status, node.counts, node.unsaved)
