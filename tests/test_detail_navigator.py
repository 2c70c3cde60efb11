"""The metric navigator: grouping levels, the "(untagged)" node, statuses by the schema's rules."""

from __future__ import annotations

import pytest

from portal.demo.showcase import showcase_records
from portal.qc import load_qc
from portal.store.sql.engine import make_engine
from portal.store.sql.store import SqlAssetStore
from portal.views.asset.model import load_detail
from portal.views.asset.navigator import (
    UNTAGGED,
    NavMetric,
    build_tree,
    filter_tree,
    format_grouping,
    level_value,
    node_key,
    normalise_grouping,
    parse_grouping,
    parse_node_key,
)
from tests.records import metric, record

# Positions in the showcase (portal/demo/showcase.py documents the order).
ECEPHYS_SORTED, FIP, LEGACY_ECEPHYS, FIP_PROCESSED = 2, 3, 8, 13


def showcase(position: int) -> dict:
    return next(rec for i, rec in enumerate(showcase_records()) if i == position)


def nav(name, status="Pass", *, tags=None, modality="ecephys", stage="Raw data", effective=None):
    return NavMetric(0, name, modality, stage, tags or {}, status, effective or status)


def leaves(node):
    return [n for n in node.walk() if not n.children]


def test_metrics_without_the_key_go_to_untagged_last_and_none_disappears():
    metrics = [nav("a", tags={"probe": "B"}), nav("b"), nav("c", tags={"probe": "A"}), nav("d", tags={"probe": ""})]
    root = build_tree(metrics, (("probe",),))
    assert [child.label for child in root.children] == ["B", "A", UNTAGGED]
    assert [m.name for m in root.children[-1].metrics] == ["b", "d"]
    assert sum(len(leaf.metrics) for leaf in leaves(root)) == len(metrics)


def test_tuple_levels_combine_keys():
    metrics = [nav("f0", tags={"fiber": "Fiber_0"}), nav("cam", tags={"camera": "Face"}),
               nav("both", tags={"fiber": "Fiber_1", "camera": "Body"}), nav("none")]
    root = build_tree(metrics, (("fiber", "camera"),))
    assert [child.label for child in root.children] == ["Fiber_0", "Face", "Fiber_1 / Body", UNTAGGED]


def test_modality_and_stage_are_grouping_keys():
    metrics = [nav("a", modality="ecephys", stage="Raw data"), nav("b", modality="behavior", stage="Processing")]
    root = build_tree(metrics, (("modality",), ("stage",)))
    assert [c.label for c in root.children] == ["ecephys", "behavior"]
    assert root.children[1].children[0].label == "Processing"
    assert level_value(metrics[0], ("stage",)) == "Raw data"


def test_node_status_is_worst_effective_status_and_counts_are_own_statuses():
    metrics = [nav("a", "Fail", tags={"g": "x"}, effective="Pass"), nav("b", "Pending", tags={"g": "x"}),
               nav("c", "Fail", tags={"g": "y"})]
    root = build_tree(metrics, (("g",),))
    x, y = root.children
    assert x.status == "Pending" and x.counts == {"Pass": 0, "Fail": 1, "Pending": 1}
    assert y.status == "Fail"
    assert root.status == "Fail"


def test_filter_keeps_matching_metrics_and_node_statuses():
    metrics = [nav("a", "Fail", tags={"g": "x"}), nav("b", "Pass", tags={"g": "y"}), nav("c", "Pending",
                                                                                        tags={"g": "x"})]
    root = build_tree(metrics, (("g",),))
    fails = filter_tree(root, "Fail")
    assert [c.label for c in fails.children] == ["x"]
    assert [m.name for m in fails.children[0].metrics] == ["a"]
    assert fails.children[0].status == "Fail" and fails.children[0].counts["Pending"] == 1
    assert filter_tree(build_tree([nav("p")], ()), "Fail") is None
    assert filter_tree(root, "all") is root


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(["probe", "group"], (("probe",), ("group",))), ([["probe"], ["fiber", "camera"]], (("probe",),
                                                                                           ("fiber", "camera"))),
     ([("a", "b"), "a", ("a", "b")], (("a", "b"), ("a",))), ([], ())],
)
def test_normalise_grouping(raw, expected):
    assert normalise_grouping(raw) == expected


def test_grouping_and_node_keys_round_trip_through_urls():
    grouping = (("modality",), ("fiber", "camera"), ("group",))
    assert parse_grouping(format_grouping(grouping)) == grouping
    assert parse_grouping("") is None and parse_grouping(None) is None
    assert parse_grouping("none") == ()  # what the page writes for "no grouping": a reload keeps it flat
    path = ("Record Node 101#ProbeA", "a/b", UNTAGGED)
    assert parse_node_key(node_key(path)) == path


@pytest.fixture
def store(tmp_path):
    return SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}"))


def _schema_status(record_, **kwargs):
    return load_qc(record_["quality_control"]).evaluate_status(**kwargs).value


