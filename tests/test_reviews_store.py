"""Fail reasons and assignments on the SQL store (SQLite and PostgreSQL): reasons stored with
the status entry they explain, a required reason refused, assignment progress against an
independent count from the documents, deleted assets left out."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.accounts.auth import User
from portal.accounts.users import UserStore
from portal.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal.qc import load_qc, metric_status
from portal.qc.identity import MetricIndex
from portal.review import annotation_service, assignments, reasons
from portal.store.protocol import Annotation, MetricEdit
from portal.store.sql.engine import make_engine
from portal.store.sql.review_tables import review_entries
from portal.store.sql.store import SqlAssetStore
from tests.records import metric, record

_names = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def portal(request, tmp_path):
    """A store, its user accounts and the settings the annotation service reads."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / f'reviews{next(_names)}.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    store = SqlAssetStore(engine)
    users = UserStore(engine)
    yield SimpleNamespace(store=store, users=users, settings=SimpleNamespace(max_changes=5000))
    engine.dispose()


def _user(portal, name: str, role: str) -> User:
    return User(portal.users.add(name, role, "pw-" + name * 3, display_name=name.title()))


def _seed(portal, n: int = 3, project: str = "Alpha"):
    recs = [record(f"asset_{project}_{i}", project=project, acquired=f"2025-01-0{i + 1}T00:00:00+00:00",
                   metrics=[metric("drift", "Pending"), metric("noise", "Pending", tags={"probe": "A"}),
                            metric("noise", "Pending", tags={"probe": "B"}), metric("done", "Pass")])
            for i in range(n)]
    portal.store.upsert_many(recs)
    return [r["name"] for r in recs]


def _keys(portal, name: str) -> list[str]:
    return MetricIndex(load_qc(portal.store.get(name).record["quality_control"]).metrics).keys


def _annotate(portal, user, name: str, *edits: MetricEdit):
    stored = portal.store.get(name)
    return annotation_service.submit(portal, user, Annotation(stored.id, stored.version, tuple(edits)))


def test_a_reason_is_kept_with_its_status_entry(portal):
    ada = _user(portal, "ada", "annotator")
    admin = _user(portal, "root", "admin")
    (name, *_) = _seed(portal)
    reasons.set_project_reasons(portal.store, admin, "Alpha", ["Drift too high", "  Noisy   channel "])
    assert reasons.project_reasons(portal.store, "Alpha") == ["Drift too high", "Noisy channel"]
    key = _keys(portal, name)[0]
    result = _annotate(portal, ada, name, MetricEdit(key=key, status="Fail", reason="Drift too high",
                                                     comment="see shank 2"))
    assert result.applied
    entry = load_qc(portal.store.get(name).record["quality_control"]).metrics[0].status_history[-1]
    kept = reasons.explained(portal.store, portal.store.get(name).id)
    assert len(kept) == 1
    assert (kept[0].metric_key, kept[0].evaluator, kept[0].status, kept[0].reason, kept[0].comment) == (
        key, "Ada", "Fail", "Drift too high", "see shank 2")
    assert reasons.entry_key(key, entry.evaluator, "Fail", entry.timestamp) in reasons.notes_by_entry(kept)
    # Never inside the document.
    assert "Drift too high" not in str(portal.store.get(name).record)
    assert reasons.top_fail_reasons(portal.store, "Alpha") == [("Drift too high", 1)]


def test_a_fail_without_a_required_reason_is_refused_and_nothing_is_written(portal):
    ada = _user(portal, "ada", "annotator")
    admin = _user(portal, "root", "admin")
    (name, *_) = _seed(portal)
    keys = _keys(portal, name)
    # No reasons listed: a Fail needs none.
    assert _annotate(portal, ada, name, MetricEdit(key=keys[0], status="Fail")).applied
    reasons.set_project_reasons(portal.store, admin, "Alpha", ["Drift too high"])
    version = portal.store.get(name).version
    with pytest.raises(InvalidInput, match="asks for a reason"):
        _annotate(portal, ada, name, MetricEdit(key=keys[1], status="Pass"), MetricEdit(key=keys[2], status="Fail"))
    with pytest.raises(InvalidInput, match="not one of"):
        _annotate(portal, ada, name, MetricEdit(key=keys[2], status="Fail", reason="Made up"))
    with pytest.raises(InvalidInput, match="explains a Fail"):
        _annotate(portal, ada, name, MetricEdit(key=keys[2], status="Pass", reason="Drift too high"))
    assert portal.store.get(name).version == version  # nothing of those was written
    assert _annotate(portal, ada, name, MetricEdit(key=keys[2], status="Pass")).applied  # a Pass needs none


def test_only_admins_edit_reasons_and_bad_lists_change_nothing(portal):
    ada = _user(portal, "ada", "annotator")
    admin = _user(portal, "root", "admin")
    _seed(portal)
    with pytest.raises(Forbidden):
        reasons.set_project_reasons(portal.store, ada, "Alpha", ["x"])
    reasons.set_project_reasons(portal.store, admin, "Alpha", ["a", "b"])
    for bad in (["a", "A"], [""], ["x" * 201], "a,b", [1]):
        with pytest.raises(InvalidInput):
            reasons.set_project_reasons(portal.store, admin, "Alpha", bad)
    with pytest.raises(NotFound):
        reasons.set_project_reasons(portal.store, admin, "No such project", ["a"])
    assert reasons.project_reasons(portal.store, "Alpha") == ["a", "b"]
    reasons.set_project_reasons(portal.store, admin, "Alpha", [])
    assert reasons.project_reasons(portal.store, "Alpha") == []


