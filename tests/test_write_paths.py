"""Every write path is checked on the server: found by walking the app, not by a list.

1. Statically: every Dash callback and every Flask view whose code reaches a write (the
   annotation service, a store or account write; followed through the project's own
   helper functions) carries the write mark (portal.security.writes), or is one of the
   few session routes named below with the reason.
2. Over HTTP: every registered Dash callback and every Flask route that accepts an
   unsafe method is called as an anonymous visitor and as a viewer; the marked ones
   are refused, and nothing at all is written (documents, versions, audit log, accounts).
   An annotator's same request does write (so the refusal is the check, not the payload).
"""

from __future__ import annotations

import inspect
import json
import re
import types

import pytest

from components import ids
from portal import create_app
from portal.security.writes import write_action
from tests.auth_helpers import SAME_ORIGIN, add_user, login
from tests.dash_client import DashClient
from tests.records import metric, record

# Names whose use means "this changes data" (the services and store methods that write).
WRITE_NAMES = frozenset({
    "annotation_service", "annotate", "add_metrics", "push_metrics", "upsert_many", "write_qc", "store_files",
    "set_role", "sign_in_external", "create_token", "revoke_token",
    "create_asset", "delete_asset", "restore_asset", "rename_asset",
    "add_webhook", "remove_webhook", "set_webhook_active", "retry_failed",
    "set_project_reasons", "set_policy",  # a project's settings (portal.review.reasons, portal.review.ratings)
    "set_expected_sessions",  # a project's expected sessions (portal.review.completeness)
    "create_assignment", "close_assignment",
})
# Routes that change the session or the caller's own account, never QC data; each with why.
SESSION_ROUTES = {
    "login": "signs in (records the login time); throttled, CSRF-checked",
    "logout": "signs out",
    "sso_callback": "signs in with a verified ID token (creates the account at the first sign-in)",
    "/_dash-update-component": "Dash's callback dispatcher: the callbacks it runs are checked one by one",
    "api._unknown": "answers 404 for unknown API paths",
    "aind._unknown": "answers 404 for other paths under /v1 (AIND's add_qc_evaluation)",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PROJECT = ("callbacks", "components", "portal")


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names) | set(code.co_freevars)  # globals, attributes and closed-over names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def reaches_write(function, depth: int = 3, seen: set | None = None) -> set[str]:
    """The write names `function` uses, directly or through the project's own functions."""
    function = inspect.unwrap(function)
    seen = seen if seen is not None else set()
    code = getattr(function, "__code__", None)
    if code is None or code in seen:
        return set()
    seen.add(code)
    names = _code_names(code)
    found = names & WRITE_NAMES
    if depth:
        scope = {**getattr(function, "__globals__", {}),
                 **{n: c.cell_contents for n, c in zip(code.co_freevars, function.__closure__ or (), strict=True)
                    if _filled(c)}}
        for name in names:
            target = scope.get(name)
            if isinstance(target, types.ModuleType) and target.__name__.startswith(PROJECT):
                # module.attribute: follow the attributes the code names on it
                for attr in names:
                    member = getattr(target, attr, None)
                    if inspect.isfunction(member) and member.__module__.startswith(PROJECT):
                        found |= reaches_write(member, depth - 1, seen)
            elif inspect.isfunction(target) and target.__module__.startswith(PROJECT):
                found |= reaches_write(target, depth - 1, seen)
    return found


def _filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from portal.settings import load_settings

    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("writes"), secret_key="write-paths"))
    store = app.server.extensions["qc_portal"].store
    store.upsert_many([record("ecephys_1", _id="id-1", metrics=[metric("drift", "Pending"), metric("rms", "Pass")]),
                       record("ecephys_2", _id="id-2", metrics=[metric("noise", "Fail")])])
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    add_user(app, "root", "admin", display_name="Root Admin")
    app.server.test_client().get("/")  # Dash registers its own callbacks at the first request
    return app


