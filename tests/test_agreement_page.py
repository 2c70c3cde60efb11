"""The agreement page's component once there are ratings (every card built; links to the settings)."""

from __future__ import annotations

import dash

from components.agreement import agreement_page
from tests.walk import find_by_id, texts

VIEW = {"project": "A b", "policy": {"ratings_required": 2, "blind": True, "repeat_fraction": 0.1, "leads": ["bo"]},
        "pairs": [{"metric": None, "raters": ["ann", "bo"], "n": 3, "percent": 66.7, "kappa": 0.4,
                   "confusion": {"Pass": {"Pass": 1, "Fail": 1}, "Fail": {"Fail": 1}}},
                  {"metric": "drift", "raters": ["ann", "bo"], "n": 3, "percent": 66.7, "kappa": 0.4,
                   "confusion": {"Pass": {"Pass": 1, "Fail": 1}, "Fail": {"Fail": 1}}}],
        "fleiss": {"n": 0, "kappa": None},
        "raters": [{"rater": "ann", "name": "Ann", "ratings": 3, "share_fail": 0.33, "mean_shown_ms": 1500,
                    "repeats": 0, "consistency": None}],
        "disputed": 1}


def test_the_page_with_ratings_builds_every_card():
    app = dash.Dash(__name__)
    with app.server.test_request_context("/"):
        tree = agreement_page(VIEW)
    sections = [node.__dict__["data-section"] for node in find_by_id(tree, None, attr="data-section")]
    assert sections == ["pairs", "per-metric", "fleiss", "raters"]
    assert "1 metric(s) wait for an adjudicator." in texts(tree)
    links = [node.href for node in find_by_id(tree, None, attr="href") if texts(node) == "Settings"]
    assert links == ["/project/A%20b/settings"]
