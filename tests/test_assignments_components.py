"""The assignments page's view-model and components, walked as trees (no app, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
import pytest
from dash import html

from components import ids
from components.assignments import assignment_card, assignment_list, my_reviews_label, my_reviews_link
from portal.review.assignments import Assignment
from portal.store.sql.reviews import AssignmentRow, Progress
from portal.views.assignments import AssignmentsView, card, ordered, readable_filters
from tests.walk import find_by_id, iter_tree, texts

NOW = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _dash_app():
    # dash.get_relative_path needs an app; any app will do for pure components.
    return dash.Dash(__name__)


def _item(assignment_id=1, filters="project=Alpha", closed=False, total=4, reviewed=1, by=(("Ada", 1),)):
    row = AssignmentRow(assignment_id, f"sweep {assignment_id}", filters, NOW, "root", NOW if closed else None,
                        "root" if closed else None, ("ada", "bob"))
    return Assignment(row, Progress(total, reviewed, by))


NAMES = {"ada": "Ada Lovelace", "bob": "bob", "root": "Root Admin"}


def _classes(tree) -> set[str]:
    return {c for n in iter_tree(tree) for c in (getattr(n, "className", None) or "").split()}


def test_filters_read_as_labels_and_values():
    assert readable_filters("project=Alpha&project=Beta&modality=ecephys") == (
        ("project", "Alpha or Beta"), ("modality", "ecephys"))
    assert readable_filters("q=drift&from=2025-01-01&subject_contains=61&pending=1") == (
        ("search", "drift"), ("acquired from", "2025-01-01"), ("subject contains", "61"),
        ("has Pending metrics", "yes"))
    assert readable_filters("") == ()


def test_a_card_names_people_links_the_queue_and_shows_progress():
    view = card(_item(filters="project=Alpha&modality=ecephys"), NAMES)
    assert view.reviewers == ("Ada Lovelace (ada)", "bob") and view.created_by == "Root Admin"
    assert view.review_href == "/review?project=Alpha&modality=ecephys&assignment=1"
    assert view.assets_href == "/?project=Alpha&modality=ecephys" and view.percent == 25
    tree = assignment_card(view, admin=True)
    (progress,) = find_by_id(tree, "1/4", attr="data-progress")
    assert "1 / 4 reviewed" in texts(progress) and "Ada (1)" in texts(tree)
    assert find_by_id(tree, ids.assignment_close(1)) and {"assignment-review", "assignment-assets"} <= _classes(tree)
    # A reviewer's card has no Close; a store without a queue gives no Review link.
    assert not find_by_id(assignment_card(view, admin=False), ids.assignment_close(1))
    assert "assignment-review" not in _classes(assignment_card(view, admin=False, queue=False))


def test_closed_and_empty_assignments():
    closed = card(_item(closed=True), NAMES)
    tree = assignment_card(closed, admin=True)
    assert "closed 2025-03-01 12:30 UTC by Root Admin" in texts(tree)
    assert not find_by_id(tree, ids.assignment_close(1)) and "assignment-review" not in _classes(tree)
    empty = card(_item(filters="", total=0, reviewed=0, by=()), NAMES)
    text = texts(assignment_card(empty, admin=False))
    assert "every asset" in text and "nothing to review" in text and "Nobody has decided any yet" in text
    assert empty.percent == 100 and empty.assets_href == "/"


def test_open_first_then_newest_and_messages_in_place():
    items = ordered([_item(1), _item(2, closed=True), _item(3)])
    assert [a.id for a in items] == [3, 1, 2]
    view = AssignmentsView(tuple(card(a, NAMES) for a in items), admin=True)
    tree = assignment_list(view, {1: "assignment 1 is already closed", 9: "Assignment not found: 9"})
    (one,) = find_by_id(tree, 1, attr="data-assignment")
    assert "already closed" in texts(one) and texts(tree).startswith("Assignment not found: 9")
    assert "Nothing is assigned to you" in texts(assignment_list(AssignmentsView((), admin=False)))


def test_the_navbar_label():
    assert my_reviews_label(0) == ["My reviews"] and my_reviews_label(None) == ["My reviews"]
    assert texts(html.Span(my_reviews_label(3))).split() == ["My", "reviews", "3"]
    link = my_reviews_link(None).to_plotly_json()["props"]
    assert link["id"] == ids.NAV_MY_REVIEWS and link["data-open-count"] == "" and link["href"] == "/review/assignments"
