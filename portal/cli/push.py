"""`qc-portal push ASSET [quality_control.json | DIR]`: a capsule's QC and figures, sent to a portal.

A client command: it talks to a portal over HTTP (QC_PORTAL_URL / QC_PORTAL_TOKEN from
the environment or `.env`, as the Python client does), never to a database, so it takes
no `--data-dir`. The work is portal.transfer.push's; this module parses and prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

ACTION_WIDTH = 9  # "unchanged"


@click.command("push")
@click.argument("asset")
@click.argument("source", required=False, default=".", type=click.Path(path_type=Path))
@click.option("--figures", type=click.Path(file_okay=False, path_type=Path),
              help="Folder the metrics' relative references are in (default: the document's folder).")
@click.option("--url", help="The portal's address (default: QC_PORTAL_URL, from the environment or .env).")
@click.option("--token", help="An API token of a pipeline account (default: QC_PORTAL_TOKEN).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of lines.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="How often a request is sent again after a transient failure (unreachable, 502/503/504).")
@click.option("--timeout", type=click.FloatRange(1, 600), default=60.0, show_default=True,
              help="Seconds to wait for each answer.")
def push(asset, source, figures, url, token, as_json, retries, timeout) -> None:
    """Validate a quality_control.json (or the one in DIR) with aind-data-schema, upload the figures
    its metrics reference, and add or replace its metrics in ASSET (name or id). Nothing is sent when
    a metric is invalid; running it again with the same input changes nothing."""
    from portal.client import QCPortalClient, QCPortalError
    from portal.transfer.push import prepare
    from portal.transfer.push import push as send

    prepared = prepare(source, figures)
    if prepared.errors:
        _refuse(asset, prepared, as_json)
    try:
        client = QCPortalClient(url, token, timeout=timeout, retries=0)  # push retries on its own (see send.py)
    except QCPortalError as exc:
        _fail(asset, str(exc), as_json)
    with client:
        result = send(client, asset, prepared, retries=retries)
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2))
    else:
        for metric in result.metrics:
            click.echo(f"{metric['action']:<{ACTION_WIDTH}} {metric['key']}")
        counts = result.counts()
        parts = [f"{counts[a]} {a}" for a in ("added", "updated", "unchanged", "not sent") if counts[a]]
        click.echo(f"{'pushed' if result.ok else 'FAILED to push'} {len(result.metrics)} metric(s) to {asset}: "
                   f"{', '.join(parts)}; {len(result.files)} figure(s) stored"
                   + (f" (version {result.version})" if result.version is not None else ""))
    if not result.ok:
        if not as_json:
            click.echo(f"qc-portal: error: {result.error}", err=True)
        sys.exit(1)


def _refuse(asset: str, prepared, as_json: bool) -> None:
    """Invalid input: every problem, nothing sent, exit 1."""
    if as_json:
        click.echo(json.dumps({"ok": False, "asset": asset, "error": "invalid input: nothing was sent",
                               "errors": prepared.errors}, indent=2))
    else:
        for line in prepared.errors:
            click.echo(f"INVALID {line}", err=True)
        click.echo(f"qc-portal: error: {len(prepared.errors)} problem(s) in {prepared.source}: nothing was sent",
                   err=True)
    sys.exit(1)


def _fail(asset: str, message: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"ok": False, "asset": asset, "error": message}, indent=2))
    else:
        click.echo(f"qc-portal: error: {message}", err=True)
    sys.exit(1)
