"""Generated junk against the Dash callback endpoint and the REST write endpoints: 0 5xx.

Two kinds of bodies: junk (any JSON, any bytes), and near-valid callback requests built
from the app's real callback list (`/_dash-dependencies`): the right output, inputs and
state with generated values, then sometimes one thing broken (a key dropped, an input
added, outputs swapped, ids of the wrong type). Sent as a visitor and as a signed-in
annotator, on SQLite and PostgreSQL. Bounded: a fixed number of examples per test,
derandomised (the same cases every run), no deadline (the machine is shared).
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import create_app
from portal.settings import load_settings
from tests.api_helpers import bearer, make_token, seed
from tests.auth_helpers import SAME_ORIGIN, add_user, login
from tests.records import metric

EXAMPLES = 100
BUDGET_S = 60  # per test, well above what it takes (a regression to slow answers shows here)
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
# Deep nesting: within the bound, past it, and past Python's own recursion limit.
deep = st.sampled_from([10, 65, 900, 5000, 100_000]).map(lambda n: "[" * n + "]" * n)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=10)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def portal_app(request, tmp_path_factory):
    """A seeded app, an annotator's signed-in client and token, and the callback list."""
    data = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    extra = {}
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        extra["database"] = server.create_database(f"fuzz{int(time.time() * 1000) % 10**9}")
    app = create_app(load_settings(data_dir=data / "data", secret_key="fuzz-secret", max_request_mb=1, **extra))
    seed(app, data / "assets")
    add_user(app, "ann", "annotator", "Ann Reviewer")
    session = app.server.test_client()
    assert login(session, "ann").status_code == 302
    token = make_token(app, "ada", "annotator", "Ada Lovelace")
    dependencies = app.server.test_client().get("/_dash-dependencies").get_json()
    return app, session, token, dependencies


def _client(app, session, who):
    return session if who == "annotator" else app.server.test_client()


def _no_5xx(response, what) -> None:
    assert response.status_code < 500, (what, response.status_code, response.get_data(as_text=True)[:500])
    if response.status_code >= 400 and response.mimetype == "application/json":
        assert set(response.get_json()) >= {"error", "message"}, response.get_json()


# -- near-valid callback requests --------------------------------------------------------

def _split(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(part.rsplit(".", 1)) for part in parts]


def _pattern_id(component: str, draw) -> dict:
    """A concrete id for a pattern-matching one: wildcards replaced by generated values."""
    pattern = json.loads(component)
    return {key: draw(st.one_of(st.text(max_size=6), st.integers(0, 5))) if isinstance(value, list) else value
            for key, value in pattern.items()}


def _entries(items, draw) -> list:
    out = []
    for item in items:
        component, prop = item["id"], item["property"]
        if component.startswith("{"):
            out.append([{"id": _pattern_id(component, draw), "property": prop, "value": draw(json_values)}
                        for _ in range(draw(st.integers(0, 3)))])
        else:
            out.append({"id": component, "property": prop, "value": draw(json_values)})
    return out


BREAKS = ["none", "none", "none", "drop key", "extra input", "fewer inputs", "output of another",
          "outputs junk", "changed junk", "id of wrong type", "value for every key"]


@st.composite
def callback_requests(draw, dependencies):
    dep = draw(st.sampled_from(dependencies))
    outputs = []
    for component, prop in _split(dep["output"]):
        if component.startswith('{"') and '["ALL"]' in component:  # one entry per matching component
            outputs.append([{"id": _pattern_id(component, draw), "property": prop}
                            for _ in range(draw(st.integers(0, 3)))])
        elif component.startswith('{"'):
            outputs.append({"id": _pattern_id(component, draw), "property": prop})
        else:
            outputs.append({"id": component, "property": prop})
    inputs = _entries(dep["inputs"], draw)
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "state": _entries(dep.get("state", []), draw),
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"][:1]],
    }
    broken = draw(st.sampled_from(BREAKS))
    if broken == "drop key":
        body.pop(draw(st.sampled_from(sorted(body))))
    elif broken == "extra input":
        body["inputs"] = [*inputs, draw(json_values)]
    elif broken == "fewer inputs":
        body["inputs"] = inputs[:-1]
    elif broken == "output of another":
        body["output"] = draw(st.sampled_from(dependencies))["output"]
    elif broken == "outputs junk":
        body["outputs"] = draw(json_values)
    elif broken == "changed junk":
        body["changedPropIds"] = draw(json_values)
    elif broken == "id of wrong type" and inputs:
        first = inputs[0] if isinstance(inputs[0], dict) else {"property": "x"}
        body["inputs"] = [{**first, "id": draw(json_values)}, *inputs[1:]]
    elif broken == "value for every key":
        body = {key: draw(json_values) for key in body}
    return body


