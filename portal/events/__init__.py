"""The event log's readers: the feed of `GET /api/v1/events`, webhooks and their delivery.

Holds: reading the log by cursor as JSON (feed.py), the webhooks admins register
(webhooks.py), the delivery queue in the database with signing, retries and backoff
(delivery.py), and the background thread that works the queue in each server process
(worker.py). Events themselves are written by the store in the transaction of the change
they record (portal.store.sql.events; read by portal.store.sql.event_feed).

May import portal.store, portal.settings and requests; never Dash or Flask (the pages and the
API call in from callbacks/ and portal.api).
"""
