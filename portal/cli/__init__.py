"""The `qc-portal` command (entry point `portal.cli.main:main`).

Holds: the command group with serve, demo, ingest and show (main.py), users (users.py),
tokens and export (tokens_export.py), push (push.py: a client of a portal's REST API), the
asset lifecycle and webhook commands (lifecycle.py), and what they share (common.py:
`--data-dir`, opening a portal that exists). Commands parse arguments and print; the work
is done by portal's other packages.

May import anything under portal; nothing imports it but the entry point and tests.
"""
