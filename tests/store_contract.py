"""The asset-store contract: every backend runs these tests (subclass with a `store` fixture).

The oracle for counts and filters is computed in Python from the records the test
wrote, never copied from the store's own answer.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from portal.errors import InvalidInput, NotFound
from portal.review.metrics_merge import read_payload
from portal.store.protocol import Actor, Annotation, AssetQuery, MetricEdit, Sort
from tests.identity_contract import IdentityContract
from tests.records import metric, record

# Service accounts (the pipeline role): they may push entries under evaluators other than their own name.
PIPELINE = Actor("pipeline", "pipeline", service=True)
BOT = Actor("bot", "Bot", service=True)


def _seed(store):
    recs = [
        record("ecephys_1_2025-01-01", project="Alpha", modalities=("ecephys",), subject="1",
               acquired="2025-01-01T10:00:00+00:00",
               metrics=[metric("a", "Pass"), metric("b", "Fail"), metric("c", "Pending")]),
        record("ecephys_2_2025-02-01", project="Alpha", modalities=("ecephys", "behavior"), subject="2",
               acquired="2025-02-01T10:00:00+00:00",
               metrics=[metric("a", "Pass"), metric("v", "Pending", mod="behavior")]),
        record("behavior_3_2025-03-01", project="Beta", modalities=("behavior",), subject="3",
               acquired="2025-03-01T10:00:00+00:00", metrics=[metric("x", "Pass", mod="behavior")]),
        record("behavior_3_2025-03-01_processed", project="Beta", modalities=("behavior",), subject="3",
               acquired="2025-03-01T10:00:00+00:00", level="derived", source=["behavior_3_2025-03-01"],
               metrics=[metric("y", "Fail", mod="behavior", stage="Processing")]),
        record("pophys_4_100%_done", project="Gamma", modalities=("pophys",), subject="4",
               acquired="2025-04-01T10:00:00+00:00", qc=False),
    ]
    results = store.upsert_many(recs)
    assert [r.action for r in results] == ["created"] * 5
    return recs


def _recount(store, recs) -> tuple[Counter, Counter]:
    """The oracle: (project, modality, modality status) and overall-status counts recomputed
    in Python from each asset's summary, never from the store's own counts."""
    per_modality, totals = Counter(), Counter()
    for rec in recs:
        summary = store.get(rec["name"]).summary
        totals[summary.overall_status] += 1
        per_modality_status = dict(summary.status.modality) if summary.status else {}
        for m in summary.modalities:
            per_modality[(summary.project, m, per_modality_status.get(m, summary.overall_status))] += 1
    return per_modality, totals


class StoreContract(IdentityContract):
    """Behaviour every AssetStore must have."""

    def test_upsert_then_get_by_name_and_id(self, store):
        store.upsert_many([record("asset-1", _id="id-1", metrics=[metric("m", "Fail")])])
        by_name = store.get("asset-1")
        by_id = store.get("id-1")
        assert by_name is not None and by_id is not None
        assert by_name.id == by_id.id == "id-1"
        assert by_name.version == 1
        assert by_name.summary.overall_status == "Fail"
        assert by_name.record["quality_control"]["metrics"][0]["name"] == "m"
        assert store.get("nope") is None

    def test_project_of_by_name_and_id_and_none_without(self, store):
        with_project = record("a", project="  Dynamic Routing ")
        without = record("b")
        without["data_description"].pop("project_name", None)
        store.upsert_many([with_project, without])
        a = store.get("a")
        assert store.project_of("a") == store.project_of(a.id) == a.summary.project == "Dynamic Routing"
        assert not store.project_of("b") and not store.get("b").summary.project
        assert store.project_of("nobody") is None

    def test_reupsert_unchanged_then_changed(self, store):
        rec = record("asset-1", metrics=[metric("m", "Pending")])
        assert store.upsert_many([rec])[0].action == "created"
        assert store.upsert_many([rec])[0].action == "unchanged"
        changed = record("asset-1", metrics=[metric("m", "Pass", timestamp="2025-02-02T00:00:00+00:00")])
        assert store.upsert_many([changed])[0].action == "updated"
        got = store.get("asset-1")
        assert got.version == 2
        assert got.summary.overall_status == "Pass"
        # The file's history is merged with what was stored, not replaced.
        assert len(got.record["quality_control"]["metrics"][0]["status_history"]) == 2

    def test_a_dry_run_says_what_would_happen_and_writes_nothing(self, store):
        store.upsert_many([record("kept", metrics=[metric("m", "Pending")])])
        audit = len(store.audit_log(limit=1000))
        changed = record("kept", metrics=[metric("m", "Pass", timestamp="2025-02-02T00:00:00+00:00")])
        results = store.upsert_many([changed, record("new one"), {"no": "name"}], dry_run=True)
        assert [r.action for r in results] == ["updated", "created", "error"], results
        kept = store.get("kept")
        assert kept.version == 1 and kept.summary.overall_status == "Pending"
        assert store.get("new one") is None and len(store.audit_log(limit=1000)) == audit
        # What the dry run said is what the ingest then does.
        assert [r.action for r in store.upsert_many([changed, record("new one")])] == ["updated", "created"]

    def test_same_asset_twice_in_one_batch(self, store):
        first = record("twice", metrics=[metric("m", "Pending")])
        second = record("twice", metrics=[metric("m", "Pass", timestamp="2025-03-03T00:00:00+00:00")])
        assert [r.action for r in store.upsert_many([first, second])] == ["created", "updated"]
        got = store.get("twice")
        assert got.version == 2 and got.summary.overall_status == "Pass"

    def test_record_without_name_and_duplicate_name_with_other_id(self, store):
        store.upsert_many([record("dup", _id="first", metrics=[metric("m", "Pass")])])
        bad = {"data_description": {"project_name": "x"}}
        results = store.upsert_many([bad, record("dup", _id="second", metrics=[metric("m", "Fail")])])
        assert results[0].action == "error" and "no asset name" in results[0].error
        assert results[1].action == "error" and "already exists with id first" in results[1].error
        kept = store.get("dup")
        assert kept.id == "first" and kept.summary.overall_status == "Pass"

    def test_strict_refuses_unreadable_qc_and_keeps_stored(self, store):
        store.upsert_many([record("a", metrics=[metric("m", "Pass")])])
        broken = record("a", qc={"metrics": [{"name": "m", "status_history": []}]})
        result = store.upsert_many([broken], strict=True)[0]
        assert result.action == "error" and "cannot be read" in result.error
        assert store.get("a").summary.overall_status == "Pass"
        lenient = store.upsert_many([record("b", qc={"metrics": "oops"})])[0]
        assert lenient.action == "created"
        assert store.get("b").summary.overall_status == "Unreadable"

    def test_filters_each_and_combined(self, store):
        recs = _seed(store)
        names = {r["name"] for r in recs}

        def listed(**kw):
            return {row.name for row in store.list_assets(AssetQuery(**kw), limit=100).rows}

        assert listed() == names
        assert listed(project=("Alpha",)) == {"ecephys_1_2025-01-01", "ecephys_2_2025-02-01"}
        assert listed(modality=("behavior",)) == {
            "ecephys_2_2025-02-01", "behavior_3_2025-03-01", "behavior_3_2025-03-01_processed"}
        assert listed(subject=("3",)) == {"behavior_3_2025-03-01", "behavior_3_2025-03-01_processed"}
        assert listed(status=("Fail",)) == {"ecephys_1_2025-01-01", "behavior_3_2025-03-01_processed"}
        assert listed(status=("No QC",)) == {"pophys_4_100%_done"}
        assert listed(level=("derived",)) == {"behavior_3_2025-03-01_processed"}
        assert listed(acquired_from=date(2025, 2, 1), acquired_to=date(2025, 3, 1)) == {
            "ecephys_2_2025-02-01", "behavior_3_2025-03-01", "behavior_3_2025-03-01_processed"}
        assert listed(acquired_to=date.max) == names  # the last representable day is no error
        assert listed(text="PROCESSED") == {"behavior_3_2025-03-01_processed"}
        # LIKE wildcards in the search text are literal.
        assert listed(text="100%") == {"pophys_4_100%_done"}
        assert listed(text="_2025-0_") == set()
        assert listed(project=("Alpha", "Beta"), status=("Pending",)) == {"ecephys_2_2025-02-01"}

    def test_sort_and_pages_are_disjoint_and_complete(self, store):
        _seed(store)
        for field in ("name", "acquired", "project", "status", "pending", "fail", "subject_id", "level",
                      "last_review"):
            for descending in (False, True):
                sort = Sort(field, descending)
                pages = [store.list_assets(AssetQuery(), sort, offset, 2) for offset in (0, 2, 4)]
                names = [row.name for page in pages for row in page.rows]
                assert len(names) == len(set(names)) == 5, (field, descending)
                assert all(page.total == 5 for page in pages)
        by_acquired = [r.name for r in store.list_assets(AssetQuery(), Sort("acquired", False)).rows]
        assert by_acquired[0] == "ecephys_1_2025-01-01" and by_acquired[-1] == "pophys_4_100%_done"
        by_fail = store.list_assets(AssetQuery(), Sort("fail", True)).rows
        assert [r.failed for r in by_fail] == sorted((r.failed for r in by_fail), reverse=True)
        with pytest.raises(InvalidInput):
            store.list_assets(AssetQuery(), Sort("document", False))

    def test_rows_carry_summary_columns(self, store):
        _seed(store)
        row = store.list_assets(AssetQuery(text="ecephys_2")).rows[0]
        assert (row.project, row.subject_id, row.level) == ("Alpha", "2", "raw")
        assert row.acquired == datetime(2025, 2, 1, 10, tzinfo=UTC)
        assert set(row.modalities) == {"ecephys", "behavior"}
        assert row.modality_status == {"ecephys": "Pass", "behavior": "Pending"}
        assert (row.total, row.passed, row.failed, row.pending) == (2, 1, 0, 1)
        derived = store.list_assets(AssetQuery(level=("derived",))).rows[0]
        assert derived.source == "behavior_3_2025-03-01"

    def test_counts_match_python_oracle(self, store):
        recs = _seed(store)
        expected, _totals = _recount(store, recs)
        got = Counter({(r.project, r.modality, r.status): r.n for r in store.counts(AssetQuery())})
        assert got == expected
        alpha = {(r.modality, r.status): r.n for r in store.counts(AssetQuery(project=("Alpha",)))}
        assert alpha == {("ecephys", "Fail"): 1, ("ecephys", "Pass"): 1, ("behavior", "Pending"): 1}
        only_behavior = store.counts(AssetQuery(modality=("behavior",)))
        assert {r.modality for r in only_behavior} == {"behavior"}
        assert store.status_totals(AssetQuery()) == {"Fail": 2, "Pending": 1, "Pass": 1, "No QC": 1}

    def test_counts_stay_exact_through_annotations_and_reingests(self, store):
        """Pre-aggregated counts must equal a recount from the documents after every kind of write."""
        recs = _seed(store)

        def check():
            expected, totals = _recount(store, recs)
            got = Counter({(r.project, r.modality, r.status): r.n for r in store.counts(AssetQuery())})
            assert got == expected
            assert store.status_totals(AssetQuery()) == {k: v for k, v in totals.items() if v}
            alpha = sum(n for (p, _m, _s), n in expected.items() if p == "Alpha")
            assert sum(r.n for r in store.counts(AssetQuery(project=("Alpha",)))) == alpha

        store.annotate(Annotation("ecephys_1_2025-01-01", 1, (MetricEdit("b", "Pass"), MetricEdit("c", "Pass"))),
                       user="Ada")
        check()
        store.annotate(Annotation("ecephys_2_2025-02-01", 1, (MetricEdit("v", "Fail"),)), user="Ada")
        check()
        # Re-ingest with another project and level, then with unreadable QC (lenient), then no QC.
        moved = record("behavior_3_2025-03-01", project="Delta", modalities=("behavior", "fib"), level="derived",
                       metrics=[metric("x", "Pending", mod="fib")])
        recs[2] = moved
        store.upsert_many([moved])
        check()
        broken = record("pophys_4_100%_done", project="Gamma", modalities=("pophys",), qc={"metrics": "oops"})
        recs[4] = broken
        store.upsert_many([broken])
        check()
        assert store.status_totals(AssetQuery(modality=("behavior",))) == Counter(
            store.get(r["name"]).summary.overall_status for r in recs
            if "behavior" in store.get(r["name"]).summary.modalities)
        delta = store.get("behavior_3_2025-03-01").summary
        assert (delta.project, delta.level) == ("Delta", "derived")
        assert store.status_totals(AssetQuery(project=("Delta",), level=("derived",))) == {delta.overall_status: 1}
        assert store.status_totals(AssetQuery(project=("Beta",), level=("raw",))) == {}

    def test_facets(self, store):
        _seed(store)
        facets = store.facets()
        assert list(facets["project"]) == ["Alpha", "Beta", "Gamma"]
        assert set(facets["modality"]) == {"ecephys", "behavior", "pophys"}
        assert list(facets["level"]) == ["derived", "raw"]
        assert list(facets["subject"]) == ["1", "2", "3", "4"]

    def test_iter_assets_streams_everything_matching(self, store):
        _seed(store)
        names = [row.name for row in store.iter_assets(AssetQuery(project=("Alpha", "Beta")), batch=2)]
        assert len(names) == 4

    def test_annotate_appends_status_with_user_and_utc_time(self, store):
        store.upsert_many([record("a", metrics=[metric("m1", "Pending"), metric("m2", "Pass")])])
        before = datetime.now(UTC)
        result = store.annotate(Annotation("a", 1, (MetricEdit("m1", status="Fail", seen_history=1),)), user="Ada")
        assert result.applied and result.version == 2
        got = store.get("a")
        history = got.record["quality_control"]["metrics"][0]["status_history"]
        assert [h["status"] for h in history] == ["Pending", "Fail"]
        assert history[-1]["evaluator"] == "Ada"
        stamped = datetime.fromisoformat(history[-1]["timestamp"])
        assert stamped.utcoffset().total_seconds() == 0 and stamped >= before.replace(microsecond=0)
        assert got.summary.overall_status == "Fail"
        row = store.list_assets(AssetQuery(text="a")).rows[0]
        assert (row.failed, row.pending, row.last_review_by) == (1, 0, "Ada")
        assert store.status_totals(AssetQuery()) == {"Fail": 1}
        audit = store.audit_log(asset="a")
        assert audit[0].user == "Ada" and audit[0].action == "annotate"
        assert audit[0].detail["changes"][0] == {"metric": "m1", "key": "m1 [ecephys, Raw data]", "field": "status",
                                                 "old": "Pending", "new": "Fail"}

    def test_concurrent_edits_of_different_metrics_both_land(self, store):
        store.upsert_many([record("a", metrics=[metric("m1", "Pending"), metric("m2", "Pending")])])
        assert store.annotate(Annotation("a", 1, (MetricEdit("m1", "Pass", seen_history=1),)), user="Ada").applied
        second = store.annotate(Annotation("a", 1, (MetricEdit("m2", "Fail", seen_history=1),)), user="Bob")
        assert second.applied and second.version == 3
        statuses = {m["name"]: m["status_history"][-1] for m in store.get("a").record["quality_control"]["metrics"]}
        assert statuses["m1"]["evaluator"] == "Ada" and statuses["m2"]["evaluator"] == "Bob"

    def test_same_metric_conflict_is_reported_then_force_keeps_both(self, store):
        store.upsert_many([record("a", metrics=[metric("m1", "Pending")])])
        store.annotate(Annotation("a", 1, (MetricEdit("m1", "Fail", seen_history=1),)), user="Ada")
        stale = Annotation("a", 1, (MetricEdit("m1", "Pass", seen_history=1),))
        result = store.annotate(stale, user="Bob")
        assert not result.applied and result.version == 2
        (conflict,) = result.conflicts
        assert conflict.metric == "m1" and conflict.field == "status"
        assert conflict.theirs[0]["evaluator"] == "Ada" and conflict.theirs[0]["status"] == "Fail"
        assert store.get("a").version == 2  # nothing written
        forced = store.annotate(Annotation("a", 2, (MetricEdit("m1", "Pass", seen_history=2),)), user="Bob")
        assert forced.applied
        history = store.get("a").record["quality_control"]["metrics"][0]["status_history"]
        assert [(h["evaluator"], h["status"]) for h in history] == [
            ("Automated", "Pending"), ("Ada", "Fail"), ("Bob", "Pass")]

    def test_value_edit_conflict_and_type_check(self, store):
        store.upsert_many([record("a", metrics=[metric("n", "Pending", value=3)])])
        with pytest.raises(InvalidInput, match="expected a number"):
            store.annotate(Annotation("a", 1, (MetricEdit("n", value="three", seen_value=3),)), user="Ada")
        assert store.get("a").version == 1
        ok = store.annotate(Annotation("a", 1, (MetricEdit("n", value=0, seen_value=3),)), user="Ada")
        assert ok.applied
        assert store.get("a").record["quality_control"]["metrics"][0]["value"] == 0
        late = store.annotate(Annotation("a", 1, (MetricEdit("n", value=5, seen_value=3),)), user="Bob")
        assert not late.applied and late.conflicts[0].theirs == 0

    def test_dropdown_choice_sets_status(self, store):
        dropdown = {"value": "", "options": ["Low", "High"], "status": ["Pass", "Fail"], "type": "dropdown"}
        store.upsert_many([record("a", metrics=[metric("drift", "Pending", value=dropdown)])])
        result = store.annotate(Annotation("a", 1, (MetricEdit("drift", value="High", seen_value=dropdown),)),
                                user="Ada")
        assert result.applied
        saved = store.get("a").record["quality_control"]["metrics"][0]
        assert saved["value"]["value"] == "High"
        assert saved["status_history"][-1]["status"] == "Fail"
        with pytest.raises(InvalidInput, match="not one of the options"):
            store.annotate(Annotation("a", 2, (MetricEdit("drift", value="Medium"),)), user="Ada")

    def test_unknown_metric_and_asset(self, store):
        store.upsert_many([record("a")])
        with pytest.raises(InvalidInput, match="does not exist"):
            store.annotate(Annotation("a", 1, (MetricEdit("zzz", "Pass"),)), user="Ada")
        with pytest.raises(InvalidInput, match="status must be"):
            store.annotate(Annotation("a", 1, (MetricEdit("a m1", "Great"),)), user="Ada")
        with pytest.raises(NotFound):
            store.annotate(Annotation("missing", 1, ()), user="Ada")

    def test_notes_edit_and_conflict(self, store):
        store.upsert_many([record("a", notes="first")])
        assert store.annotate(Annotation("a", 1, notes="second", seen_notes="first"), user="Ada").applied
        late = store.annotate(Annotation("a", 1, notes="third", seen_notes="first"), user="Bob")
        assert not late.applied and late.conflicts[0].field == "notes" and late.conflicts[0].theirs == "second"
        assert store.get("a").record["quality_control"]["notes"] == "second"

    def test_reingest_keeps_portal_edits(self, store):
        original = record("a", metrics=[metric("m1", "Pending"), metric("m2", "Pending", value=1.5)])
        store.upsert_many([original])
        store.annotate(
            Annotation("a", 1, (MetricEdit("m1", "Fail", seen_history=1), MetricEdit("m2", value=2.5)),
                       notes="looked at it", seen_notes=None),
            user="Ada",
        )
        # The pipeline writes the file again: new automated entries, its own value, no notes,
        # and m1 dropped from the file.
        rewritten = record("a", metrics=[metric("m2", "Pass", value=9.9, timestamp="2025-06-01T00:00:00+00:00")])
        assert store.upsert_many([rewritten])[0].action == "updated"
        qc = store.get("a").record["quality_control"]
        by_name = {m["name"]: m for m in qc["metrics"]}
        assert set(by_name) == {"m1", "m2"}
        assert by_name["m1"]["status_history"][-1]["evaluator"] == "Ada"
        assert by_name["m2"]["value"] == 2.5
        assert [h["status"] for h in by_name["m2"]["status_history"]] == ["Pending", "Pass"]
        assert qc["notes"] == "looked at it"

    def test_audit_log_filters(self, store):
        store.upsert_many([record("a"), record("b")], actor="loader")
        store.annotate(Annotation("b", 1, (MetricEdit("b m1", "Fail"),)), user="Ada")
        assert {e.asset_name for e in store.audit_log(user="loader")} == {"a", "b"}
        assert [e.action for e in store.audit_log(asset="b")] == ["annotate", "create"]
        assert [e.user for e in store.audit_log(user="Ada")] == ["Ada"]


    # -- add_metrics: pipelines pushing metrics (portal.review.metrics_merge) --------------------

    def test_add_metrics_to_an_asset_without_qc_creates_the_document(self, store):
        store.upsert_many([record("bare", qc=False)])
        result = store.add_metrics("bare", read_payload([metric("drift", "Fail")]), user=PIPELINE)
        assert (result.version, result.added, result.replaced) == (2, ("drift",), ())
        got = store.get("bare")
        assert got.version == 2 and got.summary.overall_status == "Fail"
        assert [m["name"] for m in got.record["quality_control"]["metrics"]] == ["drift"]
        row = store.list_assets(AssetQuery(text="bare")).rows[0]
        assert (row.status, row.failed, row.total) == ("Fail", 1, 1)
        assert store.status_totals(AssetQuery()) == {"Fail": 1}
        entry = store.audit_log(asset="bare")[0]
        assert (entry.user, entry.action) == ("pipeline", "add_metrics")
        assert entry.detail["changes"] == [{"metric": "drift", "key": "drift [ecephys, Raw data]", "field": "metric",
                                            "old": None, "new": "Fail"}]
        # Every entry new to the asset is listed with the account that pushed it.
        assert entry.detail["entries"] == [{"key": "drift [ecephys, Raw data]", "evaluator": "Automated",
                                            "status": "Fail", "timestamp": "2025-01-02T00:00:00+00:00"}]

    def test_add_metrics_replaces_by_name_and_keeps_every_status_entry(self, store):
        store.upsert_many([record("a", metrics=[metric("m1", "Pending", value=1), metric("m2", "Pass")])])
        store.annotate(Annotation("a", 1, (MetricEdit("m1", "Fail", seen_history=1),)), user="Ada")
        newer = metric("m1", "Pass", value=7, evaluator="pipeline v2", timestamp=datetime.now(UTC).isoformat())
        result = store.add_metrics("a", read_payload({"metrics": [newer, metric("m3", "Pending")]}), user=BOT)
        assert (result.version, result.added, result.replaced) == (3, ("m3",), ("m1",))
        qc = store.get("a").record["quality_control"]
        assert [m["name"] for m in qc["metrics"]] == ["m1", "m2", "m3"]  # replaced in place, new appended
        m1 = qc["metrics"][0]
        assert m1["value"] == 7
        assert [(h["evaluator"], h["status"]) for h in m1["status_history"]] == [
            ("Automated", "Pending"), ("Ada", "Fail"), ("pipeline v2", "Pass")]
        assert store.get("a").summary.overall_status == "Pending"  # m3
        # The same push again changes nothing (no new version, no audit entry).
        again = store.add_metrics("a", read_payload({"metrics": [newer, metric("m3", "Pending")]}), user=BOT)
        assert (again.version, again.added, again.replaced) == (3, (), ())
        assert [e.action for e in store.audit_log(asset="a")] == ["add_metrics", "annotate", "create"]

    def test_add_metrics_from_a_1x_evaluation_is_normalised(self, store):
        store.upsert_many([record("a", metrics=[metric("m1", "Pass")])])
        evaluation = {
            "modality": {"name": "Behavior", "abbreviation": "behavior"}, "stage": "Processing",
            "name": "Video QC", "allow_failed_metrics": True,
            "metrics": [{"name": "dropped frames", "value": 3, "status_history": [
                {"evaluator": "pipeline", "status": "Fail", "timestamp": "2025-01-05T00:00:00+00:00"}]}],
        }
        store.add_metrics("a", read_payload({"evaluation": evaluation}), user=BOT)
        got = store.get("a")
        added = got.record["quality_control"]["metrics"][1]
        assert added["modality"]["abbreviation"] == "behavior" and added["stage"] == "Processing"
        assert added["tags"] == {"evaluation": "Video QC"}
        assert got.record["quality_control"]["allow_tag_failures"] == ["evaluation:Video QC"]
        assert got.summary.overall_status == "Pass"  # the tolerated failure counts as Pass

    def test_add_metrics_refusals_write_nothing(self, store):
        store.upsert_many([record("a", metrics=[metric("m1", "Pass")]), record("broken", qc={"metrics": "x"})])
        with pytest.raises(NotFound):
            store.add_metrics("missing", read_payload([metric("x")]), user=BOT)
        with pytest.raises(InvalidInput, match="cannot be read"):
            store.add_metrics("broken", read_payload([metric("x")]), user=BOT)
        multi = metric("cross", stage="Multi-asset")  # Multi-asset needs evaluated_assets: the schema says no
        with pytest.raises(InvalidInput):
            store.add_metrics("a", read_payload([multi]), user=BOT)
        assert store.get("a").version == 1 and store.get("broken").record["quality_control"] == {"metrics": "x"}
        assert [e.action for e in store.audit_log(asset="a")] == ["create"]

    def test_pushed_metrics_survive_a_reingest_of_the_file(self, store):
        store.upsert_many([record("a", metrics=[metric("m1", "Pass")])])
        store.add_metrics("a", read_payload([metric("pushed", "Fail")]), user=BOT)
        rewritten = record("a", metrics=[metric("m1", "Fail", timestamp="2031-01-01T00:00:00+00:00")])
        assert store.upsert_many([rewritten])[0].action == "updated"
        names = [m["name"] for m in store.get("a").record["quality_control"]["metrics"]]
        assert sorted(names) == ["m1", "pushed"]


class SummaryContract:
    """The overview's and the project page's counts (every backend; oracles computed here)."""

    def test_new_filters_source_pending_and_metric(self, store):
        _seed(store)

        def listed(**kw):
            return {row.name for row in store.list_assets(AssetQuery(**kw), limit=100).rows}

        assert listed(source=("behavior_3_2025-03-01",)) == {"behavior_3_2025-03-01_processed"}
        assert listed(pending=True) == {"ecephys_1_2025-01-01", "ecephys_2_2025-02-01"}
        assert listed(metric=("a",)) == {"ecephys_1_2025-01-01", "ecephys_2_2025-02-01"}
        assert listed(metric=("a", "y")) == {
            "ecephys_1_2025-01-01", "ecephys_2_2025-02-01", "behavior_3_2025-03-01_processed"}
        # The status applies to the named metric itself, not to the asset.
        assert listed(metric=("b",), metric_status=("Fail",)) == {"ecephys_1_2025-01-01"}
        assert listed(metric=("a",), metric_status=("Fail", "Pending")) == set()
        assert listed(metric_status=("Fail",)) == {"ecephys_1_2025-01-01", "behavior_3_2025-03-01_processed"}
        assert store.list_assets(AssetQuery(metric=("a",), project=("Alpha",))).total == 2

    def test_contains_filters_ignore_case_and_or_with_exact_values(self, store):
        _seed(store)

        def listed(**kw):
            return {row.name for row in store.list_assets(AssetQuery(**kw), limit=100).rows}

        assert listed(contains=(("project", "alph"),)) == {"ecephys_1_2025-01-01", "ecephys_2_2025-02-01"}
        assert listed(contains=(("project", "ALPHA"), ("project", "gam"))) == {
            "ecephys_1_2025-01-01", "ecephys_2_2025-02-01", "pophys_4_100%_done"}
        # One column's exact values and texts are OR-ed; columns are AND-ed.
        assert listed(project=("Beta",), contains=(("project", "gam"),)) == {
            "behavior_3_2025-03-01", "behavior_3_2025-03-01_processed", "pophys_4_100%_done"}
        assert listed(contains=(("project", "a"), ("level", "DER"))) == {"behavior_3_2025-03-01_processed"}
        assert listed(contains=(("modality", "BEHAV"),)) == {
            "ecephys_2_2025-02-01", "behavior_3_2025-03-01", "behavior_3_2025-03-01_processed"}
        assert listed(contains=(("status", "pend"),)) == {"ecephys_2_2025-02-01"}
        assert listed(contains=(("subject", "3"),)) == {"behavior_3_2025-03-01", "behavior_3_2025-03-01_processed"}
        assert listed(contains=(("source", "behavior_3"),)) == {"behavior_3_2025-03-01_processed"}
        assert listed(contains=(("project", "%"),)) == set()  # wildcards are literal
        assert listed(contains=(("project", "no such"),)) == set()
        # Counts follow, the per-modality rows too (only modalities holding the text).
        query = AssetQuery(contains=(("modality", "behav"),))
        assert sum(store.status_totals(query).values()) == 3
        assert {r.modality for r in store.counts(query)} == {"behavior"}
        assert {(g.key, g.n) for g in store.status_counts(AssetQuery(contains=(("project", "bet"),)), "project")} \
            == {("Beta", 1)}

    def test_grouped_listing_puts_derived_assets_under_their_raw_asset(self, store):
        _seed(store)
        store.upsert_many([
            record("behavior_3_2025-03-01_processed_2", project="Beta", modalities=("behavior",), subject="3",
                   acquired="2025-03-01T10:00:00+00:00", level="derived", source=["behavior_3_2025-03-01"],
                   metrics=[metric("z", "Pending", mod="behavior")]),
            record("orphan_derived", project="Beta", level="derived", source=["not_in_the_store"],
                   metrics=[metric("o", "Fail")]),
        ])
        for field in ("name", "acquired", "project", "status", "pending", "fail", "subject_id", "level",
                      "last_review"):
            for descending in (False, True):
                sort = Sort(field, descending, grouped=True)
                pages = [store.list_assets(AssetQuery(), sort, offset, 3) for offset in (0, 3, 6)]
                rows = [row for page in pages for row in page.rows]
                names = [row.name for row in rows]
                assert len(names) == len(set(names)) == 7 and all(p.total == 7 for p in pages), (field, descending)
                raw = names.index("behavior_3_2025-03-01")
                assert names[raw + 1:raw + 3] == ["behavior_3_2025-03-01_processed",
                                                   "behavior_3_2025-03-01_processed_2"], (field, descending, names)
                streamed = [row.name for row in store.iter_assets(AssetQuery(), sort)]
                assert streamed == names, (field, descending)
        # Families are placed by their raw asset's value: the raw asset passes, so its failing
        # derived asset follows it instead of leading the "most failing first" listing.
        by_fail = [r.name for r in store.list_assets(AssetQuery(), Sort("fail", True, grouped=True)).rows]
        flat = [r.name for r in store.list_assets(AssetQuery(), Sort("fail", True)).rows]
        assert flat.index("behavior_3_2025-03-01_processed") < flat.index("behavior_3_2025-03-01")
        assert by_fail.index("behavior_3_2025-03-01_processed") == by_fail.index("behavior_3_2025-03-01") + 1
        # Filters apply first: a derived asset whose raw asset does not match is listed by itself.
        failing = [r.name for r in store.list_assets(AssetQuery(status=("Fail",)), Sort("name", False, True)).rows]
        assert failing == ["behavior_3_2025-03-01_processed", "ecephys_1_2025-01-01", "orphan_derived"]
        # How many derived assets each raw asset has (the grid's "derived assets (N)").
        derived = Counter()
        for group in store.status_counts(AssetQuery(source=("behavior_3_2025-03-01", "ecephys_1_2025-01-01")),
                                         "source"):
            derived[group.key] += group.n
        assert derived == {"behavior_3_2025-03-01": 2}

    def test_status_counts_by_project_level_subject(self, store):
        recs = _seed(store)
        orphan = record("no-project", project=None, level="weird", metrics=[metric("m", "Pending")])
        store.upsert_many([orphan])
        recs = [*recs, orphan]
        summaries = [store.get(r["name"]).summary for r in recs]
        for by, field in (("project", "project"), ("level", "level"), ("subject", "subject_id")):
            expected = Counter((getattr(s, field), s.overall_status) for s in summaries)
            got = Counter({(g.key, g.status): g.n for g in store.status_counts(AssetQuery(), by)})
            assert got == expected, by
        assert (None, "Pending") in {(g.key, g.status) for g in store.status_counts(AssetQuery(), "project")}
        pending = {(g.key, g.n) for g in store.status_counts(AssetQuery(status=("Pending",)), "level")}
        assert pending == {("raw", 1), (None, 1)}  # an unknown data level counts as none
        filtered = store.status_counts(AssetQuery(project=("Beta",)), "project")
        assert {(g.key, g.status, g.n) for g in filtered} == {("Beta", "Pass", 1), ("Beta", "Fail", 1)}
        with pytest.raises(InvalidInput):
            store.status_counts(AssetQuery(), "document")

    def test_counts_under_filters_the_pre_aggregates_cannot_answer(self, store):
        recs = _seed(store)
        store.upsert_many([record("bare", project="Gamma", modalities=(), qc=False)])
        summaries = {r.name: r for r in (store.get(n).summary for n in [x["name"] for x in recs] + ["bare"])}
        for query in (AssetQuery(text="2025"), AssetQuery(text="_", modality=("behavior",)),
                      AssetQuery(pending=True), AssetQuery(acquired_from=date(2025, 2, 1), project=("Beta", "Gamma")),
                      AssetQuery(text="a")):
            names = {row.name for row in store.list_assets(query, limit=100).rows}
            expected = Counter()
            for name in names:
                summary = summaries[name]
                per_modality = dict(summary.status.modality) if summary.status else {}
                for m in summary.modalities or ("(none)",):
                    if not query.modality or m in query.modality:
                        expected[(summary.project or "(no project)", m,
                                  per_modality.get(m, summary.overall_status))] += 1
            got = Counter({(r.project, r.modality, r.status): r.n for r in store.counts(query)})
            assert got == expected, query
            assert store.status_totals(query) == dict(Counter(summaries[n].overall_status for n in names)), query
            by_project = Counter({(g.key, g.status): g.n for g in store.status_counts(query, "project")})
            assert by_project == Counter((summaries[n].project, summaries[n].overall_status) for n in names), query

    def test_weekly_counts_bucket_by_utc_monday(self, store):
        stamps = {
            "wed": "2025-01-01T10:00:00+00:00",  # -> Monday 2024-12-30
            "sun": "2025-03-02T22:00:00+00:00",  # a Sunday ends its week -> 2025-02-24
            "mon": "2025-03-03T00:00:00+00:00",  # a Monday starts one -> 2025-03-03
            "east": "2025-03-03T01:00:00+02:00",  # Sunday 23:00 UTC -> 2025-02-24
            "west": "2025-03-02T23:30:00-05:00",  # Monday 04:30 UTC -> 2025-03-03
        }
        store.upsert_many([record(name, acquired=at, metrics=[metric("m", "Pass")]) for name, at in stamps.items()]
                          + [record("pending-one", acquired=stamps["mon"], metrics=[metric("m", "Pending")])])
        got = {(g.key, g.status): g.n for g in store.status_counts(AssetQuery(), "week")}
        assert got == {
            (date(2024, 12, 30), "Pass"): 1,
            (date(2025, 2, 24), "Pass"): 2,
            (date(2025, 3, 3), "Pass"): 2,
            (date(2025, 3, 3), "Pending"): 1,
        }
        assert all(isinstance(key, date) for key, _ in got)

    def test_subject_counts(self, store):
        recs = _seed(store)
        expected = Counter()
        for rec in recs:
            summary = store.get(rec["name"]).summary
            per_modality = dict(summary.status.modality) if summary.status else {}
            for m in summary.modalities:
                expected[(summary.subject_id, m, per_modality.get(m, summary.overall_status))] += 1
        got = Counter({(r.subject, r.modality, r.status): r.n for r in store.subject_counts(AssetQuery())})
        assert got == expected
        only = store.subject_counts(AssetQuery(modality=("behavior",)))
        assert {r.modality for r in only} == {"behavior"}

    def test_stage_counts(self, store):
        recs = _seed(store)
        expected = Counter()
        for rec in recs:
            summary = store.get(rec["name"]).summary
            if summary.status:
                for (m, stage), status in summary.status.modality_stage.items():
                    expected[(m, stage, status)] += 1
        got = Counter({(r.modality, r.stage, r.status): r.n for r in store.stage_counts(AssetQuery())})
        assert got == expected
        assert ("behavior", "Processing", "Fail") in got
        beta = {(r.modality, r.stage, r.status): r.n for r in store.stage_counts(AssetQuery(project=("Beta",)))}
        assert beta == {("behavior", "Raw data", "Pass"): 1, ("behavior", "Processing", "Fail"): 1}

    def test_metric_counts_follow_upsert_and_annotate(self, store):
        recs = _seed(store)
        expected = Counter()
        for rec in recs:
            for m in (rec.get("quality_control") or {}).get("metrics", []):
                expected[(m["name"], m["modality"]["abbreviation"], m["stage"],
                          m["status_history"][-1]["status"])] += 1
        got = Counter({(r.name, r.modality, r.stage, r.status): r.n for r in store.metric_counts(AssetQuery())})
        assert got == expected
        alpha_a = {r.status: r.n for r in store.metric_counts(AssetQuery(project=("Alpha",))) if r.name == "a"}
        assert alpha_a == {"Pass": 2}
        # An annotation rewrites the asset's metric rows in the same transaction...
        store.annotate(Annotation("ecephys_1_2025-01-01", 1, (MetricEdit("a", "Fail", seen_history=1),)),
                       user="Ada")
        alpha_a = {r.status: r.n for r in store.metric_counts(AssetQuery(project=("Alpha",))) if r.name == "a"}
        assert alpha_a == {"Pass": 1, "Fail": 1}
        # ...and so does a re-ingest that changes the document.
        changed = record("ecephys_2_2025-02-01", project="Alpha", modalities=("ecephys",),
                         metrics=[metric("a", "Pending", timestamp="2025-05-05T00:00:00+00:00")])
        assert store.upsert_many([changed])[0].action == "updated"
        rows = {(r.name, r.status): r.n for r in store.metric_counts(AssetQuery(text="ecephys_2"))}
        assert rows == {("a", "Pending"): 1}, rows
