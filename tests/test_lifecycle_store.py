"""The asset lifecycle of the SQL store (SQLite and PostgreSQL): soft delete, restore, rename, create.

"Hidden everywhere" is checked against an oracle: a second store seeded without the
deleted asset must answer every read (pages, counts pre-aggregated or not, facets,
search, exports, project-page counts) exactly as the store where it was deleted; after a
restore, exactly as a store that never deleted it.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import insert, select, text, update

from portal.errors import Conflict, InvalidInput, NotFound
from portal.review.metrics_merge import read_payload
from portal.store.protocol import Actor, Annotation, AssetQuery, MetricEdit, Sort
from portal.store.sql.engine import make_engine
from portal.store.sql.hidden import DELETED
from portal.store.sql.store import SqlAssetStore
from portal.store.sql.tables import asset_counts, asset_deletions, assets
from tests.records import metric, record

_names = itertools.count()
PIPELINE = Actor("pipe", "pipe", service=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def make_store(request, tmp_path):
    """A factory of fresh, empty SQL stores of the parameter's kind."""
    engines = []

    def make():
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'store{next(_names)}.db'}"
        else:
            url = request.getfixturevalue("postgres").create_database(f"life{next(_names)}")
        engine = make_engine(url)
        engines.append(engine)
        return SqlAssetStore(engine)

    yield make
    for engine in engines:
        engine.dispose()


def _records():
    return [
        record("ecephys_1", project="Alpha", subject="1", acquired="2025-01-01T10:00:00+00:00",
               metrics=[metric("a", "Pass"), metric("b", "Fail"), metric("c", "Pending")]),
        record("ecephys_2", project="Alpha", modalities=("ecephys", "behavior"), subject="2",
               acquired="2025-02-01T10:00:00+00:00",
               metrics=[metric("a", "Fail"), metric("v", "Pending", mod="behavior")]),
        # The one deleted below: its project, subject and modality are its alone, so facets must lose them.
        record("spim_3", project="Delta", modalities=("SPIM",), subject="3", level="derived",
               acquired="2025-03-01T10:00:00+00:00", source=["ecephys_1"],
               metrics=[metric("a", "Fail", mod="SPIM", stage="Processing"), metric("z", "Pending", mod="SPIM")]),
        record("behavior_4", project="Beta", modalities=("behavior",), subject="4", qc=False,
               acquired="2025-04-01T10:00:00+00:00"),
    ]


_QUERIES = [
    AssetQuery(), AssetQuery(project=("Alpha", "Delta")), AssetQuery(modality=("SPIM",)),
    AssetQuery(status=("Fail",)), AssetQuery(level=("derived",)), AssetQuery(text="_3"),
    AssetQuery(subject=("3",)), AssetQuery(pending=True), AssetQuery(metric=("a",), metric_status=("Fail",)),
    AssetQuery(source=("ecephys_1",)), AssetQuery(modality=("SPIM", "ecephys")),
]


def everything(store) -> dict:
    """Every read a user or program can make, in a comparable form."""
    out = {"facets": store.facets(), "count": store.count_assets(), "schema": store.schema_versions()}
    for n, query in enumerate(_QUERIES):
        page = store.list_assets(query, Sort("name", False))
        out[f"page{n}"] = ([replace(row, last_review_at=None) for row in page.rows], page.total)
        out[f"iter{n}"] = [row.name for row in store.iter_assets(query, Sort("name", False))]
        out[f"counts{n}"] = sorted(store.counts(query), key=repr)
        out[f"totals{n}"] = store.status_totals(query)
        for by in ("project", "subject", "level", "week"):
            out[f"by{by}{n}"] = sorted(store.status_counts(query, by), key=repr)
        out[f"subjects{n}"] = sorted(store.subject_counts(query), key=repr)
        out[f"stages{n}"] = sorted(store.stage_counts(query), key=repr)
        out[f"metrics{n}"] = sorted(store.metric_counts(query), key=repr)
    return out


def _aggregates(store) -> list:
    with store.engine.connect() as connection:
        rows = connection.execute(select(asset_counts).where(asset_counts.c.n != 0)).all()
    return sorted(tuple(r) for r in rows)


def test_a_deleted_asset_is_hidden_from_every_read_and_restored_exactly(make_store):
    store, without, untouched = make_store(), make_store(), make_store()
    recs = _records()
    store.upsert_many(recs)
    untouched.upsert_many(recs)
    without.upsert_many([r for r in recs if r["name"] != "spim_3"])
    assert everything(store) == everything(untouched)

    gone = store.delete_asset("spim_3", user="root")
    assert gone.action == "deleted" and gone.name == "spim_3"
    assert everything(store) == everything(without)
    assert _aggregates(store) == _aggregates(without)  # its share of asset_counts has left
    assert "Delta" not in store.facets()["project"] and "SPIM" not in store.facets()["modality"]
    assert store.get("spim_3") is None and store.get(gone.id) is None
    assert [d.name for d in store.deleted_assets()] == ["spim_3"]

    back = store.restore_asset("spim_3", user="root")
    assert back.action == "restored" and store.get("spim_3").version == 1
    assert everything(store) == everything(untouched)
    assert _aggregates(store) == _aggregates(untouched)
    assert store.deleted_assets() == []


