"""Several raters over the REST API, on SQLite and PostgreSQL: policies, ratings that agree or
disagree, consensus appended once, adjudication, blind reads, repeats never appended,
agreement (kappa against a hand-computed example), permissions."""

from __future__ import annotations

import json
import threading

import plotly
import pytest

from portal import create_app
from portal.review.agreement import cohen, fleiss
from portal.settings import load_settings
from tests.api_helpers import bearer, make_token
from tests.records import metric, record

PROJECT = "Raters"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request, tmp_path):
    database = {} if request.param == "sqlite" else {"database": request.getfixturevalue("pg_url")}
    settings = load_settings(data_dir=tmp_path / "data", secret_key="ratings-tests", **database)
    app = create_app(settings)
    store = app.server.extensions["qc_portal"].store
    store.upsert_many([
        record(f"r{i}", project=PROJECT, acquired=f"2025-01-{i + 1:02d}T00:00:00+00:00",
               metrics=[metric("drift", "Pending", value=1.0), metric("noise", "Pending"),
                        metric("drift", "Pending", mod="behavior")], modalities=("ecephys", "behavior"))
        for i in range(6)
    ] + [record("solo", project="Solo", metrics=[metric("drift", "Pending")])])
    return app


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def people(app):
    return {name: bearer(make_token(app, name, role, name.title()))
            for name, role in [("ada", "annotator"), ("bo", "annotator"), ("cy", "annotator"),
                               ("lee", "annotator"), ("vi", "viewer"), ("root", "admin")]}


def _policy(client, people, **body):
    answer = client.put(f"/api/v1/projects/{PROJECT}/policy", json=body, headers=people["root"])
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _rate(client, who, asset, status, key=None, **more):
    body = {"key": key} if key else {"metric": "noise"}
    return client.post(f"/api/v1/assets/{asset}/ratings", json={**body, "status": status, **more}, headers=who)


def _history(app, asset, name="noise"):
    record_ = app.server.extensions["qc_portal"].store.get(asset).record
    metric_ = next(m for m in record_["quality_control"]["metrics"] if m["name"] == name)
    return metric_["status_history"]


def test_one_rating_required_is_a_status_entry_as_before(app, client, people):
    answer = _rate(client, people["ada"], "solo", "Pass", metric="drift", key=None)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["recorded"] == "annotation" and body["consensus"] is True
    history = _history(app, "solo", "drift")
    assert history[-1]["evaluator"] == "Ada" and history[-1]["status"] == "Pass"


def test_two_agreeing_ratings_append_one_entry_naming_both(app, client, people):
    _policy(client, people, ratings_required=2)
    before = len(_history(app, "r0"))
    first = _rate(client, people["ada"], "r0", "Fail", reason="noisy")
    assert first.status_code == 200 and first.get_json()["consensus"] is False
    assert first.get_json()["state"] == "open" and len(_history(app, "r0")) == before  # nothing appended yet
    second = _rate(client, people["bo"], "r0", "Fail").get_json()
    assert second["consensus"] is True and second["state"] == "consensus"
    history = _history(app, "r0")
    assert len(history) == before + 1
    assert history[-1]["evaluator"] == "Ada, Bo" and history[-1]["status"] == "Fail"
    # The ratings stay, linked to the decided round.
    rows = client.get("/api/v1/assets/r0/ratings", headers=people["lee"]).get_json()["ratings"]
    assert [(r["rater"], r["status"], r["state"]) for r in rows] == [("ada", "Fail", "consensus"),
                                                                      ("bo", "Fail", "consensus")]
    assert rows[0]["reason"] == "noisy"


def test_the_same_rater_twice_is_one_rating_not_a_consensus(app, client, people):
    _policy(client, people, ratings_required=2)
    _rate(client, people["ada"], "r1", "Pass")
    again = _rate(client, people["ada"], "r1", "Fail").get_json()  # changed their mind
    assert again["consensus"] is False and [r["status"] for r in again["ratings"]] == ["Fail"]


