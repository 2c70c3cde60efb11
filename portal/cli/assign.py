"""`qc-portal assign NAME --user U [--user U2] --filter 'project=...'` and `qc-portal assignments
list|close`: assignments made from the command line.

Like `assets` and `users`, these act on the database directly as the operator who runs them
(an admin, recorded as `--actor`, default `cli`); expected errors are PortalErrors, one
`qc-portal: error:` line. The rules are portal.review.assignments'.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from portal.settings import load_settings

_DATA_DIR = click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="QC_PORTAL_DATA_DIR.")
_ACTOR = click.option("--actor", default="cli", show_default=True, help="Name recorded as the assignment's maker.")


@dataclass(frozen=True)
class Operator:
    """Whoever runs the command: an admin of this database (they can open it)."""

    name: str
    display_name: str
    role: str = "admin"
    is_authenticated: bool = True


def _portal(data_dir):
    from portal.context import build_portal

    return build_portal(load_settings(**({"data_dir": data_dir} if data_dir else {})))


def _line(item) -> str:
    from portal.review.assignments import review_url

    row, progress = item.row, item.progress
    state = "open" if row.is_open else f"closed {row.closed_at:%Y-%m-%d} by {row.closed_by}"
    by = ", ".join(f"{who} {n}" for who, n in progress.by) or "nobody yet"
    return (f"{row.id}\t{row.name}\t{state}\t{', '.join(row.assignees)}\t{progress.reviewed}/{progress.total} "
            f"reviewed ({by})\t{review_url(row.filters, row.id)}")


@click.command("assign")
@click.argument("name")
@click.option("--user", "users", multiple=True, required=True, help="Account to assign it to (repeat for several).")
@click.option("--filter", "filters", default="", help="The overview's filters, e.g. 'project=Alpha&modality=ecephys'.")
@_ACTOR
@_DATA_DIR
def assign(name, users, filters, actor, data_dir) -> None:
    """Assign the Pending metrics of the assets the filters match to reviewers."""
    from portal.review import assignments

    made = assignments.create(_portal(data_dir), Operator(actor, actor), name, filters, list(users))
    click.echo(_line(made))


@click.group("assignments")
def assignments_group() -> None:
    """List and close assignments."""


@assignments_group.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only open assignments.")
@_DATA_DIR
def assignments_list(open_only, data_dir) -> None:
    """Every assignment, newest first: id, name, state, reviewers, progress, queue link."""
    from portal.review import assignments

    for item in assignments.listing(_portal(data_dir), Operator("cli", "cli"), open_only=open_only):
        click.echo(_line(item))


@assignments_group.command("close")
@click.argument("assignment_id", type=int)
@_ACTOR
@_DATA_DIR
def assignments_close(assignment_id, actor, data_dir) -> None:
    """Close an assignment (it leaves its reviewers' "My reviews")."""
    from portal.review import assignments

    click.echo(_line(assignments.close(_portal(data_dir), Operator(actor, actor), assignment_id)))
