"""`qc-portal users ...`: portal accounts (roles viewer, annotator, pipeline, admin).

Registered on the main command group by portal.cli.main. Every command opens an existing
portal (portal.cli.common): a data dir without a database is an error, not a new portal.
"""

from __future__ import annotations

import sys

import click

from portal.cli.common import data_dir_option, existing_portal, settings_for
from portal.settings_rules import ROLES


def _users(data_dir):
    return existing_portal(settings_for(data_dir=data_dir)).users


@click.group()
def users() -> None:
    """Manage portal accounts (roles: viewer, annotator, pipeline, admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="pipeline: a service account that may also name other evaluators.")
@click.option("--display-name", help="Name shown in the portal and written as evaluator (unique, ignoring case).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@data_dir_option
def users_add(name, role, display_name, password_stdin, data_dir) -> None:
    """Create an account; the password comes from stdin or a prompt, never an argument."""
    store = _users(data_dir)  # first: no password is asked for a portal that is not there
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = store.add(name, role, password, display_name)
    click.echo(f"created {account.name} ({account.role})")


@users.command("list")
@data_dir_option
def users_list(data_dir) -> None:
    """List accounts with their role and last login."""
    for account in _users(data_dir).list():
        last = account.last_login_at.isoformat(timespec="seconds") if account.last_login_at else "never"
        click.echo(f"{account.name}\t{account.role}\t{account.display_name}\tlast login: {last}")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@data_dir_option
def users_set_role(name, role, data_dir) -> None:
    """Change an account's role."""
    account = _users(data_dir).set_role(name, role)
    click.echo(f"{account.name} is now {account.role}")


@users.command("set-display-name")
@click.argument("name")
@click.argument("display_name")
@data_dir_option
def users_set_display_name(name, display_name, data_dir) -> None:
    """Change the name an account is shown as and writes as evaluator (refused if another
    account has it, ignoring case)."""
    account = _users(data_dir).set_display_name(name, display_name)
    click.echo(f"{account.name} is now shown as {account.display_name}")


@users.command("remove")
@click.argument("name")
@data_dir_option
def users_remove(name, data_dir) -> None:
    """Delete an account (its audit entries stay)."""
    _users(data_dir).remove(name)
    click.echo(f"removed {name}")
