"""The overview's URL query <-> AssetQuery (portal.views.filters_url)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.store.protocol import AssetQuery, Sort
from portal.views.filters_url import DEFAULT_SORT, parse_query, query_pairs, search_of, to_search


def test_empty_inputs_are_no_filter():
    for empty in (None, "", "?", {}):
        parsed = parse_query(empty)
        assert parsed.query == AssetQuery() and parsed.notes == ()
    assert to_search(AssetQuery()) == ""


def test_repeated_keys_give_several_values_in_order_without_duplicates():
    parsed = parse_query("?project=Beta&project=Alpha&project=Beta&modality=ecephys&modality=behavior")
    assert parsed.query.project == ("Beta", "Alpha")
    assert parsed.query.modality == ("ecephys", "behavior")
    assert parsed.notes == ()


def test_mapping_as_dash_pages_passes_it():
    parsed = parse_query({"project": ["A", "B"], "status": "Fail", "q": " probe "})
    assert parsed.query == AssetQuery(project=("A", "B"), status=("Fail",), text="probe")


def test_every_key():
    search = ("?project=P&modality=ecephys&subject=123&status=Pass&level=derived&from=2025-01-01&to=2025-02-01"
              "&q=abc&source=raw_1&metric=drift&metric_status=Fail&pending=1")
    query = parse_query(search).query
    assert query == AssetQuery(
        project=("P",), modality=("ecephys",), subject=("123",), status=("Pass",), level=("derived",),
        acquired_from=date(2025, 1, 1), acquired_to=date(2025, 2, 1), text="abc", source=("raw_1",),
        metric=("drift",), metric_status=("Fail",), pending=True,
    )
    assert to_search(query) == search


def test_contains_keys_sort_and_grouping_round_trip():
    search = ("?project=P&project_contains=dyn&project_contains=rout&modality_contains=ECEPH&status_contains=pend"
              "&source_contains=raw%201&sort=-pending&group=raw")
    parsed = parse_query(search)
    assert parsed.query == AssetQuery(project=("P",), contains=(
        ("project", "dyn"), ("project", "rout"), ("modality", "ECEPH"), ("status", "pend"), ("source", "raw 1")))
    assert parsed.sort == Sort("pending", True) and parsed.grouped and parsed.notes == ()
    assert search_of(parsed) == search
    assert parsed.query.needles("modality") == ("eceph",)


def test_the_default_sort_is_left_out_and_bad_view_keys_are_noted():
    assert to_search(AssetQuery(project=("P",)), DEFAULT_SORT) == "?project=P"
    assert to_search(AssetQuery(), Sort("name", False)) == "?sort=name"
    parsed = parse_query("?sort=-document&group=project")
    assert parsed.sort == DEFAULT_SORT and not parsed.grouped
    assert "sort '-document'" in " ".join(parsed.notes) and "group 'project'" in " ".join(parsed.notes)
    assert parse_query("?sort=name").notes == ()  # view keys are not unknown filters


@pytest.mark.parametrize("given, expected", [
    ("pass", "Pass"), ("FAIL", "Fail"), ("Pending", "Pending"), ("No QC", "No QC"), ("no_qc", "No QC"),
    ("noqc", "No QC"), ("unreadable", "Unreadable"),
])
def test_status_is_case_insensitive(given, expected):
    assert parse_query({"status": given}).query.status == (expected,)


def test_unknown_status_level_and_key_are_ignored_with_a_note():
    parsed = parse_query("?status=Fail&status=Broken&level=processed&color=red&metric_status=No%20QC")
    assert parsed.query.status == ("Fail",)
    assert parsed.query.level == () and parsed.query.metric_status == ()
    text = " ".join(parsed.notes)
    assert "'Broken'" in text and "'processed'" in text and "color" in text and "'No QC'" in text


@pytest.mark.parametrize("bad", ["2025-13-01", "yesterday", "01/02/2025", "2025-02-30"])
def test_bad_dates_are_ignored_with_a_visible_note(bad):
    parsed = parse_query({"from": bad, "to": "2025-03-01"})
    assert parsed.query.acquired_from is None
    assert parsed.query.acquired_to == date(2025, 3, 1)
    assert any(bad in note and "YYYY-MM-DD" in note for note in parsed.notes)


def test_from_after_to_is_kept_but_explained():
    parsed = parse_query("?from=2025-03-01&to=2025-01-01")
    assert parsed.query.acquired_from == date(2025, 3, 1)
    assert any("after" in note for note in parsed.notes)


def test_round_trip_with_spaces_hash_ampersand_and_unicode():
    query = AssetQuery(project=("Thalamus in the middle", "A&B"), text="Record Node 101#Neuropix", subject=("µ1",))
    search = to_search(query)
    assert " " not in search and "#" not in search.split("?", 1)[1].replace("%23", "")
    assert parse_query(search).query == query
    assert to_search(parse_query(search).query) == search  # canonical


def test_pending_flag_and_plus_as_space():
    assert parse_query("?pending=1").query.pending is True
    assert parse_query("?pending=0").query.pending is False
    assert parse_query("?q=a+b").query.text == "a b"


def test_too_many_values_are_cut_with_a_note():
    parsed = parse_query({"subject": [str(i) for i in range(150)]})
    assert len(parsed.query.subject) == 100
    assert parsed.notes


def test_query_pairs_order_is_the_key_order():
    query = AssetQuery(text="x", project=("P",), status=("Fail", "Pending"))
    assert query_pairs(query) == [("project", "P"), ("status", "Fail"), ("status", "Pending"), ("q", "x")]
