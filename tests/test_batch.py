"""Batch annotation upload: reading files, per-row verdicts, applying per asset, the records."""

from __future__ import annotations

import io

import openpyxl
import pytest

from portal import create_app
from portal.accounts.auth import User
from portal.errors import Forbidden, InvalidInput
from portal.review.batch import apply
from portal.review.batch.check import check_rows, parse_value
from portal.review.batch.sheets import read_upload, template_csv, template_xlsx
from portal.store.protocol import UNSET
from tests.records import metric, record

DROPDOWN = {"value": "", "options": ["Low", "High"], "status": ["Pass", "Fail"], "type": "dropdown"}


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([
        record("a", metrics=[metric("drift", "Pending", value=1.5), metric("label", "Pass", value="ok"),
                             metric("flag", "Pass", value=True), metric("choice", "Pending", value=DROPDOWN)]),
        record("b", _id="id-b", metrics=[metric("m", "Fail")]),
        record("bare", qc=False),
    ])
    return app


@pytest.fixture
def portal(app):
    return app.server.extensions["qc_portal"]


@pytest.fixture
def ada(portal):
    return User(portal.users.add("ada", "annotator", "correct horse battery", "Ada Lovelace"))


def _csv(*lines: str) -> bytes:
    return ("asset,metric,status,value,comment\n" + "\n".join(lines) + "\n").encode()


# -- reading ---------------------------------------------------------------------------


def test_templates_read_back_as_their_example_rows():
    csv_rows = read_upload("t.csv", template_csv())
    xlsx_rows = read_upload("t.xlsx", template_xlsx())
    assert [(r.row_no, r.asset, r.metric, r.status) for r in csv_rows] == \
        [(r.row_no, r.asset, r.metric, r.status) for r in xlsx_rows]
    assert csv_rows[0].value == "12.5" and csv_rows[0].comment == "drifts after 10 minutes"
    sheet = openpyxl.load_workbook(io.BytesIO(template_xlsx())).active
    assert [c.value for c in sheet[1]] == ["asset", "metric", "status", "value", "comment", "modality", "stage",
                                           "tags", "occurrence"]
    # The template shows how to name one of several same-named metrics.
    assert (csv_rows[2].metric, csv_rows[2].tags) == ("Drift", "probe=ProbeB")


def test_columns_in_any_order_and_case_semicolons_bom_and_blank_rows():
    text = "\ufeffComment;VALUE;Metric;Asset;extra\n\"a; b\";2;drift;a;x\n;;;;\n;;label;a;\n"
    rows = read_upload("export.csv", text.encode("utf-8"))
    assert [(r.row_no, r.asset, r.metric, r.value, r.comment, r.status) for r in rows] == [
        (2, "a", "drift", "2", "a; b", ""), (4, "a", "label", "", "", "")]


def test_xlsx_cells_keep_their_types():
    book = openpyxl.Workbook()
    book.active.append(["asset", "metric", "value"])
    book.active.append(["a", "drift", 3])
    book.active.append(["a", "flag", False])
    out = io.BytesIO()
    book.save(out)
    rows = read_upload("typed.xlsx", out.getvalue())
    assert [r.value for r in rows] == [3, False]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.pdf", b"%PDF", ".csv or .xlsx"),
    ("a.csv", b"", "empty"),
    ("a.csv", b"asset,status\na,Pass\n", "missing: metric"),
    ("a.csv", b"asset,metric\n", "no rows"),
    ("a.xlsx", b"not a zip", "XLSX file cannot be read"),
])
def test_unreadable_files_say_why(name, content, message):
    with pytest.raises(InvalidInput, match=message):
        read_upload(name, content)


# -- verdicts ----------------------------------------------------------------------------


