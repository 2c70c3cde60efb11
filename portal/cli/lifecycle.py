"""`qc-portal assets delete|restore|rename|deleted` and `qc-portal webhooks add|list|remove|pause|resume|retry|deliver`.

Registered on the main command group by portal.cli.main. Like `users` and `ingest`, these
act on the database directly, as the operator who runs them (recorded in the audit log as
`--actor`, default `cli`); expected errors are PortalErrors, one `qc-portal: error:` line.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from portal.settings import load_settings

_DATA_DIR = click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="QC_PORTAL_DATA_DIR.")
_ACTOR = click.option("--actor", default="cli", show_default=True, help="Name recorded in the audit log and events.")


def _portal(data_dir):
    from portal.context import build_portal

    return build_portal(load_settings(**({"data_dir": data_dir} if data_dir else {})))


@click.group()
def assets() -> None:
    """Delete (soft), restore and rename assets; every change is audited and an event."""


@assets.command("delete")
@click.argument("name")
@_ACTOR
@_DATA_DIR
def assets_delete(name, actor, data_dir) -> None:
    """Hide an asset everywhere (kept with its audit log; `assets restore` brings it back)."""
    done = _portal(data_dir).store.delete_asset(name, user=actor)
    click.echo(f"deleted {done.name} (id {done.id}); restore it with: qc-portal assets restore {done.name}")


@assets.command("restore")
@click.argument("name")
@_ACTOR
@_DATA_DIR
def assets_restore(name, actor, data_dir) -> None:
    """Bring a deleted asset back as it was."""
    done = _portal(data_dir).store.restore_asset(name, user=actor)
    click.echo(f"restored {done.name} (id {done.id})")


@assets.command("rename")
@click.argument("name")
@click.argument("new_name")
@_ACTOR
@_DATA_DIR
def assets_rename(name, new_name, actor, data_dir) -> None:
    """Rename an asset; its old name keeps finding it (pages redirect, the API answers)."""
    done = _portal(data_dir).store.rename_asset(name, new_name, user=actor)
    click.echo(f"renamed {name} to {done.name} (id {done.id}, version {done.version})")


@assets.command("deleted")
@_DATA_DIR
def assets_deleted(data_dir) -> None:
    """List deleted assets, most recently deleted first."""
    for gone in _portal(data_dir).store.deleted_assets():
        click.echo(f"{gone.name}\t{gone.id}\tdeleted {gone.deleted_at.isoformat(timespec='seconds')}"
                   f"\tby {gone.deleted_by}")


@click.group()
def webhooks() -> None:
    """Webhooks: signed POSTs of events to other systems, queued in the database and retried."""


@webhooks.command("add")
@click.argument("url")
@click.option("--events", "types", multiple=True, required=True,
              help="Event types, comma-separated or repeated: annotation, metric_added, metric_failed, "
                   "asset_created, asset_deleted, asset_restored, asset_renamed, or all.")
@click.option("--secret-stdin", is_flag=True, help="Read the signing key from standard input (else one is made).")
@_ACTOR
@_DATA_DIR
def webhooks_add(url, types, secret_stdin, actor, data_dir) -> None:
    """Register a webhook; its signing key is printed once, alone on the last line."""
    from portal.events import webhooks as registry

    secret = sys.stdin.readline().strip() if secret_stdin else None
    hook, key = registry.add_webhook(_portal(data_dir).users.engine, url, types, by=actor, secret=secret)
    click.echo(f"webhook {hook.id}: {hook.url} receives {', '.join(hook.events)}; events from now on are POSTed "
               f"with X-QC-Portal-Signature = hex HMAC-SHA256 of the body under this key:", err=True)
    click.echo(key)


@webhooks.command("list")
@click.option("--last", default=5, show_default=True, type=click.IntRange(0, 100), help="Deliveries shown each.")
@_DATA_DIR
def webhooks_list(last, data_dir) -> None:
    """Webhooks with their delivery counts and last results."""
    from portal.events import webhooks as registry

    for hook in registry.list_webhooks(_portal(data_dir).users.engine, last=last):
        counts = ", ".join(f"{n} {state}" for state, n in hook.counts.items())
        click.echo(f"{hook.id}\t{hook.url}\t{'active' if hook.active else 'paused'}\t{','.join(hook.events)}"
                   f"\t{counts}")
        for d in hook.last:
            when = d.last_at.isoformat(timespec="seconds") if d.last_at else "not tried yet"
            result = d.last_error or (f"HTTP {d.last_code}" if d.last_code else "")
            click.echo(f"  delivery {d.id}\tevent {d.event_id} {d.event_type} {d.asset}\t{d.state}\t"
                       f"{d.attempts} attempt(s)\t{when}\t{result}")


@webhooks.command("remove")
@click.argument("webhook_id", type=int)
@_DATA_DIR
def webhooks_remove(webhook_id, data_dir) -> None:
    """Delete a webhook and its queued deliveries."""
    from portal.events import webhooks as registry

    hook = registry.remove_webhook(_portal(data_dir).users.engine, webhook_id)
    click.echo(f"removed webhook {hook.id} ({hook.url})")


@webhooks.command("pause")
@click.argument("webhook_id", type=int)
@_DATA_DIR
def webhooks_pause(webhook_id, data_dir) -> None:
    """Stop delivering to a webhook; what happens meanwhile is delivered after `resume`."""
    from portal.events import webhooks as registry

    hook = registry.set_webhook_active(_portal(data_dir).users.engine, webhook_id, False)
    click.echo(f"paused webhook {hook.id} ({hook.url})")


@webhooks.command("resume")
@click.argument("webhook_id", type=int)
@_DATA_DIR
def webhooks_resume(webhook_id, data_dir) -> None:
    """Deliver to a paused webhook again, from where it stopped."""
    from portal.events import webhooks as registry

    hook = registry.set_webhook_active(_portal(data_dir).users.engine, webhook_id, True)
    click.echo(f"resumed webhook {hook.id} ({hook.url})")


@webhooks.command("retry")
@click.argument("webhook_id", type=int)
@_DATA_DIR
def webhooks_retry(webhook_id, data_dir) -> None:
    """Queue a webhook's failed deliveries again (their attempts start over)."""
    from portal.events import webhooks as registry
    from portal.events.delivery import retry_failed

    engine = _portal(data_dir).users.engine
    registry.get_webhook(engine, webhook_id)  # NotFound for an unknown id
    click.echo(f"{retry_failed(engine, webhook_id)} failed deliveries of webhook {webhook_id} queued again")


@webhooks.command("deliver")
@click.option("--once", is_flag=True, help="One round (queue new events, send what is due), then exit.")
@_DATA_DIR
def webhooks_deliver(once, data_dir) -> None:
    """Deliver webhooks in the foreground (for QC_PORTAL_WEBHOOK_DELIVER=false deployments, or cron)."""
    from portal.events.delivery import Policy
    from portal.events.worker import DeliveryWorker

    portal = _portal(data_dir)
    worker = DeliveryWorker(portal.users.engine, Policy.from_settings(portal.settings),
                            portal.settings.webhook_poll_seconds)
    while True:
        done = worker.round()
        if done is not None:
            click.echo(f"{done.queued} queued, {done.delivered} delivered, {done.retried} to retry, "
                       f"{done.failed} failed", err=True)
        if once:
            sys.exit(0 if done is not None else 1)
        time.sleep(worker.poll)
