"""The webhooks page's components, built from view-models and walked (no server, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from components import ids
from components.webhooks import WebhooksView, webhooks_page
from portal.events.webhooks import Delivery, Webhook
from portal.store.sql.events import EVENT_TYPES
from tests.walk import find_by_id, iter_tree, texts

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def _hook(active=True, failed=0) -> Webhook:
    last = (
        Delivery(3, 30, "metric_failed", "ecephys_1", "drift [ecephys, Raw data]", "pending", 2, NOW, 503,
                 "HTTP 503 Service Unavailable", NOW),
        Delivery(2, 20, "asset_created", "ecephys_1", None, "delivered", 1, NOW, 200, None, NOW),
        Delivery(1, 10, "annotation", "ecephys_0", "rms [ecephys, Raw data]", "failed", 12, NOW, None,
                 "ConnectionError: refused", NOW),
    )
    return Webhook(7, "https://hooks.example.org/qc", ("metric_failed", "asset_created"), active, NOW, "root",
                   {"pending": 1, "delivered": 1, "failed": failed}, last)


def test_the_page_shows_each_webhook_with_its_last_results():
    page = webhooks_page(WebhooksView([_hook(failed=1)], EVENT_TYPES))
    for component_id in (ids.WEBHOOKS_PAGE, ids.WEBHOOKS_URL, ids.WEBHOOKS_EVENTS, ids.WEBHOOKS_ADD,
                         ids.WEBHOOKS_NEW, ids.WEBHOOKS_LIST, ids.WEBHOOKS_TICK):
        assert len(find_by_id(page, component_id)) == 1, component_id
    options = find_by_id(page, ids.WEBHOOKS_EVENTS)[0].options
    assert [o["value"] for o in options] == list(EVENT_TYPES)
    text = texts(page)
    for shown in ("https://hooks.example.org/qc", "1 pending", "1 delivered", "1 failed", "HTTP 200",
                  "HTTP 503 Service Unavailable", "ConnectionError: refused", "drift [ecephys, Raw data]",
                  "added 2025-05-01 12:00:00 by root"):
        assert shown in text, shown
    states = [getattr(n, "__dict__", {}).get("data-state") for n in iter_tree(page)
              if getattr(n, "__dict__", {}).get("data-state")]
    assert states == ["pending", "delivered", "failed"]
    actions = {n.id["action"] for n in iter_tree(page) if isinstance(getattr(n, "id", None), dict)}
    assert actions == {"pause", "retry", "remove"}


def test_a_paused_webhook_offers_resume_and_no_retry_without_failures():
    page = webhooks_page(WebhooksView([_hook(active=False)], EVENT_TYPES))
    actions = {n.id["action"] for n in iter_tree(page) if isinstance(getattr(n, "id", None), dict)}
    assert actions == {"resume", "remove"} and "paused" in texts(page)
    empty = webhooks_page(WebhooksView([], EVENT_TYPES))
    assert "No webhooks yet." in texts(empty)
