"""The `qc-portal` command group: serve, demo, ingest and show here; users, tokens, export and push registered."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import tempfile
from pathlib import Path

import click

from portal.cli.assign import assign, assignments_group
from portal.cli.common import data_dir_option, existing_store, settings_for
from portal.cli.lifecycle import assets, webhooks
from portal.cli.push import push
from portal.cli.tokens_export import export, tokens
from portal.cli.track import track
from portal.cli.users import users
from portal.errors import ConfigError, PortalError
from portal.settings import Settings

log = logging.getLogger("portal")
_settings = settings_for


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
@data_dir_option
def serve(host, port, data_dir) -> None:
    """Serve the portal over what the store holds (on --host/--port, else QC_PORTAL_BIND, else
    QC_PORTAL_HOST:QC_PORTAL_PORT)."""
    _serve(_settings(data_dir=data_dir), host, port)


def _serve(settings: Settings, host: str | None, port: int | None) -> None:
    from portal.ops.preflight import preflight
    from portal.ops.server import run, serve_address

    bind = serve_address(settings, host, port)
    # The secret key, the port and the database: one clear line now, not failing workers later.
    preflight(settings, bind)
    click.echo(f"QC Portal on http://{bind}  (Ctrl+C to stop)", err=True)
    run(settings, bind)


@main.command()
@click.option("--assets", "n_assets", type=click.IntRange(1, 1_000_000), default=300, show_default=True,
              help="How many demo assets to generate.")
@data_dir_option
@click.option("--host", help="Address to listen on.")
@click.option("--port", type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Generate and ingest only.")
def demo(n_assets, data_dir, host, port, no_serve) -> None:
    """Generate (once) and ingest a realistic demo dataset, then serve it."""
    from portal.demo import write_demo

    settings = _settings(data_dir=data_dir, demo=True)
    store = _store(settings)
    try:
        with click.progressbar(length=n_assets, label="generating demo assets", file=sys.stderr) as bar:
            folder = write_demo(settings.data_dir, n_assets, progress=lambda k: bar.update(1))
    except RuntimeError as exc:  # media.py: no imageio-ffmpeg (an image built without the demo extra), ffmpeg failed
        raise ConfigError(f"the demo data cannot be generated: {exc}") from None
    report = _ingest(store, [str(folder)], actor="demo", settings=settings)
    click.echo(report.line(), err=True)
    _demo_annotator(settings)
    if not no_serve:
        _serve(settings, host, port)


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


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--actor", default="ingest", show_default=True, help="Name recorded in the audit log.")
@click.option("--strict", is_flag=True,
              help="Refuse what is otherwise a warning (unknown schema_version, no data description): "
                   "a FAILED line, exit 1.")
@click.option("--dry-run", is_flag=True, help="Check and merge everything, say what would change, write nothing.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per item on standard output: item, action (created, updated, unchanged, "
                   "failed), asset, id, reason, warnings.")
@data_dir_option
def ingest(paths, actor, strict, dry_run, as_json, data_dir) -> None:
    """Index asset folders, folders of asset folders and JSON/NDJSON dumps of records."""
    from portal.ops.gc_tuning import fewer_collections

    settings = _settings(data_dir=data_dir)
    # Collected as a serving worker is: the default threshold cost ~10% of ingest's CPU.
    with fewer_collections():
        if dry_run:
            with _dry_run_store(settings) as store:
                report = _ingest(store, list(paths), actor=actor, settings=settings, strict=strict, dry_run=True,
                                 as_json=as_json)
        else:
            report = _ingest(_store(settings), list(paths), actor=actor, settings=settings, strict=strict,
                             as_json=as_json)
    click.echo(report.line(), err=True)
    if not report.ok:
        sys.exit(1)


@contextlib.contextmanager
def _dry_run_store(settings: Settings):
    """The store a dry run reads: the portal's own, or, where there is no database yet, an
    empty one in a scratch folder (so that not even an empty database is left behind)."""
    from portal.store.sql.engine import missing_database

    if not missing_database(settings.database, timeout=settings.db_timeout):
        yield _store(settings)
        return
    with tempfile.TemporaryDirectory(prefix="qc-portal-dry-run-") as scratch:
        yield _store(settings.model_copy(update={"database": f"sqlite:///{Path(scratch) / 'portal.db'}"}))


def _ingest(store, paths: list[str], *, actor: str, settings: Settings | None = None, strict: bool = False,
            dry_run: bool = False, as_json: bool = False):
    """Ingest `paths`, one `FAILED <item>: <reason>` / `WARNING <item>: <reason>` line each
    (with `as_json`, one JSON object per item on stdout instead; a dry run also prints what
    would be created or updated).

    With `settings`: files are read within its bounds, every local folder given becomes
    an asset root (remembered in the portal's database, so the server serves it; a dry run
    only uses it), and a record whose local location lies outside the roots is refused.
    """
    from portal.transfer.ingest import IngestPolicy, find_sources, ingest_items, source_items

    s3 = None
    policy = IngestPolicy(strict=strict)
    if settings is not None:
        from portal.references.roots import AssetRoots

        given = [p for p in paths if not p.lower().startswith("s3://") and Path(p).expanduser().is_dir()]
        if dry_run:
            roots = AssetRoots([*settings.asset_root_paths, *given], getattr(store, "engine", None))
        else:
            roots = AssetRoots.from_settings(settings, getattr(store, "engine", None))
            for path in given:
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

        def on_item(item, outcome):
            if as_json:
                click.echo(json.dumps(outcome.as_json()))
            elif outcome.reason:
                echo(f"FAILED {outcome.reason}")
            elif dry_run and outcome.action in ("created", "updated"):
                echo(f"WOULD {'CREATE' if outcome.action == 'created' else 'UPDATE'} {outcome.asset} "
                     f"({outcome.origin})")

        def on_warning(item, line):
            if not as_json:
                echo(f"WARNING {line}")

        items = source_items(sources, on_source=lambda: bar.update(1), s3=s3, limits=policy.limits)
        return ingest_items(store, items, actor=actor, on_item=on_item, on_warning=on_warning, policy=policy,
                            dry_run=dry_run)


@main.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@data_dir_option
def show(name, as_json, data_dir) -> None:
    """Print an asset's summary and QC status."""
    from portal.errors import NotFound
    from portal.views.present import summary_json, summary_text

    stored = existing_store(_settings(data_dir=data_dir)).get(name)
    if stored is None:
        raise NotFound(f"Asset not found: {name}")
    if as_json:
        click.echo(json.dumps(summary_json(stored.summary, version=stored.version), indent=2))
    else:
        click.echo(summary_text(stored.summary))


main.add_command(users)  # qc-portal users add/list/set-role/set-display-name/remove (portal.cli.users)
main.add_command(tokens)  # qc-portal tokens create/list/revoke (portal.cli.tokens_export)
main.add_command(export)  # qc-portal export NAME --dest DIR
main.add_command(push)  # qc-portal push ASSET [quality_control.json | DIR] (a client of a portal's REST API)
main.add_command(assets)  # qc-portal assets delete/restore/rename/deleted (portal.cli.lifecycle)
main.add_command(webhooks)  # qc-portal webhooks add/list/remove/pause/resume/retry/deliver
main.add_command(assign)  # qc-portal assign NAME --user U --filter '...' (portal.cli.assign)
main.add_command(assignments_group)  # qc-portal assignments list/close
main.add_command(track)  # qc-portal track PROJECT FILE.csv|.yaml (portal.cli.track)

if __name__ == "__main__":
    main()
