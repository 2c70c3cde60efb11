"""The `qc-portal` command: serve, demo, ingest, show."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from portal.cli.lifecycle import assets, webhooks
from portal.cli.tokens_export import export, tokens
from portal.errors import PortalError
from portal.settings import ROLES, Settings, load_settings

log = logging.getLogger("portal")


def _settings(**overrides) -> Settings:
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def _store(settings: Settings):
    from portal.store import open_store

    return open_store(settings)


def _users(settings: Settings):
    from portal.context import build_portal

    return build_portal(settings).users


class _Group(click.Group):
    """Turns expected portal errors into one `qc-portal: error: ...` line and exit 1/2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PortalError as exc:
            click.echo(f"qc-portal: error: {exc.message}", err=True)
            sys.exit(2 if exc.title == "Configuration error" else 1)


@click.group(cls=_Group)
@click.version_option(package_name="qc-portal")
def main() -> None:
    """QC Portal: explore and annotate the quality_control metadata of data assets."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations run at every start


@main.command()
@click.option("--host", help="Address to listen on (QC_PORTAL_HOST).")
@click.option("--port", type=int, help="Port to listen on (QC_PORTAL_PORT).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="QC_PORTAL_DATA_DIR.")
def serve(host, port, data_dir) -> None:
    """Serve the portal over what the store holds."""
    settings = _settings(host=host, port=port, data_dir=data_dir)
    _serve(settings)


def _serve(settings: Settings) -> None:
    from portal.accounts.secret import secret_key
    from portal.ops.server import run

    secret_key(settings)  # no key outside demo mode: one clear line now, not a failing worker later
    click.echo(f"QC Portal on http://{settings.host}:{settings.port}  (Ctrl+C to stop)", err=True)
    run(settings)


@main.command()
@click.option("--assets", "n_assets", type=click.IntRange(1, 1_000_000), default=300, show_default=True,
              help="How many demo assets to generate.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="QC_PORTAL_DATA_DIR.")
@click.option("--host", help="Address to listen on.")
@click.option("--port", type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Generate and ingest only.")
def demo(n_assets, data_dir, host, port, no_serve) -> None:
    """Generate (once) and ingest a realistic demo dataset, then serve it."""
    from portal.demo import write_demo

    settings = _settings(host=host, port=port, data_dir=data_dir, demo=True)
    store = _store(settings)
    with click.progressbar(length=n_assets, label="generating demo assets", file=sys.stderr) as bar:
        folder = write_demo(settings.data_dir, n_assets, progress=lambda k: bar.update(1))
    report = _ingest(store, [str(folder)], actor="demo", settings=settings)
    click.echo(report.line(), err=True)
    _demo_annotator(settings)
    if not no_serve:
        _serve(settings)


DEMO_USER = "demo"


def _demo_annotator(settings: Settings) -> None:
    """Create the demo annotator once, with a random password printed this one time."""
    import secrets

    users = _users(settings)
    if users.get(DEMO_USER) is not None:
        click.echo(f"demo annotator: {DEMO_USER} (password printed when it was created; "
                   f"reset it with `qc-portal users remove {DEMO_USER}` and run the demo again)", err=True)
        return
    password = secrets.token_urlsafe(12)
    users.add(DEMO_USER, "annotator", password, display_name="Demo Annotator")
    click.echo(f"demo annotator created: user {DEMO_USER}, password {password}  (shown once)", err=True)


@main.group()
def users() -> None:
    """Manage portal accounts (roles: viewer, annotator, pipeline, admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="pipeline: a service account that may also name other evaluators.")