def test_a_deleted_asset_takes_no_writes_and_keeps_its_audit_log(make_store):
    store = make_store()
    recs = _records()
    store.upsert_many(recs, actor="ingest-bot")
    store.delete_asset("ecephys_1", user="root")
    with pytest.raises(NotFound):
        store.annotate(Annotation("ecephys_1", 1, (MetricEdit("a", status="Fail", seen_history=1),)), user="ann")
    with pytest.raises(NotFound):
        store.add_metrics("ecephys_1", read_payload({"metrics": [metric("new", "Pass")]}), user="ann")
    changed = dict(recs[0], quality_control={**recs[0]["quality_control"], "notes": "re-run"})
    result = store.upsert(changed)
    assert result.action == "error" and "was deleted" in result.error and "assets restore ecephys_1" in result.error
    assert store.upsert(recs[0]).action == "unchanged"  # the same file again: nothing to do, nothing written
    assert store.get("ecephys_1") is None and store.count_assets() == 3
    actions = [entry.action for entry in store.audit_log(asset="ecephys_1")]
    assert actions == ["delete", "create"]
    with pytest.raises(Conflict, match="deleted already"):
        store.delete_asset("ecephys_1", user="root")
    with pytest.raises(Conflict, match="not deleted"):
        store.restore_asset("ecephys_2", user="root")
    with pytest.raises(NotFound):
        store.delete_asset("nope", user="root")
    store.restore_asset("ecephys_1", user="root")
    assert store.get("ecephys_1").name == "ecephys_1"
    assert [entry.action for entry in store.audit_log(asset="ecephys_1")] == ["restore", "delete", "create"]


def test_rename_keeps_the_old_name_working(make_store):
    store = make_store()
    recs = _records()
    store.upsert_many(recs)
    asset_id = store.get("ecephys_1").id
    store.annotate(Annotation("ecephys_1", 1, (MetricEdit("a", status="Fail", seen_history=1),)), user="ann")
    done = store.rename_asset("ecephys_1", "ecephys_1_v2", user="root")
    assert (done.name, done.version, done.id) == ("ecephys_1_v2", 3, asset_id)
    renamed = store.get("ecephys_1")  # the old name finds it
    assert renamed.name == "ecephys_1_v2" and renamed.record["data_description"]["name"] == "ecephys_1_v2"
    assert store.get("ecephys_1_v2").id == asset_id
    assert store.renamed_to("ecephys_1") == "ecephys_1_v2" and store.renamed_to("ecephys_1_v2") is None
    names = [row.name for row in store.list_assets(AssetQuery()).rows]
    assert "ecephys_1_v2" in names and "ecephys_1" not in names
    assert [e.action for e in store.audit_log(asset="ecephys_1")] == ["rename", "annotate", "create"]
    assert [e.action for e in store.audit_log(asset="ecephys_1_v2")] == ["rename", "annotate", "create"]

    # Re-ingesting the original folder (old name, changed) updates the renamed asset and keeps its name.
    changed = dict(recs[0], quality_control={**recs[0]["quality_control"],
                                             "metrics": [*recs[0]["quality_control"]["metrics"], metric("d", "Pass")]})
    assert store.upsert(changed).action == "updated"
    again = store.get("ecephys_1_v2")
    assert again.id == asset_id and again.name == "ecephys_1_v2" and store.count_assets() == 4
    assert again.record["data_description"]["name"] == "ecephys_1_v2"
    assert {m["name"] for m in again.record["quality_control"]["metrics"]} == {"a", "b", "c", "d"}

    for taken in ("ecephys_2", store.get("ecephys_2").id):  # another asset's name or id
        with pytest.raises(Conflict, match="taken"):
            store.rename_asset("ecephys_1_v2", taken, user="root")
    store.rename_asset("ecephys_2", "ecephys_2_v2", user="root")
    with pytest.raises(Conflict, match="taken"):  # another asset's old name
        store.rename_asset("ecephys_1_v2", "ecephys_2", user="root")
    with pytest.raises(InvalidInput):
        store.rename_asset("ecephys_1_v2", "  ", user="root")
    with pytest.raises(InvalidInput, match="named so already"):
        store.rename_asset("ecephys_1_v2", "ecephys_1_v2", user="root")

    back = store.rename_asset("ecephys_1_v2", "ecephys_1", user="root")  # a name it had is its own again
    assert back.name == "ecephys_1" and store.renamed_to("ecephys_1") is None
    assert store.renamed_to("ecephys_1_v2") == "ecephys_1"