@pytest.mark.parametrize("position", [ECEPHYS_SORTED, FIP_PROCESSED, FIP])
def test_node_statuses_equal_the_schema_with_allow_tag_failures(store, position):
    rec = showcase(position)
    store.upsert_many([rec])
    detail = load_detail(store, rec["name"])
    metrics = [m.nav() for m in detail.metrics]
    qc = load_qc(rec["quality_control"])
    tag_keys = {key for m in qc.metrics for key in m.tags}
    for key in tag_keys:
        root = build_tree(metrics, ((key,),))
        assert root.status == qc.evaluate_status().value
        for child in root.children:
            if child.label == UNTAGGED:
                continue
            assert child.status == qc.evaluate_status(tag=f"{key}:{child.label}").value, (key, child.label)
    root = build_tree(metrics, (("modality",),))
    for child in root.children:
        assert child.status == _schema_status(rec, modality=_modality(qc, child.label))


def _modality(qc, abbreviation):
    return next(m.modality for m in qc.metrics if m.modality.abbreviation == abbreviation)


def test_allowed_failure_node_passes_but_counts_its_fail(store):
    rec = showcase(ECEPHYS_SORTED)  # allow_tag_failures: probe:ProbeD
    store.upsert_many([rec])
    detail = load_detail(store, rec["name"])
    root = build_tree([m.nav() for m in detail.metrics], (("probe",),))
    probe_d = next(c for c in root.children if c.label == "ProbeD")
    assert probe_d.counts["Fail"] >= 1
    assert probe_d.status != "Fail"


def test_default_grouping_of_a_1x_document_is_by_evaluation(store):
    rec = showcase(LEGACY_ECEPHYS)
    store.upsert_many([rec])
    detail = load_detail(store, rec["name"])
    assert detail.default_grouping == (("evaluation",),)
    root = build_tree([m.nav() for m in detail.metrics], detail.default_grouping)
    assert "Drift map" in [c.label for c in root.children]


def test_load_detail_gives_every_metric_its_key_and_all_are_editable(store):
    store.upsert_many([record("dup", metrics=[
        metric("same", "Pass", tags={"probe": "A"}), metric("same", "Fail", tags={"probe": "B"}),
        metric("same", "Fail", tags={"probe": "B"}), metric("other", "Pass")])])
    detail = load_detail(store, "dup")
    assert [m.key for m in detail.metrics] == [
        "same [ecephys, Raw data, probe=A]", "same [ecephys, Raw data, probe=B]",
        "same [ecephys, Raw data, probe=B] #2", "other [ecephys, Raw data]"]
    assert all(m.editable_value for m in detail.metrics)  # no "edits go to the first one" any more


def test_load_detail_lists_the_assets_derived_from_it(store):
    # By their source data (an index lookup), not by a name search: a name containing the
    # raw asset's name is not a derived asset unless its source says so.
    raw = "ecephys_700001_2025-03-04_10-00-00"
    store.upsert_many([
        record(raw),
        record(f"{raw}_sorted_2025-03-05", level="derived", source=[raw]),
        record(f"{raw}_copy", level="derived", source=["ecephys_999999_2025-01-01_00-00-00"]),
        record("behavior_1", level="derived", source=[raw]),
    ])
    assert set(load_detail(store, raw).derived) == {f"{raw}_sorted_2025-03-05", "behavior_1"}
    assert load_detail(store, raw, with_derived=False).derived == ()


def test_unsaved_statuses_are_counted_and_marked_but_the_filter_keeps_saved_ones(tmp_path):
    store = SqlAssetStore(make_engine(f"sqlite:///{tmp_path / 'n.db'}"))
    qc = {"object_type": "Quality control", "schema_version": "2.4.2", "default_grouping": [["probe"]],
          "allow_tag_failures": ["probe:B"],
          "metrics": [metric("a", "Pending", tags={"probe": "A"}), metric("b", "Pass", tags={"probe": "A"}),
                      metric("c", "Pending", tags={"probe": "B"})]}
    store.upsert_many([record("x", qc=qc)])
    detail = load_detail(store, "x")
    keys = [m.key for m in detail.metrics]
    navs = [m.nav({keys[0]: "Fail", keys[2]: "Fail"}.get(m.key), m.key in {keys[0], keys[1], keys[2]})
            for m in detail.metrics]
    root = build_tree(navs, ((("probe",)),))
    a, b = root.children
    assert (a.label, a.status, a.counts, a.unsaved) == ("A", "Fail", {"Pass": 1, "Fail": 1, "Pending": 0}, 2)
    # probe B's failures are allowed: its Fail counts, its status passes, as the schema would once saved.
    assert (b.label, b.status, b.counts["Fail"], b.unsaved) == ("B", "Pass", 1, 1)
    pending = filter_tree(root, "Pending")  # what was Pending when the page opened stays in view
    assert [n.label for n in pending.children] == ["A", "B"] and pending.children[0].counts["Fail"] == 1
    untouched = build_tree([m.nav() for m in detail.metrics], ((("probe",)),))
    assert untouched.unsaved == 0 and untouched.counts == {"Pass": 1, "Fail": 0, "Pending": 2}


def test_the_selector_groups_by_a_tag_key_named_none():
    from callbacks.asset.page import grouping_of

    # "none" is the URL's word for no grouping; chosen in the selector it is a tag key.
    assert grouping_of(None, ["none"]) == (("none",),)
    assert grouping_of(None, []) == ()