@pytest.mark.parametrize("who", ["anonymous", "annotator"])
def test_near_valid_callback_requests(portal_app, who):
    app, session, _token, dependencies = portal_app
    client = _client(app, session, who)
    started = time.monotonic()

    @given(body=callback_requests(dependencies))
    @BOUNDED
    def run(body):
        response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json",
                               headers=SAME_ORIGIN)
        _no_5xx(response, body)

    run()
    assert time.monotonic() - started < BUDGET_S


@pytest.mark.parametrize("who", ["anonymous", "annotator"])
def test_junk_callback_requests(portal_app, who):
    app, session, _token, _deps = portal_app
    client = _client(app, session, who)
    started = time.monotonic()
    bodies = st.one_of(json_values.map(json.dumps), st.binary(max_size=300), st.text(max_size=300),
                       deep, deep.map(lambda text: '{"output": "x", "inputs": ' + text + "}"),
                       json_values.map(lambda v: json.dumps(v).replace("null", "NaN")))
    types = st.sampled_from(["application/json", "application/json", "text/plain", "multipart/form-data", ""])

    @given(body=bodies, content_type=types)
    @BOUNDED
    def run(body, content_type):
        response = client.post("/_dash-update-component", data=body, content_type=content_type or None,
                               headers=SAME_ORIGIN)
        _no_5xx(response, body)

    run()
    assert time.monotonic() - started < BUDGET_S


# -- REST writes -------------------------------------------------------------------------

names = st.one_of(st.sampled_from(["a", "b", "legacy", "bare", "broken", "nope"]), st.text(min_size=1, max_size=12))


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@st.composite
def annotations(draw):
    change = st.fixed_dictionaries({"metric": st.one_of(st.sampled_from(["drift", "noise", "label", "m"]),
                                                        st.text(max_size=12))},
                                   optional={"status": st.one_of(st.sampled_from(["Pass", "Fail", "Pending"]),
                                                                 json_values),
                                             "value": json_values, "comment": st.one_of(st.text(), json_values),
                                             "seen_history": st.one_of(st.integers(-2, 5), json_values),
                                             "seen_value": json_values})
    body = draw(st.fixed_dictionaries({"version": st.one_of(st.integers(-1, 4), json_values)},
                                      optional={"changes": st.lists(change, max_size=3),
                                                "notes": st.one_of(st.text(), json_values),
                                                "seen_notes": json_values, "force": json_values}))
    return body


@st.composite
def pushes(draw):
    one = st.builds(lambda n, s, v: {**metric(n, s), "value": v}, st.text(max_size=10),
                    st.sampled_from(["Pass", "Fail", "Pending"]), json_values)
    return draw(st.one_of(
        st.fixed_dictionaries({"metrics": st.lists(st.one_of(one, json_values), max_size=3)},
                              optional={"allow_tag_failures": json_values, "evaluation": json_values}),
        st.lists(one, max_size=3), json_values))


@pytest.mark.parametrize("who", ["anonymous", "annotator"])
def test_rest_writes(portal_app, who):
    app, _session, token, _deps = portal_app
    client = app.server.test_client()
    headers = bearer(token) if who == "annotator" else {}
    started = time.monotonic()
    raw = st.one_of(st.binary(max_size=200), deep, deep.map(lambda text: '{"version": 1, "notes": ' + text + "}"))

    fields = st.dictionaries(st.one_of(st.just("payload"), st.text(max_size=6)),
                             st.one_of(json_values.map(json.dumps), st.text(max_size=20)), max_size=4)

    @given(name=names, kind=st.sampled_from(["annotations", "qc/metrics"]), body=st.one_of(annotations(), pushes()),
           junk=st.one_of(st.none(), st.none(), raw), form=st.one_of(st.none(), st.none(), fields))
    @BOUNDED
    def run(name, kind, body, junk, form):
        path = f"/api/v1/assets/{_quote(name)}/{kind}"
        if form is not None:  # a multipart push: a `payload` field (maybe) and odd others
            response = client.post(path, data=form, headers=headers, content_type="multipart/form-data")
            _no_5xx(response, (name, kind, form))
            return
        data = junk if junk is not None else json.dumps(body)
        response = client.post(path, data=data, headers=headers, content_type="application/json")
        _no_5xx(response, (name, kind, data if isinstance(data, str) else data[:100]))

    run()
    assert time.monotonic() - started < BUDGET_S
