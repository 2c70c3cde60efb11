"""The project page's pre-aggregated tables (migration 0019) equal counts made independently from
the documents, through ingest, annotate, push, delete / restore and re-ingest, on SQLite and
PostgreSQL; the migration's backfill equals the maintained tables."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime

import pytest
from aind_data_schema.core.quality_control import _get_status_by_date
from alembic import command
from sqlalchemy import select

from portal.qc import load_qc
from portal.review.metrics_merge import read_payload
from portal.store.protocol import Actor, Annotation, AssetQuery, MetricEdit
from portal.store.sql import project_aggregates
from portal.store.sql.engine import _alembic_config, migrate
from portal.store.sql.project_tables import asset_groups, project_cells, project_metrics
from portal.views.project import project_view
from tests.project_page_records import PROJECT, project_records, shared_ecephys, v2
from tests.records import metric


@pytest.fixture
def store(sql_store):
    return sql_store  # tests/conftest.py: SQLite, then PostgreSQL


def _instrument(doc: dict) -> str:
    raw = (doc.get("acquisition") or {}).get("instrument_id") or (doc.get("session") or {}).get("rig_id") or ""
    return re.sub(r"_20\d{6}$", "", raw)


def _experimenters(doc: dict) -> list[str]:
    names = (doc.get("acquisition") or {}).get("experimenters") or \
        (doc.get("session") or {}).get("experimenter_full_name") or []
    return [n["name"] if isinstance(n, dict) else n for n in names]


def oracle(store) -> Counter:
    """{(name, modality, stage, dimension, value, column): n} from each visible asset's document,
    with aind-data-schema's own models and rule (_get_status_by_date: the latest entry by
    timestamp), tolerated when a Fail's tag pair or value is in allow_tag_failures."""
    out, now = Counter(), datetime.now(UTC)
    for row in store.iter_assets(AssetQuery(project=(PROJECT,))):
        doc = store.get(row.name).record
        if not doc.get("quality_control"):
            continue
        qc = load_qc(doc["quality_control"])
        allow = set(qc.allow_tag_failures or ())
        dims = [("*", ""), ("instrument", _instrument(doc))] + [("experimenter", e) for e in _experimenters(doc)]
        for m in qc.metrics:
            status = _get_status_by_date(m, now)
            status = getattr(status, "value", status)
            tags = m.tags or {}
            tolerated = status == "Fail" and any(f"{k}:{v}" in allow or v in allow for k, v in tags.items())
            column = "tolerated" if tolerated else {"Pass": "passed", "Fail": "failed", "Pending": "pending"}[status]
            numeric = isinstance(m.value, int | float) and not isinstance(m.value, bool)
            for dim, value in dims:
                key = (m.name, m.modality.abbreviation, m.stage.value if hasattr(m.stage, "value") else m.stage,
                       dim, value)
                out[(*key, column)] += 1
                if numeric:
                    out[(*key, "n_values")] += 1
    return out


def maintained(store) -> Counter:
    """The same Counter from project_metrics."""
    out = Counter()
    for r in store.project_metric_table(PROJECT) + store.project_metric_table(PROJECT, groups=True):
        for column in ("passed", "failed", "pending", "tolerated", "n_values"):
            if getattr(r, column):
                out[(r.name, r.modality, r.stage, r.dimension, r.value, column)] += getattr(r, column)
    return out


def cells_by_group_bys(store) -> Counter:
    """project_cells' counts from the store's GROUP BYs over the asset tables (another code path)."""
    query = AssetQuery(project=(PROJECT,))
    out = Counter()
    for r in store.stage_counts(query):
        out[("stage", r.modality, r.stage, r.status)] += r.n
    for r in store.subject_counts(query):
        out[("subject", r.subject or "", r.modality, r.status)] += r.n
    for g in store.status_counts(query, "week"):
        out[("week", g.key.isoformat() if g.key else "", "", g.status)] += g.n
    return out


def check(store) -> None:
    """The maintained tables equal the oracle, the GROUP BYs and a rebuild from the status rows."""
    assert maintained(store) == oracle(store)
    assert Counter({(c.kind, c.a, c.b, c.status): c.n for c in store.project_cells(PROJECT)}) == \
        cells_by_group_bys(store)
    with store.engine.connect() as connection:
        before = _dump(connection)
    with store.engine.begin() as connection:
        project_aggregates.rebuild(connection)
        assert _dump(connection) == before


def _dump(connection) -> set:
    return {tuple(r) for table in (project_metrics, project_cells) for r in connection.execute(select(table))
            if any(isinstance(v, int) and v for v in tuple(r)[5:])}


def _groups(connection) -> set:
    return {json.dumps(list(r), default=str) for r in connection.execute(select(asset_groups))}


def test_counts_stay_exact_through_every_write(store):
    records = project_records()
    fixture = shared_ecephys()
    store.upsert_many(records + ([fixture] if fixture else []))
    check(store)
    view = project_view(store, PROJECT)
    drift = next(m for m in view.metrics if (m.name, m.modality) == ("drift", "ecephys"))
    assert (drift.failed, drift.tolerated, drift.passed, drift.pending) == (1, 1, 1, 1)

    stored = store.get("r2-b")
    store.annotate(Annotation("r2-b", stored.version, (MetricEdit(metric="noise", status="Pass"),)), user="ada")
    stored = store.get("r2-a")
    store.annotate(Annotation("r2-a", stored.version, (MetricEdit(metric="video", status="Fail"),)), user="ada")
    check(store)

    pipeline = Actor("pipeline", "pipeline", service=True)
    store.add_metrics("r2-c", read_payload([metric("pushed", "Fail", value=4.0)]), user=pipeline)
    check(store)

    store.delete_asset("r1-a", user="admin")
    check(store)
    assert ("lick 0", "behavior", "Raw data", "experimenter", "Cy", "tolerated") not in maintained(store)
    store.restore_asset("r1-a", user="admin")
    check(store)

    # Re-ingest with another instrument, experimenters and statuses: the old contribution goes.
    again = v2("r2-b", instrument="327_NP3_20260101", experimenters=["Bo"], metrics=[
        metric("drift", "Fail", tags={"probe": "A"}, value=7.0), metric("noise", "Fail", tags={"probe": "A"})])
    store.upsert_many([again])
    check(store)
    store.rename_asset("r2-b", "r2-b-renamed", user="admin")
    check(store)


def test_by_instrument_and_experimenter_from_1x_and_2x_records(store):
    store.upsert_many(project_records())
    view = project_view(store, PROJECT)
    instruments = {row.label: row.total for row in view.by_instrument.rows}
    assert set(instruments) == {"323_EPHYS1", "447_FRG_B", ""}  # the date suffix dropped; r2-c has none
    assert instruments["447_FRG_B"].decided == 3  # r1-a: Fail (tolerated) + Pass; r1-b: Fail (+ a Pending)
    assert instruments["447_FRG_B"].tolerated == 1 and instruments["447_FRG_B"].failed == 1
    people = {row.label: row.total for row in view.by_experimenter.rows}
    assert set(people) == {"Ada", "Bo", "Cy"}
    assert people["Ada"].n == 4 + 2 + 2  # r2-a, r2-b (a {"name"} person), r1-b
    assert people["Cy"].n == 4


def test_migration_backfill_equals_the_maintained_tables(store):
    records = project_records()
    store.upsert_many(records)
    store.delete_asset("r1-b", user="admin")
    with store.engine.connect() as connection:
        kept = _dump(connection), _groups(connection)
    with store.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0018")
    migrate(store.engine)
    with store.engine.connect() as connection:
        assert (_dump(connection), _groups(connection)) == kept
    check(store)
