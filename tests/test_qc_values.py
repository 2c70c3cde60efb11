"""Value kinds and the status a dropdown/checkbox choice implies."""

from __future__ import annotations

import pytest
from aind_data_schema.core.quality_control import Status

from portal.qc import status_from_choice, value_kind


def dropdown(value, status=("Pass", "Fail", "Fail")):
    return {"value": value, "options": ["Low", "Medium", "High"], "status": list(status), "type": "dropdown"}


def checkbox(value, status=("Pass", "Pending", "Fail")):
    return {"value": value, "options": ["ok", "unsure", "bad"], "status": list(status), "type": "checkbox"}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "none"),
        (True, "bool"),
        (False, "bool"),
        (0, "number"),
        (3.5, "number"),
        (float("nan"), "number"),
        ("", "string"),
        ("Low", "string"),
        ([1, 2, 3], "list"),
        ([], "list"),
        ([{"a": 1}], "list"),
        (dropdown(""), "dropdown"),
        ({"value": "", "options": ["a"], "type": "Dropdown"}, "dropdown"),
        (checkbox([]), "checkbox"),
        ({"index": ["u1", "u2"], "rate": [1.0, 2.0]}, "table"),
        ({"rate": [1.0]}, "table"),
        ({"a": [1, 2], "b": [1]}, "json"),
        ({"a": [1], "b": 2}, "json"),
        ({}, "json"),
        ({"nested": {"x": 1}}, "json"),
        ({"type": "dropdown", "value": "x"}, "json"),  # no options: not a usable dropdown
    ],
)
def test_value_kind(value, kind):
    assert value_kind(value) == kind


def test_dropdown_choice_sets_status():
    assert status_from_choice(dropdown("Low")) == "Pass"
    assert status_from_choice(dropdown("High")) == "Fail"
    assert status_from_choice(dropdown("")) == "Pending"  # not chosen yet
    assert status_from_choice(dropdown(None)) == "Pending"
    assert status_from_choice(dropdown("Huge")) == "Pending"  # not an option
    assert status_from_choice(dropdown("Low", status=("pass", "fail", "fail"))) == "Pass"
    assert status_from_choice(dropdown("Medium", status=(Status.PENDING, Status.PASS, Status.FAIL))) == "Pass"
    assert status_from_choice(dropdown("High", status=("Pass", "Fail"))) == "Pending"  # status list too short


def test_checkbox_choice_sets_status():
    assert status_from_choice(checkbox(["ok"])) == "Pass"
    assert status_from_choice(checkbox(["ok", "unsure"])) == "Pending"
    assert status_from_choice(checkbox(["unsure", "bad"])) == "Fail"
    assert status_from_choice(checkbox([])) == "Pending"
    assert status_from_choice(checkbox("")) == "Pending"  # as real 1.x documents store it
    assert status_from_choice(checkbox("bad")) == "Fail"  # a single choice not in a list


def test_no_status_list_means_no_implied_status():
    assert status_from_choice({"value": "Low", "options": ["Low"], "type": "dropdown"}) is None
    assert status_from_choice({"value": "Low", "options": ["Low"], "status": None, "type": "dropdown"}) is None
    assert status_from_choice({"value": "Low", "options": ["Low"], "status": [], "type": "dropdown"}) is None
    for plain in (None, 1, "Low", [1], {"a": [1]}, True):
        assert status_from_choice(plain) is None


def test_v1_fixture_shapes():
    # The 1.2.2 example has a dropdown and a checkbox, both unanswered.
    assert status_from_choice(dropdown("", status=("Pass", "Fail", "Fail"))) == "Pending"
    box = {"value": "", "options": ["No Drift", "Drift"], "status": ["Pass", "Fail"], "type": "checkbox"}
    assert value_kind(box) == "checkbox"
    assert status_from_choice(box) == "Pending"
