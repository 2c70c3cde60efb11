"""The review workflow's components: a Fail's reason next to its history entry, the project page's
top fail reasons (walking the trees: components do no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

from components.asset.cards import history
from components.fail_reasons import fail_reasons_section
from portal.review.reasons import EntryNote, entry_key
from portal.views.asset.model import HistoryEntry, MetricView
from tests.walk import iter_tree


def _texts(node) -> list[str]:
    return [n for n in iter_tree(node) if isinstance(n, str)]


def _rows(tree) -> list:
    """The history table's rows (lite Tr elements), newest first."""
    return [n for n in iter_tree(tree) if getattr(n, "_type", None) == "Tr"]


def _metric(entries) -> MetricView:
    return MetricView(index=0, name="drift", key="drift [ecephys, Raw data]", description=None, modality="ecephys",
                      modality_name="Extracellular electrophysiology", stage="Raw data", tags={}, value=1.0,
                      kind="number", status="Fail", effective="Fail", history=tuple(entries), reference=None,
                      references=(), choice_sets_status=False, evaluated_assets=(), curation=None)


def test_the_reason_and_comment_sit_next_to_their_entry():
    at = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    earlier = HistoryEntry("Automated", "Pending", datetime(2025, 1, 1, tzinfo=UTC))
    fail = HistoryEntry("Ada", "Fail", at)
    metric = _metric([earlier, fail])
    notes = {entry_key(metric.key, "Ada", "Fail", at): EntryNote("Drift too high", "shank 2")}
    rows = _rows(history(metric, notes))
    assert _texts(rows[0])[-2:] == ["Drift too high", " shank 2"]  # newest first: the Fail, with its reason
    assert "Drift too high" not in _texts(rows[1])
    assert "Drift too high" not in _texts(history(metric))  # nothing kept: nothing shown


def test_top_fail_reasons_section():
    assert fail_reasons_section([]) is None
    section = fail_reasons_section([("Drift too high", 3), ("Noisy", 1)])
    assert "Top fail reasons" in _texts(section)
    assert ["Drift too high", "3", "Noisy", "1"] == [t for t in _texts(section) if t in ("Drift too high", "3",
                                                                                        "Noisy", "1")]
