"""The project page rebuilt for reading (issue 16): the ranking, time to QC, trends, every section
over HTTP, and the DocDB store (no project tables: the fallbacks, never a traceback)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from components import ids
from portal import create_app
from portal.settings import load_settings
from portal.store.project_types import TrendPoint
from portal.store.sql import reviews
from portal.store.sql.tables import assets
from portal.views import project_trends as pt
from portal.views.project_metrics import MetricRank, rank
from portal.views.project_trends import TrendOption
from tests.dash_client import DashClient
from tests.docdb_fixtures import *  # noqa: F403
from tests.project_page_records import PROJECT, project_records
from tests.records import metric, record
from tests.walk import iter_tree, texts

SECTIONS = {"metrics", "trends", "time-to-qc", "by-instrument"}


def test_wilson_ranks_one_failure_of_one_below_twenty_of_fifty():
    lone = MetricRank("lone", "ecephys", "Raw data", passed=0, failed=1, pending=0)
    many = MetricRank("many", "ecephys", "Raw data", passed=30, failed=20, pending=0)
    pending = MetricRank("pending", "ecephys", "Raw data", passed=0, failed=0, pending=9)
    assert [m.name for m in rank([lone, pending, many])] == ["many", "lone", "pending"]  # few decided: after
    # The same 40 % on 5 assets is less sure than on 50: the larger sample ranks first.
    small = MetricRank("small", "ecephys", "Raw data", passed=3, failed=2, pending=0)
    assert many.fail_lower > small.fail_lower and [m.name for m in rank([small, many])] == ["many", "small"]


def test_tolerated_is_neither_pass_nor_fail():
    m = MetricRank("m", "ecephys", "Raw data", passed=2, failed=1, pending=1, tolerated=1)
    assert (m.n, m.decided, m.fail_rate, m.pass_rate) == (5, 4, 0.25, 0.75)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_time_to_qc_on_a_hand_made_example(store):
    store.upsert_many([
        record("done", project=PROJECT, metrics=[metric("a", "Pass")]),
        record("open", project=PROJECT, metrics=[metric("a", "Pass"), metric("b", "Pending")]),
        record("untouched", project=PROJECT, metrics=[metric("a", "Pass")]),
    ])
    with store.engine.begin() as connection:
        for name in ("done", "open", "untouched"):
            connection.execute(update(assets).where(assets.c.name == name).values(created_at=_at("2025-01-01T00:00")))
        done, open_ = store.get("done").id, store.get("open").id
        entries = {done: [("Pending", "2025-01-01T02:00"), ("Pass", "2025-01-01T05:00"), ("Fail", "2025-01-02T00:00")],
                   open_: [("Fail", "2025-01-03T00:00")]}
        for asset_id, items in entries.items():
            reviews.record_entries(connection, asset_id=asset_id, asset_name=asset_id, project=PROJECT, account="ada",
                                   entries=[{"key": "k", "status": s, "at": _at(t), "evaluator": "Ada"}
                                            for s, t in items])
    rows = {r.asset: r for r in store.qc_times(PROJECT)}
    assert set(rows) == {"done", "open"}  # "untouched" has no entry written through the portal
    assert rows["done"].first_decision == _at("2025-01-01T05:00")  # a Pending entry is no decision
    assert rows["done"].settled == _at("2025-01-02T00:00") and rows["open"].settled is None
    times = pt.qc_times(list(rows.values()), limit=5000)
    assert (times.n, times.n_settled) == (2, 1)
    assert dict(times.first_hist)["1–6 h"] == 1 and dict(times.first_hist)["1–3 d"] == 1
    assert dict(times.settled_hist)["1–3 d"] == 1
    assert times.months == [("2025-01", 2, (5 + 48) / 2, 24.0)]


def test_trend_median_limits_and_outliers():
    option = TrendOption("m", "ecephys", "Raw data", 7)
    points = [TrendPoint(f"a{i}", _at(f"2025-01-0{i + 1}T00:00"), v, "Pass")
              for i, v in enumerate([10, 11, 9, 10, 12, 8, 40])]
    trend = pt.trend(option, points)
    assert (trend.median, trend.mad) == (10, 1)
    assert trend.limits == (7, 13)
    assert [p.asset_id for p in trend.outliers] == ["a6"] and trend.n_outliers == 1
    flat = pt.trend(option, [TrendPoint("x", _at("2025-01-01T00:00"), 1.0, "Pass")] * 3)
    assert flat.limits is None and flat.n_outliers == 0


@pytest.fixture
def app(tmp_path):
    app = create_app(load_settings(data_dir=tmp_path / "data", secret_key="x"))
    app.server.extensions["qc_portal"].store.upsert_many(project_records())
    return app


@pytest.fixture
def store(app):
    return app.server.extensions["qc_portal"].store


def _page(app, path: str) -> dict:
    dash = DashClient(app.server.test_client())
    status, data = dash.call("_pages_content.children", {"_pages_location.pathname": path,
                                                          "_pages_location.search": ""}, ["_pages_location.pathname"])
    assert status == 200
    return data


def _sections(data) -> set[str]:
    return set(__import__("re").findall(r'"data-section": "([a-z-]+)"', json.dumps(data)))


def test_every_section_over_http_and_the_trend_chooser(app):
    data = _page(app, f"/project/{PROJECT}")
    assert _sections(data) == SECTIONS  # no tracked sessions: no completeness section
    text = json.dumps(data)
    assert "323_EPHYS1" in text and "447_FRG_B" in text and "Traceback" not in text
    dash = DashClient(app.server.test_client())
    status, out = dash.call(f"{ids.PROJECT_TREND_BODY}.children", {f"{ids.PROJECT_TREND_METRIC}.value":
                                                                      "noise\tecephys\tRaw data",
                                                                      f"{ids.PROJECT_TREND_PROJECT}.data": PROJECT},
                            [f"{ids.PROJECT_TREND_METRIC}.value"])
    assert status == 200 and '"data-trend": "noise"' in json.dumps(out)


def test_an_empty_project_still_renders(app):
    from callbacks.project import layout

    with app.server.test_request_context("/"):
        tree = layout(project="Nobody")
    assert "No asset belongs" in texts(tree)
    assert ids.PROJECT_TREND_METRIC in {getattr(n, "id", None) for n in iter_tree(tree)}  # the hidden stub


def test_the_project_page_over_docdb_falls_back_and_says_what_it_cannot_show(fresh_gateway, tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="x",
                             store=fresh_gateway.store_url() + "&create=true")
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many(project_records())
    data = _page(app, f"/project/{PROJECT}")
    text = json.dumps(data)
    assert _sections(data) == SECTIONS and "Traceback" not in text
    assert text.count("Not available on this store (DocDB)") == 3  # trends, time to QC, by instrument
    assert '"data-metric": "drift"' in text


def test_trend_from_the_store_links_its_outliers_to_their_assets(app, store):
    from components.project_trends import trend_body

    values = [10, 11, 9, 10, 12, 8, 40]
    store.upsert_many([record(f"t{i}", project="Trend", acquired=f"2025-02-0{i + 1}T00:00:00+00:00",
                              metrics=[metric("gain", "Pass", value=v)]) for i, v in enumerate(values)])
    view = pt.trend_of(store, "Trend", TrendOption("gain", "ecephys", "Raw data", 7))
    assert [p.value for p in view.points] == [10, 11, 9, 10, 12, 8, 40]  # oldest first
    assert view.names == {view.outliers[0].asset_id: "t6"}
    with app.server.test_request_context("/"):
        hrefs = [getattr(n, "href", None) for n in iter_tree(trend_body(view))]
    assert "/asset/t6" in hrefs
