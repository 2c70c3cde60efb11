"""What every `qc-portal` command shares: `--data-dir`, settings, and opening a portal that exists.

Commands that read or change what a portal holds (`show`, `users`, `tokens`, `export`)
open it with `existing_portal` / `existing_store`: a database that is not there yet (a
mistyped `--data-dir`, a missing `QC_PORTAL_DATABASE`) is one error line naming where
they looked, never a new, empty database the user then wonders about. `serve`, `demo` and
`ingest` create the database when it is missing, as a portal's first start does.
"""

from __future__ import annotations

from pathlib import Path

import click

from portal.errors import ConfigError
from portal.settings import Settings, load_settings


def data_dir_option(function):
    """The `--data-dir D` option every command takes (it wins over QC_PORTAL_DATA_DIR)."""
    return click.option(
        "--data-dir", type=click.Path(file_okay=False, path_type=Path),
        help="The portal's data folder (QC_PORTAL_DATA_DIR): its SQLite database and local asset folders.",
    )(function)


def settings_for(**overrides) -> Settings:
    """The settings, with the options given on the command line (None: not given)."""
    return load_settings(**{k: v for k, v in overrides.items() if v is not None})


def require_existing_database(settings: Settings) -> None:
    """ConfigError (exit status 2) when the portal's database does not exist yet."""
    from portal.store.sql.engine import missing_database

    problem = missing_database(settings.database, timeout=settings.db_timeout)
    if problem:
        in_data_dir = settings.database == f"sqlite:///{settings.data_dir / 'portal.db'}"
        where = f"--data-dir / QC_PORTAL_DATA_DIR is {settings.data_dir}" if in_data_dir else "QC_PORTAL_DATABASE"
        raise ConfigError(f"{problem} ({where}); nothing was created. Check the data dir or the database URL, "
                          "or create the portal first (`qc-portal serve`, `ingest` or `demo`).")


def existing_store(settings: Settings):
    """The asset store of an existing portal (see the module doc)."""
    from portal.store import open_store

    require_existing_database(settings)
    return open_store(settings)


def existing_portal(settings: Settings):
    """The Portal (store and users) of an existing portal (see the module doc)."""
    from portal.context import build_portal

    require_existing_database(settings)
    return build_portal(settings)