def test_each_kind_of_bad_row_has_its_verdict(portal):
    rows = read_upload("x.csv", _csv(
        "a,drift,fail,2.5,too much drift",  # 2 ok
        "a,label,,relabelled,",  # 3 ok: a value only
        "nope,drift,Pass,,",  # 4 unknown asset
        "a,nope,Pass,,",  # 5 unknown metric
        "a,flag,Great,,",  # 6 invalid status
        "a,flag,,maybe,",  # 7 wrong type
        "a,choice,,Medium,",  # 8 not an option
        "a,drift,Pass,,",  # 9 duplicate of row 2
        "id-b,m,Pass,,",  # 10 ok: by id
        "b,m,Fail,,",  # 11 duplicate of row 10 (same asset by name)
        "bare,m,Pass,,",  # 12 no QC
        "a,flag,,,",  # 13 nothing to change
        ",drift,Pass,,",  # 14 no asset
    ))
    checked = check_rows(portal.store, rows)
    verdicts = {row.row_no: row.error for row in checked.rows}
    assert {n for n, error in verdicts.items() if error is None} == {2, 3, 10}
    assert "unknown asset 'nope'" in verdicts[4]
    assert "has no metric 'nope'" in verdicts[5]
    assert "invalid status 'Great'" in verdicts[6]
    assert "not true or false" in verdicts[7]
    assert "not one of the options" in verdicts[8]
    assert verdicts[9] == verdicts[11].replace("10", "2") == "duplicate row: row 2 already changes this metric"
    assert "no QC metrics" in verdicts[12]
    assert "nothing to change" in verdicts[13]
    assert "required" in verdicts[14]
    assert checked.summary() == "3 rows valid, 10 with errors"
    first = checked.rows[0]
    assert (first.status, first.value, first.comment) == ("Fail", 2.5, "too much drift")
    assert checked.rows[1].value == "relabelled" and checked.rows[1].status is None
    assert checked.plan == [portal.store.get("a").id, "id-b"]


@pytest.mark.parametrize(("text", "current", "expected"), [
    ("3", 1.5, 3), ("3.25", 1, 3.25), ("-1e3", 0, -1000.0), ("yes", True, True), ("0", False, False),
    ("High", DROPDOWN, "High"), ("a; b", {"value": [], "options": ["a", "b"], "type": "checkbox"}, ["a", "b"]),
    ('{"x": [1]}', {"x": [2]}, {"x": [1]}), ("[1, 2]", None, [1, 2]), ("plain words", None, "plain words"),
    (7, "text", "7"), (7, 1.0, 7),
])
def test_values_are_read_in_the_metrics_type(text, current, expected):
    assert parse_value(text, current) == expected


@pytest.mark.parametrize(("text", "current"), [("high", 1.0), ("maybe", True), ("{oops", {"x": 1})])
def test_values_of_the_wrong_type_are_refused(text, current):
    with pytest.raises(InvalidInput):
        parse_value(text, current)


# -- applying ------------------------------------------------------------------------------


def test_exactly_the_valid_rows_are_applied_as_the_uploader(app, portal, ada):
    content = _csv("a,drift,Fail,2.5,too much", "a,choice,,High,", "a,label,Wrong,,", "id-b,m,pass,,fine now")
    with app.server.test_request_context():
        upload = apply.submit(portal, ada, "batch.csv", content)
    assert upload.done and (upload.n_rows, upload.n_valid, upload.n_errors) == (4, 3, 1)
    assert (upload.n_applied, upload.n_failed) == (3, 1)
    qc = {m["name"]: m for m in portal.store.get("a").record["quality_control"]["metrics"]}
    assert qc["drift"]["value"] == 2.5 and qc["drift"]["status_history"][-1]["evaluator"] == "Ada Lovelace"
    assert qc["choice"]["value"]["value"] == "High" and qc["choice"]["status_history"][-1]["status"] == "Fail"
    assert qc["label"]["status_history"][-1]["evaluator"] == "Automated"  # its row was refused
    assert portal.store.get("a").version == 2  # one atomic write for the asset's rows
    b = portal.store.get("b").record["quality_control"]["metrics"][0]["status_history"][-1]
    assert (b["evaluator"], b["status"]) == ("Ada Lovelace", "Pass")
    outcomes = {row.row_no: (row.outcome, row.message) for row in apply.records(portal).rows(upload.id)}
    assert outcomes[2] == ("applied", "saved as version 2") and outcomes[5][0] == "applied"
    assert outcomes[4] == ("not applied", "invalid status 'Wrong': use Pass, Fail or Pending")
    comment = [e for e in portal.store.audit_log(asset="b") if e.action == "annotate"][0]
    assert {"metric": "m", "key": "m [ecephys, Raw data]", "field": "comment", "old": None,
            "new": "fine now"} in comment.detail["changes"]


