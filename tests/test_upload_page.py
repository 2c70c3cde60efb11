"""The /upload and /tokens pages over HTTP: layouts by role, the callbacks as the browser calls them,
the templates, and writes refused for anyone but annotators."""

from __future__ import annotations

import base64
import json

import pytest

from components import ids
from portal import create_app
from portal.accounts.tokens import TokenStore
from tests.auth_helpers import add_user, login
from tests.dash_client import DashClient, output_value
from tests.records import metric, record
from tests.walk import find_by_id, texts

GOOD_AND_BAD = b"asset,metric,status,value,comment\na,drift,Fail,2.5,bad\na,nope,Pass,,\nb,m,Pass,,\n"


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([
        record("a", metrics=[metric("drift", "Pending", value=1.5)]), record("b", metrics=[metric("m", "Fail")])])
    add_user(app, "ann", "annotator", "Ann Reviewer")
    add_user(app, "vic", "viewer")
    return app


def _client(app, who=None):
    client = app.server.test_client()
    if who:
        assert login(client, who).status_code == 302
    return client


def _data_url(content: bytes) -> str:
    return "data:text/csv;base64," + base64.b64encode(content).decode()


def test_templates_download(app):
    client = _client(app)
    csv = client.get("/upload/template.csv")
    assert csv.mimetype == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    assert csv.data.startswith(b"asset,metric,status,value,comment")
    xlsx = client.get("/upload/template.xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet") and xlsx.data[:2] == b"PK"


@pytest.mark.parametrize(("who", "allowed"), [(None, False), ("vic", False), ("ann", True)])
def test_the_page_is_for_annotators(app, who, allowed):
    from callbacks.upload import layout

    with app.server.test_request_context("/upload"):
        app.server.preprocess_request()  # the app's before_request hooks: a user's request, as in a browser
        if who:
            from flask_login import login_user

            from portal.accounts.auth import User

            login_user(User(app.server.extensions["qc_portal"].users.get(who)))
        tree = layout()
    assert bool(find_by_id(tree, ids.UPLOAD_FILE)) is allowed
    if not allowed:
        assert "annotator" in texts(tree)


def test_check_submit_and_result_through_the_callbacks(app):
    client = _client(app, "ann")
    dash = DashClient(client)
    values = {f"{ids.UPLOAD_FILE}.contents": _data_url(GOOD_AND_BAD), f"{ids.UPLOAD_FILE}.filename": "mixed.csv"}
    status, data = dash.call(f"{ids.UPLOAD_SUBMIT}.disabled", values, [f"{ids.UPLOAD_FILE}.contents"])
    assert status == 200
    preview = output_value(data, ids.UPLOAD_PREVIEW, "children")
    assert "2 rows valid, 1 with errors" in str(preview)
    assert output_value(data, ids.UPLOAD_SUBMIT, "disabled") is False
    assert app.server.extensions["qc_portal"].store.get("a").version == 1  # checking writes nothing

    status, data = dash.call(f"{ids.UPLOAD_JOB}.data", {**values, f"{ids.UPLOAD_SUBMIT}.n_clicks": 1},
                             [f"{ids.UPLOAD_SUBMIT}.n_clicks"])
    assert status == 200
    result = str(output_value(data, ids.UPLOAD_RESULT, "children"))
    assert "2 rows applied, 1 not applied" in result and "has no metric" in result
    assert output_value(data, ids.UPLOAD_TICK, "disabled") is True
    store = app.server.extensions["qc_portal"].store
    assert store.get("a").record["quality_control"]["metrics"][0]["status_history"][-1]["evaluator"] == "Ann Reviewer"
    assert store.get("b").version == 2