@click.option("--display-name", help="Name shown in the portal and written as evaluator (unique, ignoring case).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_add(name, role, display_name, password_stdin) -> None:
    """Create an account; the password comes from stdin or a prompt, never an argument."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = _users(_settings()).add(name, role, password, display_name)
    click.echo(f"created {account.name} ({account.role})")


@users.command("list")
def users_list() -> None:
    """List accounts with their role and last login."""
    for account in _users(_settings()).list():
        last = account.last_login_at.isoformat(timespec="seconds") if account.last_login_at else "never"
        click.echo(f"{account.name}\t{account.role}\t{account.display_name}\tlast login: {last}")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
def users_set_role(name, role) -> None:
    """Change an account's role."""
    account = _users(_settings()).set_role(name, role)
    click.echo(f"{account.name} is now {account.role}")


@users.command("set-display-name")
@click.argument("name")
@click.argument("display_name")
def users_set_display_name(name, display_name) -> None:
    """Change the name an account is shown as and writes as evaluator (refused if another
    account has it, ignoring case)."""
    account = _users(_settings()).set_display_name(name, display_name)
    click.echo(f"{account.name} is now shown as {account.display_name}")


@users.command("remove")
@click.argument("name")
def users_remove(name) -> None:
    """Delete an account (its audit entries stay)."""
    _users(_settings()).remove(name)
    click.echo(f"removed {name}")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--actor", default="ingest", show_default=True, help="Name recorded in the audit log.")
@click.option("--strict", is_flag=True,
              help="Refuse what is otherwise a warning (unknown schema_version, no data description): "
                   "a FAILED line, exit 1.")
def ingest(paths, actor, strict) -> None:
    """Index asset folders, folders of asset folders and JSON/NDJSON dumps of records."""
    settings = _settings()
    store = _store(settings)
    report = _ingest(store, list(paths), actor=actor, settings=settings, strict=strict)
    click.echo(report.line(), err=True)
    if not report.ok:
        sys.exit(1)


def _ingest(store, paths: list[str], *, actor: str, settings: Settings | None = None, strict: bool = False):
    """Ingest `paths`, one `FAILED <item>: <reason>` / `WARNING <item>: <reason>` line each.

    With `settings`: files are read within its bounds, every local folder given becomes
    an asset root (remembered in the portal's database, so the server serves it), and a
    record whose local location lies outside the roots is refused.
    """
    from portal.transfer.ingest import IngestPolicy, find_sources, ingest_items, source_items

    s3 = None
    policy = IngestPolicy(strict=strict)
    if settings is not None:
        from portal.references.roots import AssetRoots

        roots = AssetRoots.from_settings(settings, getattr(store, "engine", None))
        for path in paths:
            if not path.lower().startswith("s3://") and Path(path).expanduser().is_dir():
                roots.remember(path, by=actor)
        policy = IngestPolicy(limits=settings.limits, roots=roots, strict=strict)
        if any(p.lower().startswith("s3://") for p in paths):
            from portal.transfer.ingest.s3 import S3Source, s3_client

            s3 = S3Source(s3_client(settings), settings.limits)
    sources = find_sources(paths, s3=s3)  # paths only: records are read lazily, memory stays flat
    with click.progressbar(length=len(sources), label="ingesting", file=sys.stderr) as bar:
        def echo(line):
            # One line each, on its own line even while the bar is drawn.
            click.echo(f"\n{line}" if sys.stderr.isatty() else line, err=True)

        def on_item(item, error):
            if error:
                echo(f"FAILED {error}")

        items = source_items(sources, on_source=lambda: bar.update(1), s3=s3, limits=policy.limits)
        return ingest_items(store, items, actor=actor, on_item=on_item,
                            on_warning=lambda item, line: echo(f"WARNING {line}"), policy=policy)


@main.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show(name, as_json) -> None:
    """Print an asset's summary and QC status."""
    from portal.errors import NotFound
    from portal.views.present import summary_json, summary_text

    stored = _store(_settings()).get(name)
    if stored is None:
        raise NotFound(f"Asset not found: {name}")
    if as_json:
        click.echo(json.dumps(summary_json(stored.summary, version=stored.version), indent=2))
    else:
        click.echo(summary_text(stored.summary))


main.add_command(tokens)  # qc-portal tokens create/list/revoke (portal.cli.tokens_export)
main.add_command(export)  # qc-portal export NAME --dest DIR
main.add_command(assets)  # qc-portal assets delete/restore/rename/deleted (portal.cli.lifecycle)
main.add_command(webhooks)  # qc-portal webhooks add/list/remove/pause/resume/retry/deliver

if __name__ == "__main__":
    main()