def test_a_deleted_asset_can_be_renamed_to_free_its_name(make_store):
    store = make_store()
    store.upsert_many(_records())
    store.delete_asset("ecephys_1", user="root")
    store.rename_asset("ecephys_1", "ecephys_1_withdrawn", user="root")
    assert store.renamed_to("ecephys_1") is None  # a deleted asset is redirected to by nothing
    store.restore_asset("ecephys_1_withdrawn", user="root")
    assert store.get("ecephys_1").name == "ecephys_1_withdrawn"


def _description(name: str | None = None, project: str = "Alpha") -> dict:
    description = {"project_name": project, "subject_id": "9", "data_level": "raw",
                   "modalities": [{"name": "Extracellular electrophysiology", "abbreviation": "ecephys"}]}
    return {**description, **({"name": name} if name else {})}


def test_create_asset_then_replace_its_data_description_keeping_its_qc(make_store):
    store = make_store()
    made = store.create_asset("ecephys_9", {"data_description": _description("ecephys_9")}, user="pipe")
    assert made.action == "created" and made.version == 1
    stored = store.get("ecephys_9")
    assert stored.summary.project == "Alpha" and stored.summary.overall_status == "No QC"
    again = store.create_asset("ecephys_9", {"data_description": _description("ecephys_9")}, user="pipe")
    assert again.action == "unchanged" and again.version == 1
    store.add_metrics("ecephys_9", read_payload({"metrics": [metric("drift", "Fail")]}), user=PIPELINE)
    moved = store.create_asset("ecephys_9", {"data_description": _description("ecephys_9", "Beta")}, user="pipe")
    assert moved.action == "updated" and moved.version == 3
    stored = store.get("ecephys_9")
    assert stored.summary.project == "Beta" and stored.summary.overall_status == "Fail"
    assert [m["name"] for m in stored.record["quality_control"]["metrics"]] == ["drift"]
    assert store.status_totals(AssetQuery(project=("Beta",))) == {"Fail": 1}  # counts follow
    assert store.status_totals(AssetQuery(project=("Alpha",))) == {}
    assert [e.action for e in store.audit_log(asset="ecephys_9")] == ["update", "add_metrics", "create"]

    store.rename_asset("ecephys_9", "ecephys_9b", user="root")
    with pytest.raises(Conflict, match="renamed to ecephys_9b"):
        store.create_asset("ecephys_9", {"data_description": _description("ecephys_9")}, user="pipe")
    store.delete_asset("ecephys_9b", user="root")
    with pytest.raises(Conflict, match="was deleted"):
        store.create_asset("ecephys_9b", {"data_description": _description("ecephys_9b")}, user="pipe")
    with pytest.raises(Conflict, match="taken"):  # an asset's id is no name for another
        store.create_asset(made.id, {"data_description": _description(made.id)}, user="pipe")


@pytest.mark.postgres
def test_an_annotation_waiting_for_a_row_that_gets_deleted_writes_nothing(pg_url):
    """The deletion commits while the annotation waits for the asset's row lock: the annotation
    must see it (it checks after the lock) and refuse, never write the hidden asset's status
    rows and counts back."""
    engine = make_engine(pg_url)
    store = SqlAssetStore(engine)
    store.upsert_many(_records())
    asset_id = store.get("ecephys_1").id
    before = _aggregates(store)
    outcome = {}
    with engine.connect() as holder:
        transaction = holder.begin()
        holder.execute(select(assets.c.id).where(assets.c.id == asset_id).with_for_update())

        def annotate():
            try:
                store.annotate(Annotation("ecephys_1", 1, (MetricEdit("c", status="Fail", seen_history=1),)),
                               user="ann")
                outcome["result"] = "applied"
            except NotFound:
                outcome["result"] = "not found"

        thread = threading.Thread(target=annotate)
        thread.start()
        for _ in range(200):  # until the annotation waits for the lock (asked on a connection of its own:
            # pg_stat_activity is read once per transaction)
            with engine.connect() as probe:
                waiting = probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
                if waiting.scalar_one():
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the annotation never waited for the row")
        # What delete_asset does, committed while the annotation waits.
        holder.execute(insert(asset_deletions).values(asset_id=asset_id, deleted_at=text("now()"), deleted_by="x"))
        holder.execute(update(assets).where(assets.c.id == asset_id).values(status=DELETED))
        transaction.commit()
    thread.join(10)
    assert outcome["result"] == "not found"
    assert store.get("ecephys_1") is None
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version FROM assets WHERE id = :i"), {"i": asset_id}).scalar_one() == 1
    assert _aggregates(store) == before  # nothing written (the raw deletion above did not touch counts)
    engine.dispose()