def test_an_asset_whose_rows_fail_at_apply_time_is_left_untouched(app, portal, ada):
    content = _csv("a,drift,Fail,,", "a,label,Fail,,", "id-b,m,Pass,,")
    checked = check_rows(portal.store, read_upload("x.csv", content))
    upload = apply.records(portal).save(ada, "x.csv", checked)
    # Between the check and the apply, the pipeline re-ingests `a` without `label`.
    portal.store.upsert_many([record("a", metrics=[metric("drift", "Pending", value=1.5)])])
    version = portal.store.get("a").version
    with app.server.test_request_context():
        done = apply.apply_more(portal, ada, upload.id)
    assert done.done and (done.n_applied, done.n_failed) == (1, 2)
    assert portal.store.get("a").version == version  # neither of a's rows landed
    rows = {r.row_no: r for r in apply.records(portal).rows(upload.id)}
    assert rows[2].outcome == rows[3].outcome == "not applied" and "does not exist" in rows[3].message
    assert rows[4].outcome == "applied"


def test_claims_never_hand_out_an_asset_twice(portal, ada):
    checked = check_rows(portal.store, read_upload("x.csv", _csv("a,drift,Fail,,", "id-b,m,Pass,,")))
    store = apply.records(portal)
    upload = store.save(ada, "x.csv", checked)
    stale = store.get(upload.id)
    assert store.claim(stale) == checked.plan[0]
    assert store.claim(stale) == checked.plan[1]  # the stale cursor is moved past, not reused
    assert store.claim(stale) is None


def test_only_the_uploader_or_an_admin_applies_an_upload(app, portal, ada):
    checked = check_rows(portal.store, read_upload("x.csv", _csv("a,drift,Fail,,")))
    upload = apply.records(portal).save(ada, "x.csv", checked)
    bob = User(portal.users.add("bob", "annotator", "correct horse battery"))
    with app.server.test_request_context(), pytest.raises(Forbidden):
        apply.apply_more(portal, bob, upload.id)
    boss = User(portal.users.add("boss", "admin", "correct horse battery"))
    with app.server.test_request_context():
        assert apply.apply_more(portal, boss, upload.id).done


def test_recent_uploads_list_who_when_and_counts(app, portal, ada):
    with app.server.test_request_context():
        apply.submit(portal, ada, "first.csv", _csv("a,drift,Fail,,"))
        apply.submit(portal, ada, "second.csv", _csv("a,nope,Fail,,", "b,m,Pass,,"))
    recent = apply.records(portal).recent()
    assert [(u.filename, u.user_display, u.n_rows, u.n_applied, u.n_failed) for u in recent] == [
        ("second.csv", "Ada Lovelace", 2, 1, 1), ("first.csv", "Ada Lovelace", 1, 1, 0)]
    assert all(u.created_at.tzinfo is not None for u in recent)


def test_stored_values_keep_unset_apart_from_null(portal, ada):
    checked = check_rows(portal.store, read_upload("x.csv", _csv("a,drift,Fail,,", 'a,label,,"""null""",')))
    assert checked.rows[0].value is UNSET
    upload = apply.records(portal).save(ada, "x.csv", checked)
    edits = apply.records(portal).edits(upload.id, checked.plan[0])
    assert edits[0]["value"] is None and edits[1]["value"] == {"v": '"null"'}


def test_rows_name_one_of_several_same_named_metrics(app, portal, ada):
    twin = metric("N002 Sample coordinates", "Pending", mod="SPIM", stage="Processing", value=1)
    portal.store.upsert_many([record("probes", modalities=("ecephys", "SPIM"), metrics=[
        metric("Drift", "Pending", tags={"probe": "ProbeA"}), metric("Drift", "Pending", tags={"probe": "ProbeB"}),
        twin, dict(twin)])])
    content = (b"asset,metric,status,modality,stage,tags,occurrence\n"
               b"probes,Drift,Fail,,,,\n"  # two match: not applied
               b"probes,Drift,Fail,ecephys,Raw data,probe=ProbeB,\n"
               b"probes,N002 Sample coordinates,Pass,,,,2\n"
               b"probes,Drift,Pass,,,probe=ProbeB,\n"  # the same metric as row 3: a duplicate
               b"probes,Drift,Pass,,,probe,\n")
    verdicts = [row.error for row in check_rows(portal.store, read_upload("rows.csv", content)).rows]
    assert verdicts[0].startswith("ambiguous metric: 2 match")
    assert verdicts[1] is None and verdicts[2] is None
    assert verdicts[3].startswith("duplicate row: row 3")
    assert "key=value" in verdicts[4]
    upload = apply.submit(portal, ada, "rows.csv", content)
    assert (upload.n_applied, upload.n_failed) == (2, 3)
    metrics = portal.store.get("probes").record["quality_control"]["metrics"]
    assert [m["status_history"][-1]["status"] for m in metrics] == ["Pending", "Fail", "Pending", "Pass"]
