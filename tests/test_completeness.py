"""Completeness (issue 16 part 3): expected sessions read from CSV and YAML (bad rows refuse the
file, naming the line), matched against a project's assets with missing and extra sessions
(SQLite and PostgreSQL), and `qc-portal track`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from portal.cli.assign import Operator
from portal.cli.main import main
from portal.context import build_portal
from portal.errors import Forbidden, InvalidInput, NotFound
from portal.review import completeness
from portal.review.expected_files import parse_expected
from portal.settings import load_settings
from tests.records import metric, record

ADMIN = Operator("root", "Root")


# -- files -----------------------------------------------------------------------------------

def test_csv_with_subject_and_date_or_session():
    rows = parse_expected("x.csv", b"\xef\xbb\xbfSubject_ID,date,session\n100,2025-01-02,\n\n,,ecephys_1\n")
    assert [(r.subject_id, r.on_date, r.session) for r in rows] == [("100", "2025-01-02", None),
                                                                    (None, None, "ecephys_1")]
    assert rows[0].day_start.isoformat() == "2025-01-02T00:00:00+00:00"
    assert rows[0].day_end.isoformat() == "2025-01-03T00:00:00+00:00"
    assert [r.session for r in parse_expected("s.CSV", "session\na\nb\n")] == ["a", "b"]


@pytest.mark.parametrize(("text", "says"), [
    ("name,when\nx,y\n", "line 1: the header needs"),
    ("subject,date\n100,2025-13-01\n", "line 2: date '2025-13-01' is not a real day"),
    ("subject,date\n100,02/01/2025\n", "line 2: date '02/01/2025' is not YYYY-MM-DD"),
    ("subject,date\n100,2025-01-02\n,2025-01-03\n", "line 3: no session, and no subject"),
    ("subject,date\n100,\n", "line 2: subject '100' has no date"),
    ("subject,date\n100,2025-01-02\n100,2025-01-02\n", "line 3: repeats line 2"),
    ("subject,date\n100,2025-01-02,extra\n", "line 2: 3 values for 2 columns"),
    ("", "the CSV file is empty"),
])
def test_bad_csv_rows_refuse_the_file_naming_the_line(text, says):
    with pytest.raises(InvalidInput) as caught:
        parse_expected("x.csv", text)
    assert says in caught.value.message


def test_yaml_lists_and_a_sessions_mapping():
    listed = parse_expected("x.yaml", "- {subject: 100, date: 2025-01-02}\n- session: ecephys_1\n")
    assert [(r.subject_id, r.on_date, r.session) for r in listed] == [("100", "2025-01-02", None),
                                                                      (None, None, "ecephys_1")]
    wrapped = parse_expected("x.yml", "sessions:\n  - subject_id: '7'\n    date: '2025-02-03'\n")
    assert [(r.subject_id, r.on_date) for r in wrapped] == [("7", "2025-02-03")]


@pytest.mark.parametrize(("text", "says"), [
    ("- {subject: 100, date: 2025-01-02}\n- {subject: 101, date: 2025-01-02T10:00:00}\n",
     "line 2: must be a date (YYYY-MM-DD), not a time"),
    ("- {subject: 100, date: 2025-01-02}\n- just text\n", "line 2: expected a mapping"),
    ("subject: 100\n", "must hold a list"),
    ("- [unclosed\n", "not valid YAML"),
    ("- {subject: [1, 2], date: 2025-01-02}\n", "line 1: must be text"),
])
def test_bad_yaml_refuses_the_file(text, says):
    with pytest.raises(InvalidInput) as caught:
        parse_expected("x.yaml", text)
    assert says in caught.value.message


def test_other_files_are_refused():
    with pytest.raises(InvalidInput, match="expected a .csv, .yaml or .yml file"):
        parse_expected("x.xlsx", b"PK")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        parse_expected("x.csv", b"\xff\xfe\x00")


# -- matching ----------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def portal(request, tmp_path):
    database = {} if request.param == "sqlite" else {"database": request.getfixturevalue("pg_url")}
    return build_portal(load_settings(data_dir=tmp_path / "data", secret_key="x", **database))


def project_assets():
    return [
        record("s1", subject="100", acquired="2025-01-02T03:04:05+00:00", metrics=[metric("a", "Pass")]),
        # 23:30 UTC on the 3rd, though the 4th where it was acquired
        record("s2", subject="100", acquired="2025-01-04T01:30:00+02:00", metrics=[metric("a", "Pending")]),
        record("s3", subject="200", acquired="2025-01-05T10:00:00+00:00", qc=False),
        record("ecephys_300_2025-01-05_10-00-00", subject="300", acquired="2025-01-05T10:00:00+00:00",
               metrics=[metric("a", "Pass")]),
        record("ecephys_300_2025-01-05_10-00-00_sorted", subject="300", level="derived",
               acquired="2025-01-05T10:00:00+00:00", metrics=[metric("b", "Fail")]),
        record("stray", subject="999", acquired="2025-01-09T10:00:00+00:00", metrics=[metric("a", "Pass")]),
        record("other", project="Beta", subject="400", acquired="2025-01-06T10:00:00+00:00"),
    ]


EXPECTED_CSV = """subject,date,session
100,2025-01-02,
100,2025-01-03,
100,2025-01-04,
200,2025-01-05,
,,ecephys_300_2025-01-05
400,2025-01-06,
,,ecephys_3_0
"""


def test_completeness_with_missing_and_extra_sessions(portal):
    store = portal.store
    store.upsert_many(project_assets())
    assert completeness.completeness_of(store, "Alpha") is None  # tracks nothing yet
    found = completeness.set_expected_sessions(store, ADMIN, "Alpha", parse_expected("e.csv", EXPECTED_CSV))
    assert (found.expected, found.present, found.with_qc, found.reviewed) == (7, 4, 3, 2)
    # s2 (Pending) is on the 3rd in UTC; 01-04 has nothing; Beta's subject 400 is not Alpha's;
    # "ecephys_3_0" is no prefix of "ecephys_300_...".
    assert found.missing == ("subject 100 on 2025-01-04", "subject 400 on 2025-01-06", "session ecephys_3_0")
    assert found.missing_total == 3
    assert found.extra == 1  # "stray"
    assert completeness.summary(found) == ("7 expected sessions tracked: 4 present, 3 with QC, 2 fully reviewed, "
                                           "3 missing; 1 extra asset.")
    bounded = completeness.completeness_of(store, "Alpha", limit=1)
    assert bounded.missing == ("subject 100 on 2025-01-04",) and bounded.missing_total == 3
    # Replacing the list replaces it; an empty list tracks nothing.
    again = completeness.set_expected_sessions(store, ADMIN, "Alpha", parse_expected("e.yaml", "- session: stray\n"))
    assert (again.expected, again.present, again.extra, again.missing) == (1, 1, 5, ())
    assert completeness.set_expected_sessions(store, ADMIN, "Alpha", []) is None


def test_tracking_needs_an_admin_and_a_known_project(portal):
    portal.store.upsert_many(project_assets())
    rows = parse_expected("e.csv", "session\ns1\n")
    with pytest.raises(Forbidden):
        completeness.set_expected_sessions(portal.store, Operator("ann", "Ann", role="annotator"), "Alpha", rows)
    with pytest.raises(NotFound):
        completeness.set_expected_sessions(portal.store, ADMIN, "Nope", rows)
    assert completeness.expected_count(portal.store, "Alpha") == 0


# -- qc-portal track ---------------------------------------------------------------------------

def test_the_track_command(tmp_path, monkeypatch):
    monkeypatch.setenv("QC_PORTAL_SECRET_KEY", "test")
    data = tmp_path / "data"
    build_portal(load_settings(data_dir=data)).store.upsert_many(project_assets())
    good = tmp_path / "expected.csv"
    good.write_text(EXPECTED_CSV)

    def run(*args):
        return CliRunner().invoke(main, [*args, "--data-dir", str(data)])

    done = run("track", "Alpha", str(good))
    assert done.exit_code == 0, done.output
    assert done.output.startswith("7 expected sessions tracked: 4 present,")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {subject: 1, date: 2025-01-02}\n- {subject: 2, date: soon}\n")
    refused = run("track", "Alpha", str(bad))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert refused.output.strip().splitlines() == [
        "qc-portal: error: bad.yaml: nothing was changed: line 2: date 'soon' is not YYYY-MM-DD"]
    for args, says in ((("track", "Nope", str(good)), "Project not found: Nope"),
                       (("track", "Alpha", str(tmp_path / "none.csv")), "cannot read"),
                       (("track", "Alpha", str(tmp_path / "x.txt")), "expected a .csv")):
        if args[2].endswith("x.txt"):
            (tmp_path / "x.txt").write_text("session\na\n")
        out = run(*args)
        assert out.exit_code == 1 and out.output.count("qc-portal: error:") == 1 and says in out.output, out.output
    assert completeness.expected_count(build_portal(load_settings(data_dir=data)).store, "Alpha") == 7


def test_matching_equals_the_rule_applied_to_every_pair(portal):
    """Random names sharing prefixes and random days: each session's matches and the extra count
    equal the rule applied naively to every (session, asset) pair."""
    import random
    from datetime import UTC, datetime, timedelta

    rng = random.Random(7)
    start = datetime(2025, 3, 1, tzinfo=UTC)
    assets = []
    for i in range(60):
        when = start + timedelta(hours=rng.randrange(0, 24 * 6))
        stem = rng.choice(["ecephys", "ecephys_", "behavior", "b"])
        name = f"{stem}_{rng.randrange(3)}_{i}{rng.choice(['', '_s', 'Z'])}"
        subject = str(rng.randrange(4))
        assets.append((name, subject, when, rng.choice(["Pass", "Pending", None])))
    records = [record(n, subject=s, acquired=w.isoformat(), qc=status is not None,
                      metrics=[metric("a", status)] if status else None) for n, s, w, status in assets]
    portal.store.upsert_many(records)
    days = sorted({(s, w.date().isoformat()) for _, s, w, _ in assets})[:8] + [("3", "2025-02-01")]
    sessions = ["ecephys", "ecephys_1", "b_", "behavior_2_1", "nothing", assets[5][0]]
    text = "subject,date,session\n" + "".join(f"{s},{d},\n" for s, d in days) + "".join(f",,{n}\n" for n in sessions)
    found = completeness.set_expected_sessions(portal.store, ADMIN, "Alpha", parse_expected("e.csv", text))

    def hits(subject, day, session):
        if session:
            return [a for a in assets if a[0].startswith(session)]
        return [a for a in assets if a[1] == subject and a[2].date().isoformat() == day]

    wanted = [hits(s, d, None) for s, d in days] + [hits(None, None, n) for n in sessions]
    assert found.expected == len(wanted)
    assert found.present == sum(1 for h in wanted if h)
    assert found.with_qc == sum(1 for h in wanted if any(a[3] for a in h))
    assert found.reviewed == sum(1 for h in wanted if any(a[3] for a in h) and not any(a[3] == "Pending" for a in h))
    matched = {a[0] for h in wanted for a in h}
    assert found.extra == sum(1 for a in assets if a[0] not in matched)
    assert found.missing_total == sum(1 for h in wanted if not h)
