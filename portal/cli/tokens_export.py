"""`qc-portal tokens ...` (personal API tokens) and `qc-portal export` (an asset's QC as a folder).

Registered on the main command group by portal.cli.main; expected errors are PortalErrors,
which the group turns into one `qc-portal: error: ...` line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from portal.cli.common import data_dir_option, existing_portal, existing_store, settings_for
from portal.errors import NotFound


def _portal(data_dir):
    return existing_portal(settings_for(data_dir=data_dir))


def _tokens(portal):
    from portal.accounts.tokens import TokenStore

    return TokenStore(portal.users.engine)


@click.group()
def tokens() -> None:
    """Personal API tokens (Authorization: Bearer ...) for the REST API and the Python client."""


@tokens.command("create")
@click.argument("user")
@click.option("--name", default="", help="What the token is for (shown in lists).")
@data_dir_option
def tokens_create(user, name, data_dir) -> None:
    """Create a token acting as USER; the token is printed once, alone on the last line."""
    portal = _portal(data_dir)
    account = portal.users.get(user)
    if account is None:
        raise NotFound(f"no user named {user!r} (create one with `qc-portal users add`)")
    token, info = _tokens(portal).create(account, name)
    click.echo(f"token {info.id} ({info.name}) for {account.name} ({account.role}); it is not shown again:", err=True)
    click.echo(token)


@tokens.command("list")
@click.argument("user", required=False)
@data_dir_option
def tokens_list(user, data_dir) -> None:
    """List tokens (of USER) with their last use; never the tokens themselves."""
    for info in _tokens(_portal(data_dir)).list(user):
        used = f"last used {info.last_used_at.isoformat(timespec='seconds')}" if info.last_used_at else "never used"
        state = f"revoked {info.revoked_at.isoformat(timespec='seconds')}" if info.revoked_at else "active"
        click.echo(f"{info.id}\t{info.user}\t{info.name}\t{info.prefix}…\tcreated "
                   f"{info.created_at.isoformat(timespec='seconds')}\t{used}\t{state}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@data_dir_option
def tokens_revoke(token_id, data_dir) -> None:
    """Revoke a token by its id (from `tokens list`); it stops working at once."""
    info = _tokens(_portal(data_dir)).revoke(token_id)
    click.echo(f"revoked token {info.id} ({info.name}) of {info.user}")


@click.command("export")
@click.argument("name")
@click.option("--dest", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the metadata files (quality_control.json, data_description.json, ...) "
                   "and the reference files into.")
@data_dir_option
def export(name, dest, data_dir) -> None:
    """Write an asset's metadata files (quality_control.json, data_description.json, ...) and its
    reference files (local, S3, kachery) into DEST: an asset folder `qc-portal ingest` reads back."""
    from portal.references.kachery import KacheryResolver
    from portal.transfer.export_asset import export_asset
    from portal.transfer.ingest.s3 import s3_client

    settings = settings_for(data_dir=data_dir)
    report = export_asset(existing_store(settings), name, dest, s3_client=lambda: s3_client(settings),
                          kachery=KacheryResolver(timeout=settings.kachery_timeout))
    for reference, why in report.skipped:
        click.echo(f"SKIPPED {reference}: {why}", err=True)
    for reference, why in report.failed:
        click.echo(f"FAILED {reference}: {why}", err=True)
    click.echo(f"exported {name}: {', '.join(report.metadata)} and {len(report.written)} reference file(s) "
               f"into {dest}", err=True)
    if not report.ok:
        sys.exit(1)
