"""`qc-portal assign` and `qc-portal assignments list|close` on a real database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from portal.cli.main import main
from portal.context import build_portal
from portal.review.assignments import assignment_filters
from portal.settings import load_settings
from tests.records import metric, record


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QC_PORTAL_SECRET_KEY", "test")

    def invoke(*args):
        return CliRunner().invoke(main, list(args))

    return invoke


def test_assign_list_close(run, tmp_path):
    portal = build_portal(load_settings(data_dir=tmp_path / "data"))
    portal.store.upsert_many([record("a1", project="Alpha", metrics=[metric("x", "Pending"), metric("y", "Pass")]),
                              record("b1", project="Beta", metrics=[metric("z", "Pending")])])
    portal.users.add("ada", "annotator", "pw-adaadaada", display_name="Ada")
    made = run("assign", "Alpha sweep", "--user", "ada", "--filter", "project=Alpha")
    assert made.exit_code == 0, made.output
    assignment_id = int(made.output.split("\t")[0])
    assert "0/1 reviewed" in made.output and f"/review?project=Alpha&assignment={assignment_id}" in made.output
    assert assignment_filters(portal.store, assignment_id) == "project=Alpha"
    bad = run("assign", "x", "--user", "nobody", "--filter", "project=Alpha")
    assert bad.exit_code != 0 and "no such account: nobody" in bad.output and "Traceback" not in bad.output
    assert run("assign", "x", "--user", "ada", "--filter", "colour=red").exit_code != 0
    listed = run("assignments", "list", "--open")
    assert listed.exit_code == 0 and listed.output.count("\n") == 1 and "Alpha sweep" in listed.output
    closed = run("assignments", "close", str(assignment_id))
    assert closed.exit_code == 0 and "closed" in closed.output
    assert run("assignments", "list", "--open").output == ""
    again = run("assignments", "close", str(assignment_id))
    assert again.exit_code != 0 and "already closed" in again.output
