"""Fail reasons and assignments with the DocDB store: kept in its SQL bookkeeping database."""

from __future__ import annotations

from portal.accounts.auth import User
from portal.accounts.users import UserStore
from portal.qc import load_qc
from portal.qc.identity import MetricIndex
from portal.review import assignments, reasons
from portal.store.protocol import Actor, Annotation, MetricEdit
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record


def test_reasons_and_progress_live_in_the_bookkeeping_database(store):
    from types import SimpleNamespace

    store.upsert_many([record("d1", project="Alpha", metrics=[metric("x", "Pending"), metric("y", "Pending")])])
    users = UserStore(store.engine)
    admin = User(users.add("root", "admin", "pw-rootrootroot", display_name="Root"))
    users.add("ada", "annotator", "pw-adaadaada", display_name="Ada")
    portal = SimpleNamespace(store=store, users=users)
    reasons.set_project_reasons(store, admin, "Alpha", ["Drift"])
    made = assignments.create(portal, admin, "sweep", "project=Alpha", ["ada"])
    assert made.progress.total == 2
    stored = store.get("d1")
    key = MetricIndex(load_qc(stored.record["quality_control"]).metrics).keys[0]
    edit = MetricEdit(key=key, status="Fail", reason="Drift")
    result = store.annotate(Annotation(stored.id, stored.version, (edit,)), user=Actor("ada", "Ada"))
    assert result.applied
    (kept,) = reasons.explained(store, stored.id)
    assert (kept.metric_key, kept.reason, kept.evaluator) == (key, "Drift", "Ada")
    assert reasons.top_fail_reasons(store, "Alpha") == [("Drift", 1)]
    got = assignments.get(portal, admin, made.id).progress
    assert (got.total, got.reviewed, got.by) == (2, 1, (("Ada", 1),))
