"""Accounts: the `pipeline` role, one display name per account, and migration 0011."""

from __future__ import annotations

import importlib.util

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.accounts.auth import can
from portal.accounts.oidc import role_from_claims
from portal.accounts.users import UserStore, display_key, users
from portal.cli.main import main
from portal.errors import InvalidInput
from portal.settings import load_settings
from portal.settings_rules import ROLES
from portal.store.sql.engine import MIGRATIONS, _alembic_config, make_engine, migrate
from tests.api_helpers import bearer, make_token, seed


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """The URL of an empty portal database (SQLite file or a fresh PostgreSQL database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portal.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(database):
    engine = make_engine(database)
    migrate(engine)
    yield UserStore(engine)
    engine.dispose()


# -- the pipeline role -------------------------------------------------------------------

class _As:
    is_authenticated = True

    def __init__(self, role):
        self.role = role


def test_roles_in_order_with_pipeline_between_annotator_and_admin():
    assert ROLES == ("viewer", "annotator", "pipeline", "admin")


@pytest.mark.parametrize(("role", "annotate", "name_evaluators", "admin"), [
    ("viewer", False, False, False), ("annotator", True, False, False),
    ("pipeline", True, True, False), ("admin", True, True, True),
])
def test_what_each_role_may_do(role, annotate, name_evaluators, admin):
    user = _As(role)
    assert (can(user, "annotate"), can(user, "name_evaluators"), can(user, "admin")) == (
        annotate, name_evaluators, admin)


def test_a_pipeline_token_may_write(settings, tmp_path):
    app = create_app(settings)
    seed(app, tmp_path / "assets")
    headers = bearer(make_token(app, "etl", "pipeline", "ETL pipeline"))
    client = app.server.test_client()
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me == {"name": "etl", "display_name": "ETL pipeline", "role": "pipeline"}
    answer = client.post("/api/v1/assets/a/annotations", headers=headers,
                         json={"version": 1, "changes": [{"metric": "drift", "status": "Pass"}]})
    assert answer.status_code == 200 and answer.get_json()["applied"] is True


def test_single_sign_on_maps_a_group_to_pipeline_and_the_highest_wins(tmp_path):
    settings = load_settings(data_dir=tmp_path, oidc_role_map="bots=pipeline,reviewers=annotator,admins=admin")
    assert role_from_claims({"groups": ["reviewers", "bots"]}, settings) == "pipeline"
    assert role_from_claims({"groups": ["bots", "admins"]}, settings) == "admin"


def test_the_cli_makes_pipeline_accounts(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path))
    migrate(make_engine(f"sqlite:///{tmp_path / 'portal.db'}"))  # the portal exists: `users` never creates it
    runner = CliRunner()
    made = runner.invoke(main, ["users", "add", "etl", "--role", "pipeline", "--password-stdin"],
                         input="a long password\n")
    assert made.exit_code == 0, made.output
    assert "created etl (pipeline)" in made.output
    assert runner.invoke(main, ["users", "set-role", "etl", "annotator"]).exit_code == 0
    assert runner.invoke(main, ["users", "set-role", "etl", "pipeline"]).exit_code == 0
    listed = runner.invoke(main, ["users", "list"]).output
    assert "etl\tpipeline" in listed


# -- display names ----------------------------------------------------------------------

def test_display_key_ignores_case_and_spaces():
    assert display_key("  Ada   LOVELACE ") == display_key("ada lovelace") == "ada lovelace"
    assert display_key("Ａｄａ") == "ada"  # NFKC: full-width letters are the same name
    assert display_key("Ada Lovelace") != display_key("Ada Byron")


def test_two_accounts_cannot_share_a_display_name(store):
    store.add("ada", "annotator", "a long password", "Ada Lovelace")
    for clash in ("ada lovelace", "  ADA   Lovelace "):
        with pytest.raises(InvalidInput, match="display name .* is taken"):
            store.add("ada2", "annotator", "a long password", clash)
    with pytest.raises(InvalidInput, match="is taken"):
        store.add("Ada Lovelace", "viewer", "a long password")  # the default display name is the name
    bob = store.add("bob", "annotator", "a long password", "Bob")
    with pytest.raises(InvalidInput, match="is taken"):
        store.set_display_name("bob", "ADA LOVELACE")
    assert store.set_display_name("bob", "  Robert   Hooke ").display_name == "Robert Hooke"
    assert store.set_display_name("bob", "robert hooke").display_name == "robert hooke"  # its own: fine
    assert bob.name == "bob" and [a.name for a in store.list()] == ["ada", "bob"]


def test_the_database_refuses_a_duplicate_display_key(store):
    store.add("ada", "annotator", "a long password", "Ada Lovelace")
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(insert(users).values(name="sneaky", display_name="ADA LOVELACE",
                                                display_key="ada lovelace", role="viewer",
                                                created_at=store.get("ada").created_at))


def test_the_cli_refuses_a_taken_display_name(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path))
    migrate(make_engine(f"sqlite:///{tmp_path / 'portal.db'}"))  # the portal exists: `users` never creates it
    runner = CliRunner()
    add = ["users", "add", "--role", "annotator", "--password-stdin", "--display-name"]
    assert runner.invoke(main, [*add, "Ada Lovelace", "ada"], input="a long password\n").exit_code == 0
    refused = runner.invoke(main, [*add, "ada lovelace", "ada2"], input="a long password\n")
    assert refused.exit_code == 1 and "is taken" in refused.output
    assert runner.invoke(main, ["users", "add", "bob", "--role", "viewer", "--password-stdin"],
                         input="a long password\n").exit_code == 0
    renamed = runner.invoke(main, ["users", "set-display-name", "bob", "ADA LOVELACE"])
    assert renamed.exit_code == 1 and "is taken" in renamed.output
    ok = runner.invoke(main, ["users", "set-display-name", "bob", "Bob Hooke"])
    assert ok.exit_code == 0 and "bob is now shown as Bob Hooke" in ok.output


def test_single_sign_on_users_get_a_unique_display_name(store):
    store.add("ada", "annotator", "a long password", "Ada Lovelace")
    first = store.sign_in_external("https://idp", "s1", name="ada.l", display_name="Ada Lovelace", role="annotator")
    assert first.name == "ada.l" and first.display_name == "Ada Lovelace (ada.l)"
    second = store.sign_in_external("https://idp", "s2", name="ada.l", display_name="ada lovelace", role="viewer")
    assert second.name == "ada.l-2" and second.display_name == "ada lovelace (ada.l-2)"
    # Signing in again keeps the same (unique) display name: stable from one sign-in to the next.
    again = store.sign_in_external("https://idp", "s1", name="ada.l", display_name="Ada Lovelace", role="annotator")
    assert (again.id, again.display_name) == (first.id, "Ada Lovelace (ada.l)")
    keys = [display_key(a.display_name) for a in store.list()]
    assert len(keys) == len(set(keys)) == 3


# -- migration 0011 ---------------------------------------------------------------------

def _migration():
    path = next((MIGRATIONS / "versions").glob("0011_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0011", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["Ada Lovelace", "  ADA   lovelace ", "Ｇｒａｃｅ", "x" * 250, "", "ﬃ"])
def test_the_migration_normalises_as_the_code_does(name):
    assert _migration()._key(name) == display_key(name)


def test_the_migration_renames_duplicates_deterministically():
    rows = [(3, "ada3", "Ada Lovelace (ada2)"), (1, "ada", "Ada Lovelace"), (2, "ada2", "ada  lovelace"),
            (4, "ada4", "ADA LOVELACE"), (5, "nobody", "  "), (6, "ada2-twin", "Ada Lovelace")]
    plan = _migration().unique_display_names(rows)
    assert plan == _migration().unique_display_names(list(reversed(rows)))  # order of reading does not matter
    names = {user_id: display for user_id, (display, _key) in plan.items()}
    assert names[1] == "Ada Lovelace"  # the oldest account keeps its name, exactly as stored
    assert names[3] == "Ada Lovelace (ada2)"  # a name nobody else had stays, even if it looks like a rename
    assert names[2] == "ada lovelace (ada2) 2"  # "(ada2)" was taken by account 3
    assert names[4] == "ADA LOVELACE (ada4)"
    assert names[5] == "nobody"  # an empty display name becomes the account name
    assert names[6] == "Ada Lovelace (ada2-twin)"
    keys = [key for _display, key in plan.values()]
    assert len(keys) == len(set(keys))


def test_upgrade_from_0008_with_duplicates_never_fails(database):
    engine = make_engine(database)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0008")
        with engine.begin() as connection:
            for name, display in [("ada", "Ada"), ("ada2", "ADA"), ("ada3", " ada "), ("bob", "Bob")]:
                connection.execute(text("INSERT INTO users (name, display_name, role, created_at) "
                                        "VALUES (:name, :display, 'annotator', CURRENT_TIMESTAMP)"),
                                   {"name": name, "display": display})
        migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(select(users.c.id, users.c.display_name, users.c.display_key,
                                             users.c.session_epoch).order_by(users.c.id)).all()
        assert [(r.display_name, r.session_epoch) for r in rows] == [
            ("Ada", 0), ("ADA (ada2)", 0), ("ada (ada3)", 0), ("Bob", 0)]
        assert [r.display_key for r in rows] == [display_key(r.display_name) for r in rows]
        store = UserStore(engine)
        with pytest.raises(InvalidInput, match="is taken"):
            store.add("carol", "viewer", "a long password", "ada")
        assert store.add("carol", "viewer", "a long password", "Carol").display_name == "Carol"
        # Down and up again: the downgrade is clean.
        with engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0008")
        migrate(engine)
    finally:
        engine.dispose()
