"""The command line for scripts and operators: `ingest --dry-run` / `--json`, `--data-dir` on
every command, and commands that refuse to create a database the user expected to exist.
Each runs the real `qc-portal` in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import sqlalchemy

from portal.cli.main import main
from tests.records import record

BIN = Path(sys.executable).parent


def qcp(*args: str, stdin: str | None = None, **settings: str) -> subprocess.CompletedProcess:
    """`qc-portal ARGS` with no QC_PORTAL_* variable but `settings` (the data dir comes from --data-dir)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QC_PORTAL_")}
    env.update({f"QC_PORTAL_{k.upper()}": v for k, v in settings.items()})
    return subprocess.run([str(BIN / "qc-portal"), *args], env=env, capture_output=True, text=True, input=stdin,
                          timeout=120)


def _folder(root: Path, rec: dict) -> Path:
    folder = root / rec["name"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metadata.nd.json").write_text(json.dumps(rec))
    return folder


def _audit_rows(data: Path) -> int:
    engine = sqlalchemy.create_engine(f"sqlite:///{data / 'portal.db'}")
    with engine.connect() as connection:
        return connection.execute(sqlalchemy.text("SELECT count(*) FROM audit_log")).scalar()


def test_every_command_takes_data_dir():
    def leaves(command, path=()):
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from leaves(sub, (*path, name))
        else:
            yield path, command

    missing = [" ".join(path) for path, command in leaves(main) if path != ("push",)  # a client: no database
               and "--data-dir" not in {opt for param in command.params for opt in getattr(param, "opts", ())}]
    assert missing == []


def test_a_dry_run_on_a_new_data_dir_writes_nothing_not_even_a_database(tmp_path):
    assets = tmp_path / "assets"
    _folder(assets, record("one"))
    _folder(assets, record("two"))
    data = tmp_path / "data"
    result = qcp("ingest", "--dry-run", "--data-dir", str(data), str(assets))
    assert result.returncode == 0, result.stderr
    assert f"WOULD CREATE one ({(assets / 'one').resolve()}" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "dry run: would ingest 2 asset(s): 2 created, 0 updated, 0 unchanged; 0 failed (nothing was written)")
    assert not (data / "portal.db").exists()


def test_dry_run_json_predicts_what_the_ingest_then_does(tmp_path):
    assets, data = tmp_path / "assets", tmp_path / "data"
    _folder(assets, record("same"))
    _folder(assets, record("changed"))
    assert qcp("ingest", "--data-dir", str(data), str(assets)).returncode == 0
    audit = _audit_rows(data)
    _folder(assets, record("changed", notes="a new note"))
    _folder(assets, record("new"))
    (assets / "broken").mkdir()
    (assets / "broken" / "quality_control.json").write_text('{"metrics": [')
    nodesc = assets / "no_description"
    nodesc.mkdir()
    (nodesc / "quality_control.json").write_text(json.dumps(record("x")["quality_control"]))

    dry = qcp("ingest", "--dry-run", "--json", "--data-dir", str(data), str(assets))
    assert dry.returncode == 1  # an item failed
    predicted = {Path(o["item"]).name: o for o in map(json.loads, dry.stdout.splitlines())}
    assert {name: o["action"] for name, o in predicted.items()} == {
        "same": "unchanged", "changed": "updated", "new": "created", "broken": "failed",
        "no_description": "created"}
    assert "invalid JSON" in predicted["broken"]["reason"] and predicted["broken"]["asset"] is None
    assert predicted["new"]["asset"] == "new" and predicted["new"]["id"]
    assert predicted["no_description"]["warnings"] and "data description" in predicted["no_description"]["warnings"][0]
    assert not [line for line in dry.stderr.splitlines() if line.startswith(("FAILED", "WARNING"))]
    assert "dry run: would ingest 4 asset(s): 2 created, 1 updated, 1 unchanged; 1 failed" in dry.stderr
    # Nothing was written: no new asset, no new audit row, the changed asset as it was.
    assert qcp("show", "new", "--data-dir", str(data)).returncode == 1
    assert _audit_rows(data) == audit
    assert json.loads(qcp("show", "changed", "--json", "--data-dir", str(data)).stdout)["version"] == 1

    done = qcp("ingest", "--json", "--data-dir", str(data), str(assets))
    actual = {Path(o["item"]).name: o["action"] for o in map(json.loads, done.stdout.splitlines())}
    assert actual == {name: o["action"] for name, o in predicted.items()}
    assert json.loads(qcp("show", "changed", "--json", "--data-dir", str(data)).stdout)["version"] == 2


@pytest.mark.parametrize("command", [
    ["show", "a"],
    ["users", "add", "ada", "--role", "admin", "--password-stdin"],
    ["users", "list"],
    ["tokens", "create", "ada"],
    ["tokens", "list"],
    ["export", "a", "--dest", "out"],
])
def test_commands_refuse_to_create_the_database_they_expected(tmp_path, command):
    data = tmp_path / "typo"
    result = qcp(*command, "--data-dir", str(data), stdin="a long enough password\n")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        f"qc-portal: error: there is no portal database at {data / 'portal.db'} (--data-dir / QC_PORTAL_DATA_DIR "
        f"is {data}); nothing was created. Check the data dir or the database URL, or create the portal first "
        "(`qc-portal serve`, `ingest` or `demo`).")
    assert not (data / "portal.db").exists()


def test_data_dir_reaches_every_command(tmp_path):
    assets, data = tmp_path / "assets", tmp_path / "data"
    _folder(assets, record("a"))
    assert qcp("ingest", str(assets), "--data-dir", str(data)).returncode == 0
    assert qcp("users", "add", "ada", "--role", "admin", "--password-stdin", "--data-dir", str(data),
               stdin="a long enough password\n").returncode == 0
    assert "ada\tadmin" in qcp("users", "list", "--data-dir", str(data)).stdout
    made = qcp("tokens", "create", "ada", "--data-dir", str(data))
    assert made.returncode == 0 and made.stdout.strip().startswith("qcp_")
    exported = qcp("export", "a", "--dest", str(tmp_path / "out"), "--data-dir", str(data))
    assert exported.returncode == 0 and (tmp_path / "out" / "quality_control.json").is_file()
    # The environment's data dir is not used when --data-dir says otherwise.
    assert qcp("show", "a", "--data-dir", str(data), data_dir=str(tmp_path / "elsewhere")).returncode == 0


@pytest.mark.postgres
def test_a_postgres_database_no_portal_migrated_is_not_migrated_by_show(pg_url, tmp_path):
    result = qcp("show", "a", "--data-dir", str(tmp_path), database=pg_url)
    assert result.returncode == 2 and "holds no portal (it was never migrated)" in result.stderr
    assert "QC_PORTAL_DATABASE" in result.stderr
    engine = sqlalchemy.create_engine(pg_url)
    assert sqlalchemy.inspect(engine).get_table_names() == []
    engine.dispose()
