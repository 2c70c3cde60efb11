"""The asset page's numeric cards and their project distributions, over HTTP (Flask test client,
POSTs to /_dash-update-component as the browser sends them): one request answers every card
shown, a card without a distribution says why (no project, a store that cannot say, a metric
without numbers) (issue 19)."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy

from components import ids
from components.asset.context import context_plot
from portal import create_app
from portal.qc.stats import Bin, Distribution
from portal.settings import load_settings
from tests.auth_helpers import add_user
from tests.dash_client import DashClient, output_value
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record
from tests.walk import find_by_id

# The pattern input as /_dash-dependencies names it (sorted keys, no spaces).
SPECS = json.dumps({**ids.context_spec(0), "index": ["ALL"]}, sort_keys=True, separators=(",", ":")) + ".data"
PLOTS = f"{ids.CONTEXT_PLOTS}.data"


def _records():
    return [
        record("ctx_1", project="Ctx", metrics=[
            metric("drift", "Pass", tags={"probe": "A"}, value=1.0),
            metric("drift", "Fail", tags={"probe": "B"}, value=3.0),  # same name, modality, stage: one read
            metric("label", "Pass", value="good"),  # not a number: no slot
            metric("rms", "Pending", value=[2.0, 4.0]),
        ]),
        record("ctx_2", project="Ctx", metrics=[metric("drift", "Fail", tags={"probe": "A"}, value=5.0),
                                                metric("rms", "Pass", value=[6.0])]),
        record("loner", project=None, metrics=[metric("drift", value=2.0)]),
    ]


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many(_records())
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    return app


def _page(app, name, **query):
    from callbacks.asset.page import layout

    with app.server.test_request_context(f"/asset/{name}"):
        return layout(name=name, **query)


def _specs(tree) -> list[dict]:
    """The spec stores of the numeric cards, as the browser sends them (pattern input entries)."""
    return [{"id": s.id, "property": "data", "value": s.data}
            for s in find_by_id(tree, None) if isinstance(s.id, dict) and s.id.get("type") == "context-spec"]


def _info(tree) -> dict:
    return find_by_id(tree, ids.CONTEXT_INFO)[0].data


def _plots(app, name, client=None) -> tuple[int, dict | None]:
    tree = _page(app, name, group="none")
    dash = DashClient(client or app.server.test_client())
    status, data = dash.call(PLOTS, {SPECS: _specs(tree), f"{ids.CONTEXT_INFO}.data": _info(tree)}, [SPECS])
    return status, (output_value(data, ids.CONTEXT_PLOTS, "data") if data else None)


def test_one_request_answers_every_numeric_card_with_its_projects_distribution(app):
    tree = _page(app, "ctx_1", group="none")
    specs = _specs(tree)
    assert sorted(s["value"]["metric"] for s in specs) == ["drift", "drift", "rms"]  # "label" is no number
    status, plots = _plots(app, "ctx_1")
    assert status == 200
    assert set(plots) == {str(s["id"]["index"]) for s in specs}  # keyed by the cards' metric indices
    by_metric = {}
    for spec in specs:
        by_metric.setdefault(spec["value"]["metric"], []).append(plots[str(spec["id"]["index"])])
    first, second = by_metric["drift"]
    assert first == second and first["plot"] == "drift"
    assert first["n"] == 3  # ctx_1's two drifts and ctx_2's: the project's values
    assert "this asset" in first["caption"][3]
    assert by_metric["rms"][0]["n"] == 2  # one value per asset (a list counts as its median)


def test_without_a_project_every_card_says_so(app):
    status, plots = _plots(app, "loner")
    assert status == 200
    assert list(plots.values()) == [{"note": "No project: nothing to compare with."}]


def test_a_metric_the_project_has_no_numbers_for_is_a_note_not_a_traceback(app):
    tree = _page(app, "ctx_1", group="none")
    specs = _specs(tree)
    specs[0] = {**specs[0], "value": {**specs[0]["value"], "metric": "no such metric"}}
    dash = DashClient(app.server.test_client())
    status, data = dash.call(PLOTS, {SPECS: specs, f"{ids.CONTEXT_INFO}.data": _info(tree)}, [SPECS])
    assert status == 200
    plots = output_value(data, ids.CONTEXT_PLOTS, "data")
    note = plots[str(specs[0]["id"]["index"])]
    assert set(note) == {"note"} and "no metric 'no such metric'" in note["note"]
    assert "Traceback" not in json.dumps(data)
    assert all("plot" in plots[str(s["id"]["index"])] for s in specs[1:])  # the others are drawn


def test_a_store_without_distributions_says_so_in_every_card(fresh_gateway, tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", secret_key="x",
                             store=fresh_gateway.store_url() + "&create=true")
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many(_records()[:1])
    status, plots = _plots(app, "ctx_1")
    assert status == 200 and len(plots) == 3
    assert len({p["note"] for p in plots.values()}) == 1
    assert "need the SQL store" in next(iter(plots.values()))["note"]


def test_the_plot_is_stacked_by_status_and_scaled_to_the_tallest_bin():
    found = Distribution(n=6, median=2.0, mad=1.0, p5=0.0, p95=4.0, asset=3.0, bins=(
        Bin(0.0, 2.0, passed=1, failed=1, pending=2), Bin(2.0, 4.0, passed=2)))
    plot = context_plot(found, metric="drift", project="Ctx")
    assert plot["plot"] == "drift" and plot["n"] == 6 and plot["height"] == 36
    tall, short = plot["bins"]
    assert [colour for colour, _ in tall["segments"]] == ["#D55E00", "#E69F00", "#009E73"]  # Fail on top, Pass below
    assert [px for _, px in tall["segments"]] == [9.0, 18.0, 9.0]  # 4 values: the full 36 px
    assert short["segments"] == [["#009E73", 18.0]]
    assert tall["title"] == "0 – 2: 4 (1 pass, 1 fail, 2 pending)"
    assert plot["marker"] == {"left": "calc(75.00% - 1px)", "title": "this asset: 3"}
    assert plot["caption"] == ["n = 6", "median 2, MAD 1", "range 0 – 4", "this asset 3"]
    assert plot["title"] == "drift across Ctx: 6 values, coloured by status"


def _failing_for(store, monkeypatch, metric_name: str, exc: Exception) -> list:
    """Make the store's distribution read raise `exc` for one metric; returns the metrics asked for.
    (A bug or a driver failure cannot be run on purpose: the store's own read is wrapped.)"""
    real, asked = store.metric_distribution, []

    def failing(project, name, *rest, **kwargs):
        asked.append(name)
        if name == metric_name:
            raise exc
        return real(project, name, *rest, **kwargs)

    monkeypatch.setattr(store, "metric_distribution", failing)
    return asked


def test_an_unexpected_error_in_one_metric_is_that_cards_note_and_the_others_are_drawn(app, monkeypatch, caplog):
    _failing_for(app.server.extensions["qc_portal"].store, monkeypatch, "rms", RuntimeError("a bug in the read"))
    specs = _specs(_page(app, "ctx_1", group="none"))
    status, plots = _plots(app, "ctx_1")
    assert status == 200
    by_metric = {s["value"]["metric"]: plots[str(s["id"]["index"])] for s in specs}
    note = by_metric["rms"]["note"]
    ref = re.fullmatch(r"Something went wrong on the server \(ref ([0-9a-f]{8})\)\. .*", note).group(1)
    assert by_metric["drift"]["plot"] == "drift"  # the other cards are drawn, none is left loading
    assert f"callback failed (ref {ref})" in caplog.text and "a bug in the read" in caplog.text  # quotable
    assert "Traceback" not in json.dumps(plots)


def test_a_database_that_stops_answering_is_one_note_in_every_card_asked_once(app, monkeypatch):
    down = sqlalchemy.exc.InterfaceError("SELECT", {}, Exception("connection already closed"))
    asked = _failing_for(app.server.extensions["qc_portal"].store, monkeypatch, "drift", down)
    status, plots = _plots(app, "ctx_1")
    assert status == 200 and len(plots) == 3
    assert {p["note"] for p in plots.values()} == {
        "Store unavailable: the database did not answer. Your changes were not lost; try again in a moment."}
    assert asked == ["drift"]  # not once per card
