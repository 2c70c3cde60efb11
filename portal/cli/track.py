"""`qc-portal track PROJECT FILE.csv|.yaml`: replace a project's expected sessions (the
completeness the project page shows; portal.review.completeness).

Acts on the database directly as the operator who runs it (an admin, recorded as `--actor`);
a bad file is one `qc-portal: error:` line naming the line and the reason, and nothing is
changed. Prints how many expected sessions are tracked and how many are present.
"""

from __future__ import annotations

from pathlib import Path

import click

from portal.cli.common import data_dir_option, existing_portal, settings_for
from portal.errors import InvalidInput


@click.command("track")
@click.argument("project")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--actor", default="cli", show_default=True, help="Name recorded as the list's author.")
@data_dir_option
def track(project, file, actor, data_dir) -> None:
    """Replace PROJECT's expected sessions with those FILE lists (CSV or YAML)."""
    from portal.cli.assign import Operator
    from portal.review import completeness
    from portal.review.expected_files import parse_expected

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}") from None
    try:
        rows = parse_expected(file.name, data)
    except InvalidInput as exc:
        raise InvalidInput(f"{file.name}: {exc.message}") from None
    portal = existing_portal(settings_for(data_dir=data_dir))
    found = completeness.set_expected_sessions(portal.store, Operator(actor, actor), project, rows)
    click.echo(completeness.summary(found))