def snapshot(app) -> dict:
    """Everything a write could change."""
    portal = app.server.extensions["qc_portal"]
    assets = {name: (s.version, json.dumps(s.record, sort_keys=True, default=str))
              for name in ("ecephys_1", "ecephys_2") if (s := portal.store.get(name)) is not None}
    users = [(a.name, a.role, a.display_name) for a in portal.users.list()]
    from portal.events.webhooks import list_webhooks

    hooks = [(w.id, w.url, w.active, tuple(sorted(w.counts.items()))) for w in list_webhooks(portal.users.engine)]
    from portal.store.sql import reviews

    with portal.store.engine.connect() as connection:
        assigned = [(a.id, a.closed_at) for a in reviews.assignments(connection)]
    return {"assets": assets, "audit": len(portal.store.audit_log(limit=100_000)), "users": users,
            "webhooks": hooks, "deleted": [d.name for d in portal.store.deleted_assets()], "assignments": assigned}


def client_as(app, who: str | None):
    client = app.server.test_client()
    if who:
        assert login(client, who).status_code == 302
    return client


def server_callbacks(app) -> dict[str, object]:
    """Output key -> Python function of every server-side callback."""
    return {key: value["callback"] for key, value in app.callback_map.items() if value.get("callback")}


# -- 1. static: the marks are where the writes are -----------------------------------------

def test_every_callback_that_reaches_a_write_is_marked(app):
    callbacks = server_callbacks(app)
    assert len(callbacks) >= 10
    writers = {key: reaches_write(fn) for key, fn in callbacks.items()}
    writers = {key: names for key, names in writers.items() if names}
    assert writers, "the analysis found no write at all: it is broken"
    # The annotation service is reached by a callback, and that callback is marked.
    assert any("annotation_service" in names for names in writers.values())
    unmarked = {key: names for key, names in writers.items() if write_action(callbacks[key]) is None}
    assert not unmarked, f"callbacks reaching a write without portal.security.writes.writes(...): {unmarked}"
    # And nothing is marked that does not write (a mark in the wrong place hides the right one).
    marked = {key for key, fn in callbacks.items() if write_action(fn)}
    assert marked <= set(writers)


def test_every_flask_route_that_writes_is_marked_or_a_named_session_route(app):
    server = app.server
    problems = []
    for rule in server.url_map.iter_rules():
        view = server.view_functions[rule.endpoint]
        writes = reaches_write(view)
        unsafe = rule.methods & UNSAFE
        if (writes or unsafe) and write_action(view) is None and rule.endpoint not in SESSION_ROUTES:
            problems.append((rule.rule, sorted(unsafe), sorted(writes)))
    assert not problems, f"routes that accept writes without portal.security.writes.write_route: {problems}"


def test_the_analysis_sees_through_helpers():
    from callbacks.asset import edit

    submit = next(fn for fn in gc_functions(edit) if fn.__name__ == "submit")
    assert "annotation_service" in reaches_write(submit)
    assert not reaches_write(edit.track)


def test_an_unmarked_writer_would_be_caught():
    from portal.review import annotation_service

    def sneaky_callback(clicks, edits):
        return annotation_service.submit(None, None, edits)

    assert "annotation_service" in reaches_write(sneaky_callback) and write_action(sneaky_callback) is None


def gc_functions(module):
    import gc

    return [obj for obj in gc.get_objects()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__]


# -- 2. over HTTP: refused and nothing written -----------------------------------------------

def _payload(dep: dict, values: dict | None = None) -> bytes:
    values = values or {}

    def entries(items):
        out = []
        for item in items:
            component = item["id"]
            if isinstance(component, str) and component.startswith("{"):
                out.append(values.get(f"{component}.{item['property']}", []))
            else:
                out.append({"id": component, "property": item["property"],
                            "value": values.get(f"{component}.{item['property']}")})
        return out

    parts = dep["output"][2:-2].split("...") if dep["output"].startswith("..") else [dep["output"]]
    outputs = []
    for part in parts:
        component, prop = re.sub(r"@[0-9a-f]+$", "", part).rsplit(".", 1)
        outputs.append({"id": json.loads(component) if component.startswith("{") else component, "property": prop})
    inputs = entries(dep["inputs"])
    first = dep["inputs"][0]
    return json.dumps({
        "output": dep["output"], "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs, "state": entries(dep["state"]),
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }).encode()


