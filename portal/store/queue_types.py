"""The review queue's types (portal.store.sql.queue; /review): its orders, an asset's place
in one, and a keyset page of it. Kept apart from portal.store.protocol, which re-exports them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Orders of the review queue: oldest acquisition first (the default), newest first, or the
# assets with the most Pending metrics first. Ties are broken by name, as pages are.
REVIEW_ORDERS = ("oldest", "newest", "most_pending")


def queue_sort_value(order: str, acquired: datetime | None, pending: int):
    """The value an asset sorts by in a review-queue `order` (a keyset place is it and the name)."""
    return pending if order == "most_pending" else acquired


@dataclass(frozen=True)
class QueueAsset:
    """An asset of the review queue: its summary columns and how many of its metrics are queued
    (Pending, and of the `metric` filter's names when it has one)."""

    id: str
    name: str
    acquired: datetime | None
    pending: int
    version: int


@dataclass(frozen=True)
class QueuePage:
    """Assets of the review queue in queue order, the queued metrics of every matching asset
    (`total`), and the queued metrics of the assets ordered before the page's first one
    (`before`: with the reviewer's place in an asset, the item's number in the queue)."""

    assets: list[QueueAsset]
    total: int
    before: int