def test_disagreement_goes_to_the_adjudicator_who_decides(app, client, people):
    _policy(client, people, ratings_required=2, leads=["lee"])
    before = len(_history(app, "r2"))
    _rate(client, people["ada"], "r2", "Pass")
    split = _rate(client, people["bo"], "r2", "Fail", reason="drift").get_json()
    assert split["state"] == "disputed" and split["consensus"] is False
    assert len(_history(app, "r2")) == before
    # A third rating waits too: the metric is the adjudicator's now.
    assert _rate(client, people["cy"], "r2", "Pass").status_code == 409
    # Queue: leads and admins see it, with every rating and its reason; annotators do not.
    assert client.get(f"/api/v1/projects/{PROJECT}/adjudications", headers=people["ada"]).status_code == 403
    queue = client.get(f"/api/v1/projects/{PROJECT}/adjudications", headers=people["lee"]).get_json()["items"]
    assert [(i["asset"], i["metric"]) for i in queue] == [("r2", "noise")]
    assert [(r["rater"], r["status"], r["reason"]) for r in queue[0]["ratings"]] == [
        ("ada", "Pass", None), ("bo", "Fail", "drift")]
    # Only admins and leads adjudicate.
    body = {"metric": "noise", "status": "Fail"}
    assert client.post("/api/v1/assets/r2/adjudications", json=body, headers=people["cy"]).status_code == 403
    decided = client.post("/api/v1/assets/r2/adjudications", json=body, headers=people["lee"])
    assert decided.status_code == 200 and decided.get_json()["evaluator"] == "Lee"
    history = _history(app, "r2")
    assert len(history) == before + 1 and history[-1]["evaluator"] == "Lee"
    # Decided once: a second adjudication is refused.
    assert client.post("/api/v1/assets/r2/adjudications", json=body, headers=people["root"]).status_code == 409
    assert client.get(f"/api/v1/projects/{PROJECT}/adjudications", headers=people["lee"]).get_json()["items"] == []


def test_three_raters_and_fleiss(app, client, people):
    _policy(client, people, ratings_required=3)
    for who in ("ada", "bo"):
        assert _rate(client, people[who], "r3", "Pass").get_json()["consensus"] is False
    third = _rate(client, people["cy"], "r3", "Pass").get_json()
    assert third["consensus"] is True and _history(app, "r3")[-1]["evaluator"] == "Ada, Bo, Cy"
    agreement = client.get(f"/api/v1/projects/{PROJECT}/agreement", headers=people["vi"]).get_json()
    assert agreement["fleiss"]["n"] == 1


def test_blind_raters_do_not_see_open_ratings_until_they_rate(app, client, people):
    _policy(client, people, ratings_required=2, blind=True)
    assert _rate(client, people["ada"], "r4", "Fail", reason="secret").status_code == 200
    seen_by_bo = client.get("/api/v1/assets/r4/ratings", headers=people["bo"]).get_json()["ratings"]
    assert seen_by_bo == []
    assert len(client.get("/api/v1/assets/r4/ratings", headers=people["root"]).get_json()["ratings"]) == 1
    # Bo's own answer shows only Bo's rating while the round is open... then both once decided.
    answer = _rate(client, people["bo"], "r4", "Fail").get_json()
    assert answer["consensus"] is True and len(answer["ratings"]) == 2
    assert len(client.get("/api/v1/assets/r4/ratings", headers=people["cy"]).get_json()["ratings"]) == 2


def test_a_repeat_of_a_decided_metric_is_kept_apart_and_never_appended(app, client, people):
    _policy(client, people, ratings_required=2)
    _rate(client, people["ada"], "r5", "Pass")
    _rate(client, people["bo"], "r5", "Pass")
    before = len(_history(app, "r5"))
    repeat = _rate(client, people["ada"], "r5", "Fail").get_json()
    assert repeat["recorded"] == "repeat" and repeat["consensus"] is False
    assert len(_history(app, "r5")) == before
    raters = {r["rater"]: r for r in client.get(f"/api/v1/projects/{PROJECT}/agreement",
                                                headers=people["vi"]).get_json()["raters"]}
    assert raters["ada"]["repeats"] == 1 and raters["ada"]["consistency"] == 0.0


def test_agreement_kappa_matches_a_hand_computed_example(app, client, people):
    _policy(client, people, ratings_required=2)
    # Ada and Bo on 6 items: (P,P) (P,P) (F,F) (P,F) (F,F) (P,P) -> 5/6 agree.
    pairs = [("Pass", "Pass"), ("Pass", "Pass"), ("Fail", "Fail"), ("Pass", "Fail"), ("Fail", "Fail"),
             ("Pass", "Pass")]
    for i, (a, b) in enumerate(pairs):
        _rate(client, people["ada"], f"r{i}", a, metric="drift", modality="behavior")
        _rate(client, people["bo"], f"r{i}", b, metric="drift", modality="behavior")
    body = client.get(f"/api/v1/projects/{PROJECT}/agreement", headers=people["vi"]).get_json()
    pair = next(p for p in body["pairs"] if p["metric"] == "drift")
    # p_o = 5/6; Ada: P 4/6, F 2/6; Bo: P 3/6, F 3/6; p_e = 4/6*3/6 + 2/6*3/6 = 1/2; kappa = (5/6-1/2)/(1/2) = 2/3
    assert pair["raters"] == ["ada", "bo"] and pair["n"] == 6
    assert pair["percent"] == 83.3 and pair["kappa"] == pytest.approx(0.667, abs=1e-3)
    assert pair["confusion"]["Pass"]["Fail"] == 1 and pair["confusion"]["Fail"]["Pass"] == 0
    assert body["disputed"] == 1  # the (Pass, Fail) item
    # The page is built from the same numbers: every section, the kappa shown.
    from components.agreement import agreement_page
    from portal.review.ratings import project_agreement

    page = json.dumps(agreement_page(project_agreement(app.server.extensions["qc_portal"], PROJECT)),
                      cls=plotly.utils.PlotlyJSONEncoder)
    for section in ("pairs", "per-metric", "fleiss", "raters"):
        assert f'"data-section": "{section}"' in page, section
    assert "0.667" in page and '"data-disputed": "1"' in page


