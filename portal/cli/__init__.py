"""The `qc-portal` command (entry point `portal.cli.main:main`).

Holds: the command group with serve, demo, ingest, show and users (main.py), and the
tokens and export commands (tokens_export.py), the asset lifecycle and webhook commands
(lifecycle.py). Commands parse arguments and print;
the work is done by portal's other packages.

May import anything under portal; nothing imports it but the entry point and tests.
"""