def _oracle(portal, names, created_at, pending_keys):
    """Reviewed count and per-evaluator counts recomputed from the documents themselves."""
    reviewed, by = 0, {}
    for name in names:
        stored = portal.store.get(name)
        if stored is None:
            continue  # deleted
        qc = load_qc(stored.record["quality_control"])
        keys = MetricIndex(qc.metrics).keys
        for position, m in enumerate(qc.metrics):
            if (name, keys[position]) not in pending_keys:
                continue
            later = {e.evaluator for e in m.status_history
                     if e.timestamp >= created_at and getattr(e.status, "value", e.status) in ("Pass", "Fail")}
            reviewed += bool(later)
            for who in later:
                by[who] = by.get(who, 0) + 1
    return reviewed, by


def test_assignment_progress_matches_the_documents_and_leaves_deleted_assets_out(portal):
    ada, bob = _user(portal, "ada", "annotator"), _user(portal, "bob", "annotator")
    admin = _user(portal, "root", "admin")
    names = _seed(portal, 3)
    _seed(portal, 1, project="Beta")  # not matched by the filters
    pending = {(n, k) for n in names for k in _keys(portal, n)[:3]}
    with pytest.raises(Forbidden):
        assignments.create(portal, ada, "Alpha sweep", "project=Alpha", ["ada"])
    with pytest.raises(InvalidInput, match="no such account"):
        assignments.create(portal, admin, "Alpha sweep", "project=Alpha", ["nobody"])
    with pytest.raises(InvalidInput, match="filters"):
        assignments.create(portal, admin, "Alpha sweep", "project=Alpha&colour=red", ["ada"])
    made = assignments.create(portal, admin, "Alpha sweep", "?project=Alpha", ["ada", "bob"])
    assert made.progress.total == 9 and made.progress.reviewed == 0
    assert assignments.assignment_filters(portal.store, made.id) == "project=Alpha"
    assert assignments.open_count(portal.store, "ada") == 1 and assignments.open_count(portal.store, "root") == 0

    keys0, keys1 = _keys(portal, names[0]), _keys(portal, names[1])
    _annotate(portal, ada, names[0], MetricEdit(key=keys0[0], status="Pass"), MetricEdit(key=keys0[1], status="Fail"),
              MetricEdit(key=keys0[3], status="Fail"))  # "done" was not Pending: not covered
    _annotate(portal, bob, names[0], MetricEdit(key=keys0[0], status="Fail"))  # decided again, by another
    _annotate(portal, bob, names[1], MetricEdit(key=keys1[2], status="Pending"))  # not a decision
    _annotate(portal, bob, names[2], MetricEdit(key=_keys(portal, names[2])[2], status="Pass"))

    got = assignments.get(portal, ada, made.id).progress
    reviewed, by = _oracle(portal, names, made.row.created_at, pending)
    assert (got.reviewed, dict(got.by)) == (reviewed, by) == (3, {"Ada": 2, "Bob": 2})
    assert got.total == 9

    portal.store.delete_asset(names[2], user="root")
    got = assignments.get(portal, admin, made.id).progress
    reviewed, by = _oracle(portal, names, made.row.created_at, pending)
    assert (got.total, got.reviewed, dict(got.by)) == (6, reviewed, by) == (6, 2, {"Ada": 2, "Bob": 1})

    # Reviewers see only theirs; closing ends it for the queue.
    carl = _user(portal, "carl", "annotator")
    assert assignments.listing(portal, carl) == []
    with pytest.raises(NotFound):
        assignments.get(portal, carl, made.id)
    assert [a.id for a in assignments.listing(portal, bob)] == [made.id]
    with pytest.raises(Forbidden):
        assignments.close(portal, bob, made.id)
    closed = assignments.close(portal, admin, made.id)
    assert not closed.row.is_open and closed.row.closed_by == "root"
    with pytest.raises(Conflict):
        assignments.close(portal, admin, made.id)
    with pytest.raises(Conflict, match="closed"):
        assignments.assignment_filters(portal.store, made.id)
    with pytest.raises(NotFound):
        assignments.assignment_filters(portal.store, 9999)
    assert assignments.open_count(portal.store, "ada") == 0


def test_every_status_entry_written_through_the_service_is_recorded(portal):
    ada = _user(portal, "ada", "annotator")
    names = _seed(portal, 1)
    keys = _keys(portal, names[0])
    _annotate(portal, ada, names[0], *(MetricEdit(key=k, status="Pass") for k in keys[:3]))
    with portal.store.engine.connect() as connection:
        rows = connection.execute(select(review_entries.c.metric_key, review_entries.c.status,
                                         review_entries.c.account)).all()
    assert sorted(rows) == sorted((k, "Pass", "ada") for k in keys[:3])
    qc = load_qc(portal.store.get(names[0]).record["quality_control"])
    assert [metric_status(m) for m in qc.metrics[:3]] == ["Pass"] * 3