def test_status_entries_are_refused_where_ratings_decide_unless_an_admin_forces(app, client, people):
    _policy(client, people, ratings_required=2)
    change = {"version": 1, "changes": [{"metric": "noise", "status": "Pass", "seen_history": 1}]}
    refused = client.post("/api/v1/assets/r0/annotations", json=change, headers=people["ada"])
    assert refused.status_code == 409 and "2 agreeing ratings" in refused.get_json()["message"]
    assert client.post("/api/v1/assets/r0/annotations", json={**change, "force": True},
                       headers=people["ada"]).status_code == 409  # force is an admin's
    forced = client.post("/api/v1/assets/r0/annotations", json={**change, "force": True}, headers=people["root"])
    assert forced.status_code == 200, forced.get_json()
    # A value alone is no decision: still written directly.
    value = {"version": forced.get_json()["version"], "changes": [{"metric": "drift", "modality": "ecephys",
                                                                   "value": 2.0, "seen_value": 1.0}]}
    assert client.post("/api/v1/assets/r0/annotations", json=value, headers=people["ada"]).status_code == 200


def test_permissions_and_bad_input(app, client, people):
    assert client.put(f"/api/v1/projects/{PROJECT}/policy", json={"ratings_required": 2},
                      headers=people["ada"]).status_code == 403
    assert client.put(f"/api/v1/projects/{PROJECT}/policy", json={"ratings_required": 2}).status_code == 401
    for bad in ({"ratings_required": 4}, {"ratings_required": "2"}, {"blind": "yes"}, {"repeat_fraction": 0.9},
                {"leads": ["nobody"]}, {"other": 1}):
        answer = client.put(f"/api/v1/projects/{PROJECT}/policy", json=bad, headers=people["root"])
        assert answer.status_code == 422, (bad, answer.get_json())
    assert _rate(client, people["vi"], "r0", "Pass").status_code == 403
    assert client.post("/api/v1/assets/r0/ratings", json={"metric": "noise", "status": "Pass"}).status_code == 401
    assert _rate(client, people["ada"], "r0", "Pending").status_code == 422
    assert _rate(client, people["ada"], "r0", "Pass", metric="nope").status_code == 422
    ambiguous = client.post("/api/v1/assets/r0/ratings", json={"metric": "drift", "status": "Pass"},
                            headers=people["ada"])
    assert ambiguous.status_code == 422 and "drift" in ambiguous.get_json()["message"]
    assert _rate(client, people["ada"], "missing", "Pass").status_code == 404
    assert client.get(f"/api/v1/projects/{PROJECT}/policy").get_json()["ratings_required"] == 1


def test_concurrent_raters_complete_one_consensus(app, client, people):
    """Two raters whose ratings complete a round at the same moment: one entry, not two."""
    _policy(client, people, ratings_required=2)
    for trial in range(4):
        asset = f"r{trial}"
        before = len(_history(app, asset, "noise"))
        barrier = threading.Barrier(2)
        answers = []

        def rate(who, asset=asset, barrier=barrier, answers=answers):
            own = app.server.test_client()
            barrier.wait()
            answers.append(_rate(own, people[who], asset, "Pass").get_json())

        threads = [threading.Thread(target=rate, args=(who,)) for who in ("ada", "bo")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(a["consensus"] for a in answers) == [False, True], answers
        assert len(_history(app, asset, "noise")) == before + 1


def test_cohen_and_fleiss_by_hand():
    # Fleiss' own textbook shape, small: 3 raters, 4 items.
    n, kappa = fleiss([{"Pass": 3}, {"Fail": 3}, {"Pass": 2, "Fail": 1}, {"Pass": 1, "Fail": 2}])
    # P_i = 1, 1, 1/3, 1/3 -> mean 2/3; p = 6/12, 6/12 -> P_e = 1/2; kappa = (2/3-1/2)/(1/2) = 1/3
    assert n == 4 and kappa == pytest.approx(0.333, abs=1e-3)
    assert cohen({("Pass", "Pass"): 4}).kappa is None  # one category only: undefined, not 1 or 0
    assert cohen({}).n == 0