@pytest.mark.parametrize("who", [None, "vic"])
def test_submit_is_refused_to_anyone_but_annotators(app, who):
    client = _client(app, who)
    dash = DashClient(client)
    values = {f"{ids.UPLOAD_FILE}.contents": _data_url(GOOD_AND_BAD), f"{ids.UPLOAD_FILE}.filename": "x.csv",
              f"{ids.UPLOAD_SUBMIT}.n_clicks": 1}
    text = client.post("/_dash-update-component", data=dash.body(f"{ids.UPLOAD_JOB}.data", values,
                                                                 [f"{ids.UPLOAD_SUBMIT}.n_clicks"]),
                       content_type="application/json", headers={"Sec-Fetch-Site": "same-origin"}).get_data(True)
    assert "Sign in as an annotator" in text or "may not annotate" in text
    store = app.server.extensions["qc_portal"].store
    assert store.get("a").version == store.get("b").version == 1


def test_a_tick_for_someone_elses_upload_is_refused(app):
    from portal.accounts.auth import User
    from portal.review.batch import apply
    from portal.review.batch.check import check_rows
    from portal.review.batch.sheets import read_upload

    portal = app.server.extensions["qc_portal"]
    ann = User(portal.users.get("ann"))

    upload = apply.records(portal).save(ann, "x.csv", check_rows(portal.store, read_upload("x.csv", GOOD_AND_BAD)))
    add_user(app, "bo", "annotator")
    client = _client(app, "bo")
    dash = DashClient(client)
    body = dash.body(f"{ids.UPLOAD_JOB}.data", {f"{ids.UPLOAD_TICK}.n_intervals": 1,
                                                 f"{ids.UPLOAD_JOB}.data": {"id": upload.id}},
                     [f"{ids.UPLOAD_TICK}.n_intervals"])
    text = client.post("/_dash-update-component", data=body, content_type="application/json",
                       headers={"Sec-Fetch-Site": "same-origin"}).get_data(True)
    assert "Only the person who uploaded" in text
    assert portal.store.get("a").version == 1


def test_tokens_page_creates_shows_once_and_revokes(app):
    client = _client(app, "ann")
    dash = DashClient(client)
    status, data = dash.call(f"{ids.TOKENS_NAME}.value..", {f"{ids.TOKENS_CREATE}.n_clicks": 1,
                                                             f"{ids.TOKENS_NAME}.value": "my pipeline"},
                             [f"{ids.TOKENS_CREATE}.n_clicks"])
    assert status == 200
    shown = str(output_value(data, ids.TOKENS_NEW, "children"))
    token = next(word for word in shown.replace("'", " ").split() if word.startswith("qcp_"))
    tokens = TokenStore(app.server.extensions["qc_portal"].users.engine)
    (info,) = tokens.list("ann")
    assert info.name == "my pipeline" and tokens.account(token).name == "ann"
    assert token not in str(output_value(data, ids.TOKENS_TABLE, "children"))  # listed, never shown again

    # The revoke button of that token, clicked (a pattern-matching input: built by hand).
    dep = next(d for d in dash.dependencies if "token-revoke" in json.dumps(d["inputs"]))
    button = {"type": "token-revoke", "token": info.id}
    payload = {"output": dep["output"], "outputs": [{"id": ids.TOKENS_NEW, "property": "children"},
                                                    {"id": ids.TOKENS_TABLE, "property": "children"},
                                                    {"id": ids.TOKENS_NAME, "property": "value"}],
               "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
               "changedPropIds": [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
               "state": []}
    response = client.post("/_dash-update-component", data=json.dumps(payload), content_type="application/json",
                           headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200
    assert not tokens.list("ann")[0].active and tokens.account(token) is None


def test_viewers_cannot_make_tokens_in_the_ui(app):
    client = _client(app, "vic")
    dash = DashClient(client)
    body = dash.body(f"{ids.TOKENS_NAME}.value..", {f"{ids.TOKENS_CREATE}.n_clicks": 1},
                     [f"{ids.TOKENS_CREATE}.n_clicks"])
    text = client.post("/_dash-update-component", data=body, content_type="application/json",
                       headers={"Sec-Fetch-Site": "same-origin"}).get_data(True)
    assert "may not annotate" in text
    assert TokenStore(app.server.extensions["qc_portal"].users.engine).list("vic") == []
