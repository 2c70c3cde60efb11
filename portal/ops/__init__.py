"""For operators: probes, logs, the status page, the server, HTTP error answers.

Holds: /healthz and /readyz (health.py), access lines and JSON logs (logs.py), the
/status page (status_page.py), the Docker HEALTHCHECK probe (probe.py, `python -m
portal.ops.probe`), gunicorn's settings and `qc-portal serve` (server.py), the checks a
server runs before it takes traffic (preflight.py: secret key, port, database wait), gzip
and cache headers for every answer (delivery.py), the image's pinned dependencies
(lock.py, `python -m portal.ops.lock`), and the app-wide handlers that turn a store that
does not answer into a 503 (http_errors.py).

May import: Flask, portal.settings, portal.errors, portal.context, portal.store,
portal.accounts (the login target, the secret key's message), dash.fingerprint.
Never portal.review or Dash layout code.
"""
