"""Store contract, part two: metric identity and attributable writes, on every backend.

Real documents repeat metric names per probe, plane or tile; every write path must reach
exactly the metric meant, and pushed histories must be attributable. Mixed into
StoreContract, so it runs on SQLite, PostgreSQL and the DocDB gateway.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.errors import Forbidden, InvalidInput
from portal.review.metrics_merge import read_payload
from portal.store.protocol import Actor, Annotation, MetricEdit
from tests.records import metric, record

ANNOTATOR = Actor("ada", "Ada Lovelace")
PIPELINE = Actor("capsule", "Capsule bot", service=True)


def _probes(*statuses: str) -> list[dict]:
    return [metric("Drift", status, tags={"probe": f"Probe{chr(65 + i)}"}, value=float(i))
            for i, status in enumerate(statuses)]


def _history(store, name: str, position: int) -> list[tuple[str, str]]:
    metrics = store.get(name).record["quality_control"]["metrics"]
    return [(h["evaluator"], h["status"]) for h in metrics[position]["status_history"]]


class IdentityContract:
    """Tests mixed into each store's contract class (they use its `store` fixture)."""

    def test_annotating_the_second_of_two_same_named_metrics(self, store):
        store.upsert_many([record("p", metrics=_probes("Pending", "Pending"))])
        edit = MetricEdit("Drift", "Fail", tags={"probe": "ProbeB"}, seen_history=1)
        result = store.annotate(Annotation("p", 1, (edit,)), user=ANNOTATOR)
        assert result.applied and result.changes[0]["key"] == "Drift [ecephys, Raw data, probe=ProbeB]"
        assert _history(store, "p", 0) == [("Automated", "Pending")]
        assert _history(store, "p", 1) == [("Automated", "Pending"), ("Ada Lovelace", "Fail")]
        # The same by key; the audit row names the account, the entry the display name.
        by_key = MetricEdit(key="Drift [ecephys, Raw data, probe=ProbeA]", status="Pass", seen_history=1)
        store.annotate(Annotation("p", 2, (by_key,)), user=ANNOTATOR)
        assert _history(store, "p", 0)[-1] == ("Ada Lovelace", "Pass")
        assert store.audit_log(asset="p")[0].user == "ada"

    def test_an_ambiguous_change_is_refused_and_nothing_is_written(self, store):
        store.upsert_many([record("p", metrics=[*_probes("Pending", "Pending"), metric("Yield", "Pending")])])
        edits = (MetricEdit("Yield", "Pass"), MetricEdit("Drift", "Fail"))
        with pytest.raises(InvalidInput) as caught:
            store.annotate(Annotation("p", 1, edits), user=ANNOTATOR)
        assert "matches 2 metrics" in caught.value.message and "probe=ProbeB" in caught.value.message
        got = store.get("p")
        assert got.version == 1 and got.summary.counts.pending == 3
        with pytest.raises(InvalidInput, match="both change"):
            store.annotate(Annotation("p", 1, (MetricEdit("Yield", "Pass"), MetricEdit("Yield", "Fail"))),
                           user=ANNOTATOR)

    def test_exact_twins_are_reached_by_occurrence(self, store):
        twin = metric("N002 Sample coordinates", "Pending", mod="SPIM", stage="Processing")
        store.upsert_many([record("t", modalities=("SPIM",), metrics=[twin, dict(twin)])])
        store.annotate(Annotation("t", 1, (MetricEdit("N002 Sample coordinates", "Pass", occurrence=2),)),
                       user=ANNOTATOR)
        assert _history(store, "t", 0) == [("Automated", "Pending")]
        assert _history(store, "t", 1)[-1] == ("Ada Lovelace", "Pass")

    def test_reingest_keeps_each_reviewed_metric_on_its_own_probe(self, store):
        store.upsert_many([record("p", metrics=_probes("Pending", "Pending"))])
        edits = (MetricEdit("Drift", "Fail", tags={"probe": "ProbeB"}),
                 MetricEdit("Drift", value=9.5, tags={"probe": "ProbeB"}))
        with pytest.raises(InvalidInput):  # two changes of one metric: one change per metric
            store.annotate(Annotation("p", 1, edits), user=ANNOTATOR)
        store.annotate(Annotation("p", 1, (MetricEdit("Drift", "Fail", value=9.5, tags={"probe": "ProbeB"}),)),
                       user=ANNOTATOR)
        newer = _probes("Pass", "Pass")
        for item in newer:
            item["status_history"][0]["timestamp"] = "2025-01-03T00:00:00+00:00"
        assert store.upsert_many([record("p", metrics=newer)])[0].action == "updated"
        metrics = store.get("p").record["quality_control"]["metrics"]
        assert [m["tags"]["probe"] for m in metrics] == ["ProbeA", "ProbeB"]
        assert [m["value"] for m in metrics] == [0.0, 9.5]  # the portal's value stays on ProbeB only
        assert [h["evaluator"] for h in metrics[0]["status_history"]] == ["Automated", "Automated"]
        assert ("Ada Lovelace", "Fail") in [(h["evaluator"], h["status"]) for h in metrics[1]["status_history"]]

    def test_push_replaces_only_the_metric_of_the_same_identity(self, store):
        store.upsert_many([record("p", metrics=_probes("Pending", "Pending"))])
        pushed = metric("Drift", "Fail", tags={"probe": "ProbeB"}, value=42.0, evaluator="Automated",
                        timestamp=datetime.now(UTC).isoformat())
        result = store.add_metrics("p", read_payload([pushed]), user=PIPELINE)
        assert (result.added, result.replaced) == ((), ("Drift",))
        metrics = store.get("p").record["quality_control"]["metrics"]
        assert [m["value"] for m in metrics] == [0.0, 42.0]
        assert len(metrics[0]["status_history"]) == 1 and len(metrics[1]["status_history"]) == 2
        audit = store.audit_log(asset="p")[0]
        assert audit.user == "capsule" and [e["evaluator"] for e in audit.detail["entries"]] == ["Automated"]

    def test_pushed_entries_are_attributable(self, store):
        store.upsert_many([record("p", metrics=[metric("m", "Pending")])])
        now = datetime.now(UTC)
        # An annotator may push entries under its own display name only.
        forged = metric("m", "Pass", evaluator="Someone Else", timestamp=now.isoformat())
        with pytest.raises(Forbidden, match="Someone Else"):
            store.add_metrics("p", read_payload([forged]), user=ANNOTATOR)
        own = metric("m", "Pass", evaluator="Ada Lovelace", timestamp=now.isoformat())
        assert store.add_metrics("p", read_payload([own]), user=ANNOTATOR).replaced == ("m",)
        # Nobody may post-date an entry beyond the clock skew, not even a pipeline.
        later = metric("m", "Fail", timestamp=(now + timedelta(seconds=75)).isoformat())
        with pytest.raises(InvalidInput, match="in the future"):
            store.add_metrics("p", read_payload([later]), user=PIPELINE)
        got = store.get("p")
        assert got.version == 2 and _history(store, "p", 0) == [("Automated", "Pending"), ("Ada Lovelace", "Pass")]
        # Entries the asset already holds may come back under any name (a re-push of what it read).
        again = metric("m", "Pending", history=got.record["quality_control"]["metrics"][0]["status_history"])
        assert store.add_metrics("p", read_payload([again]), user=ANNOTATOR).version == 2

    def test_reingest_without_a_data_description_keeps_the_stored_fields(self, store):
        full = record("kept", project="Alpha", subject="123", metrics=[metric("m", "Pending")])
        store.upsert_many([full])
        later = metric("m", "Pass", timestamp="2025-02-01T00:00:00+00:00")
        bare = {"name": "kept", "quality_control": record("kept", metrics=[later])["quality_control"]}
        assert store.upsert_many([bare])[0].action == "updated"
        summary = store.get("kept").summary
        assert (summary.project, summary.subject_id, summary.level) == ("Alpha", "123", "raw")
        assert summary.acquired is not None and summary.overall_status == "Pass"

    def test_reingest_keeps_curations_made_in_the_portal_with_their_history(self, store):
        curation = {"object_type": "Curation metric", "name": "units", "modality": {"name": "Extracellular "
                    "electrophysiology", "abbreviation": "ecephys"}, "stage": "Processing", "type": "ephys",
                    "value": [{"good": [1, 2]}], "status_history": [
                        {"evaluator": "Automated", "status": "Pending", "timestamp": "2025-01-02T00:00:00+00:00"}],
                    "curation_history": [{"curator": "sorter", "timestamp": "2025-01-02T00:00:00+00:00"}]}
        store.upsert_many([record("c", metrics=[curation])])
        edit = MetricEdit("units", value=[{"good": [1, 2]}, {"good": [1]}])
        store.annotate(Annotation("c", 1, (edit,)), user=ANNOTATOR)
        changed = {**curation, "description": "new pipeline run"}
        assert store.upsert_many([record("c", metrics=[changed])])[0].action == "updated"
        got = store.get("c").record["quality_control"]["metrics"][0]
        assert got["value"] == [{"good": [1, 2]}, {"good": [1]}] and got["description"] == "new pipeline run"
        assert [h["curator"] for h in got["curation_history"]] == ["sorter", "Ada Lovelace"]
