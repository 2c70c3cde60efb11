"""The shortcuts issue 19's ingest profile led to give what the long way gave: a bulk row's
processed values (a value shared by rows converted once), an event's JSON detail (a flat dict
copied, not round-tripped), a batch's project counts (summed into one Counter), and the
collector's settings (`qc-portal ingest` raises the young threshold for its duration only)."""

from __future__ import annotations

import gc
import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from portal.demo import build_records
from portal.ops.gc_tuning import YOUNG_THRESHOLD, fewer_collections
from portal.qc import summarise
from portal.store.sql import bulk, project_aggregates
from portal.store.sql.events import _jsonable


def _plan(processor) -> bulk._Plan:
    return bulk._Plan("INSERT ...", ("a", "b"), ("a", "b"), [processor, None], ())


def test_a_value_shared_by_rows_is_converted_once_and_equal_ones_each():
    calls = []

    def processor(value):
        calls.append(value)
        return f"<{value}>"

    shared = datetime(2025, 1, 2, tzinfo=UTC)
    twin = datetime(2025, 1, 2, tzinfo=UTC)  # equal, not the same object: converted again
    rows = [{"a": shared, "b": 1}, {"a": shared, "b": 2}, {"a": twin, "b": 3}, {"a": None, "b": 4},
            {"a": None, "b": 5}, {"a": shared, "b": 6}]
    got = _plan(processor).values(rows)
    assert got == [(f"<{row['a']}>", row["b"]) for row in rows]
    assert [value is shared for value in calls] == [True, False, False, True]  # shared, twin, None, shared


def test_each_call_converts_afresh():
    # The memo lives for one call: a dict changed between two batches is converted again.
    detail = {"n": 1}
    plan = _plan(json.dumps)
    first = plan.values([{"a": detail, "b": 0}])
    detail["n"] = 2
    assert plan.values([{"a": detail, "b": 0}]) == [('{"n": 2}', 0)] != first


@pytest.mark.parametrize("detail", [
    {},
    {"status": "Pass", "metrics": 5, "fail": 0, "ratio": 0.25, "done": True, "previous": None},
    {"nested": {"a": (1, 2)}, "when": datetime(2025, 1, 2, tzinfo=UTC)},
    {"day": date(2025, 1, 2)},
    {"items": [1, 2]},
    {1: "a non-string key"},
])
def test_an_event_detail_is_what_the_json_round_trip_gives(detail):
    got = _jsonable(detail)
    assert got == json.loads(json.dumps(detail, default=str))
    assert got is not detail  # a copy: the caller's dict is not the stored one


def test_a_batch_sums_its_project_counts_as_the_per_asset_counters_did():
    from portal.store.sql.rows import group_row, metric_rows, modality_rows, stage_rows, value_rows

    summed, into = Counter(), Counter({("c", "p", "week", "", "", "Pass"): 2})  # what came before stays
    expected = Counter(into)
    for record in build_records(40):
        summary, asset_id = summarise(record), record["_id"]
        parts = (group_row(asset_id, summary), metric_rows(asset_id, summary),
                 [row["position"] for row in value_rows(asset_id, summary)], modality_rows(asset_id, summary),
                 stage_rows(asset_id, summary))
        alone = project_aggregates.contribution(*parts)
        summed.update(alone)
        expected.update(alone)
        assert project_aggregates.contribution(*parts, into=into) is into
    assert into == expected and len(summed) > 100
    # _metric_params as it was written before (setdefault of a fresh dict per key): the same rows.
    rows: dict = {}
    for (tag, *key, column), n in summed.items():
        if tag == "m" and n:
            rows.setdefault(tuple(key), dict.fromkeys(project_aggregates.COLUMNS, 0))[column] += n
    before = [dict(zip(project_aggregates._KEY, key, strict=True), **counts) for key, counts in sorted(rows.items())]
    assert project_aggregates._metric_params(summed) == before
    assert project_aggregates.contribution(None, [], [], into=into) is into


def test_fewer_collections_restores_the_threshold():
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold() == (max(YOUNG_THRESHOLD, before[0]), *before[1:])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("an ingest that fails")
    assert gc.get_threshold() == before


def test_the_ingest_command_leaves_the_collector_as_it_found_it(tmp_path):
    from click.testing import CliRunner

    from portal.cli.main import main

    dump = tmp_path / "records.json"
    dump.write_text(json.dumps(list(build_records(3))))
    before = gc.get_threshold()
    result = CliRunner().invoke(main, ["ingest", str(dump), "--data-dir", str(tmp_path / "data")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert gc.get_threshold() == before