def _submit_values(app) -> dict:
    stored = app.server.extensions["qc_portal"].store.get("ecephys_1")
    key = "drift [ecephys, Raw data]"  # the asset page keys edits by metric key (portal.views.asset.edits)
    edits = {stored.id: {"metrics": {key: {"key": key, "name": "drift", "status": "Fail", "seen_history": 1,
                                           "seen_status": "Pending", "version": stored.version}}}}
    return {f"{ids.DETAIL_SUBMIT}.n_clicks": 1, f"{ids.DETAIL_EDITS}.data": edits,
            f"{ids.DETAIL_ASSET}.data": {"id": stored.id, "name": stored.name, "version": stored.version},
            f"{ids.DETAIL_REFRESH}.data": 0}


def _marked_outputs(app) -> set[str]:
    return {key for key, fn in server_callbacks(app).items() if write_action(fn)}


@pytest.mark.parametrize("who", [None, "vic"])
def test_no_callback_writes_for_anonymous_users_or_viewers(app, who):
    client = client_as(app, who)
    dash = DashClient(client)
    marked = _marked_outputs(app)
    before = snapshot(app)
    called = refused = 0
    for dep in dash.dependencies:
        if dep.get("clientside_function"):
            continue  # runs in the browser; reaches the server only through other callbacks
        is_writer = dep["output"] in marked
        # A realistic request for the writers (it would write for an annotator), junk for the rest.
        body = _payload(dep, _submit_values(app) if is_writer else None)
        response = client.post("/_dash-update-component", data=body, content_type="application/json",
                               headers=SAME_ORIGIN)
        called += 1
        assert snapshot(app) == before, f"{dep['output']} wrote as {who or 'anonymous'}"
        if is_writer:
            text = response.get_data(as_text=True)
            assert re.search(r"Sign in as an? \w+|Your role \(viewer\) may not", text), text[:300]
            refused += 1
    assert called >= 10 and refused == len(marked) >= 1


@pytest.mark.parametrize("who", [None, "vic"])
def test_no_route_writes_for_anonymous_users_or_viewers(app, who):
    server = app.server
    before = snapshot(app)
    checked = 0
    for rule in server.url_map.iter_rules():
        unsafe = sorted(rule.methods & UNSAFE)
        if not unsafe or rule.endpoint == "/_dash-update-component":
            continue  # the dispatcher is covered callback by callback above
        url = rule.rule
        for argument in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{argument}>", "ecephys_1", url)
        marked = write_action(server.view_functions[rule.endpoint]) is not None
        for method in unsafe:
            client = client_as(app, who)
            response = client.open(url, method=method, json={"metrics": [], "changes": []}, headers=SAME_ORIGIN)
            checked += 1
            if marked:
                assert response.status_code in (401, 403), (url, method, response.status_code)
            assert snapshot(app) == before, f"{method} {url} wrote as {who or 'anonymous'}"
    assert checked >= 2  # /login and /logout at least


@pytest.mark.parametrize("who", ["ann", "root"])
def test_the_same_request_from_an_annotator_or_admin_writes(app, who):
    client = client_as(app, who)
    dash = DashClient(client)
    marked = _marked_outputs(app)
    # The asset page's Submit (the values below are its request); the other marked callbacks are refused alike.
    dep = next(d for d in dash.dependencies if d["output"] in marked
               and any(i["id"] == ids.DETAIL_SUBMIT for i in d["inputs"]))
    before = snapshot(app)
    response = client.post("/_dash-update-component", data=_payload(dep, _submit_values(app)),
                           content_type="application/json", headers=SAME_ORIGIN)
    assert response.status_code == 200 and "Saved 1 change" in response.get_data(as_text=True)
    after = snapshot(app)
    assert after["audit"] == before["audit"] + 1
    assert after["assets"]["ecephys_1"][0] == before["assets"]["ecephys_1"][0] + 1
