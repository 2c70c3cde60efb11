"""The assignments page `/review/assignments` over HTTP, on a real SQLite file: admins make and
close assignments through the page's callbacks (errors in place, the form kept), everyone else
is refused on the server (direct POSTs included), reviewers see theirs, and the navbar's
"My reviews" count follows."""

from __future__ import annotations

import json

import pytest

from components import ids
from portal import create_app
from portal.review import assignments
from tests.auth_helpers import add_user, login
from tests.dash_client import DashClient, output_value
from tests.records import metric, record


@pytest.fixture
def app(settings):
    app = create_app(settings)
    _portal(app).store.upsert_many([
        record("a1", project="Alpha", metrics=[metric("x", "Pending"), metric("y", "Pending"), metric("z", "Pass")]),
        record("a2", project="Alpha", metrics=[metric("x", "Pending")]),
        record("b1", project="Beta", metrics=[metric("x", "Pending")]),
    ])
    add_user(app, "root", "admin", display_name="Root Admin")
    add_user(app, "ada", "annotator", display_name="Ada Lovelace")
    add_user(app, "bob", "annotator", display_name="Bob Builder")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    return app


def _portal(app):
    return app.server.extensions["qc_portal"]


def _client(app, who: str | None):
    client = app.server.test_client()
    if who:
        assert login(client, who).status_code == 302
    return DashClient(client)


def _create(dash: DashClient, name="Alpha sweep", filters="project=Alpha", reviewers=("ada",)):
    values = {f"{ids.ASSIGN_CREATE}.n_clicks": 1, f"{ids.ASSIGN_NAME}.value": name,
              f"{ids.ASSIGN_FILTERS}.value": filters, f"{ids.ASSIGN_REVIEWERS}.value": list(reviewers)}
    return dash.call(ids.ASSIGN_MESSAGE, values, [f"{ids.ASSIGN_CREATE}.n_clicks"])


def _close(dash: DashClient, assignment_id: int):
    """POST the click of one Close button, as the browser does for a pattern-matching input."""
    button = ids.assignment_close(assignment_id)
    dep = next(d for d in dash.dependencies if d["inputs"] and "assignment-close" in str(d["inputs"][0]["id"]))
    key = json.dumps(button, sort_keys=True, separators=(",", ":"))
    body = {"output": dep["output"], "outputs": {"id": ids.ASSIGN_LIST, "property": "children"},
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]], "state": [],
            "changedPropIds": [f"{key}.n_clicks"]}
    return dash.post(json.dumps(body).encode())


def _page(dash: DashClient, search: str = "") -> str:
    """The page as the router renders it (JSON text of the component tree)."""
    router = next(d for d in dash.dependencies if d["output"].startswith("..") and "_pages_content" in d["output"])
    values = {"_pages_location.pathname": "/review/assignments", "_pages_location.search": search}
    status, data = dash.call(router["output"], values, ["_pages_location.pathname"])
    assert status == 200
    return json.dumps(data)


def _nodes(tree, key: str, value) -> list[dict]:
    """Every serialized component whose props have `key` == `value` (or set at all when value is None)."""
    found = []
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and key in props and (value is None or props[key] == value):
            found.append(tree)
        for child in tree.values():
            found.extend(_nodes(child, key, value))
    elif isinstance(tree, list):
        for child in tree:
            found.extend(_nodes(child, key, value))
    return found


def _navbar_count(dash: DashClient) -> str | None:
    """The data-open-count of the navbar's "My reviews" link in a fresh layout (None: no link)."""
    layout = dash.client.get("/_dash-layout").get_json()
    links = _nodes(layout, "id", ids.NAV_MY_REVIEWS)
    assert len(links) <= 1
    return links[0]["props"]["data-open-count"] if links else None


def _cards(tree) -> dict[int, dict]:
    return {n["props"]["data-assignment"]: n["props"] for n in _nodes(tree, "data-assignment", None)}


def _all(app):
    with _portal(app).store.engine.connect() as connection:
        from portal.store.sql import reviews

        return reviews.assignments(connection)


def test_an_admin_creates_and_closes_through_the_page(app):
    dash = _client(app, "root")
    status, data = _create(dash, reviewers=("ada", "bob"))
    assert status == 200
    message = json.dumps(output_value(data, ids.ASSIGN_MESSAGE, "children"))
    assert "Assignment #1 made" in message and "3 Pending metrics" in message and "Ada Lovelace (ada)" in message
    cards = _cards(output_value(data, ids.ASSIGN_LIST, "children"))
    assert cards == {1: {**cards[1], "data-open": "true", "data-reviewed": 0, "data-total": 3}}
    # The form is cleared for the next one (the filters kept), and the Review link is the API's.
    assert output_value(data, ids.ASSIGN_NAME, "value") == ""
    assert output_value(data, ids.ASSIGN_REVIEWERS, "value") == []
    assert "/review?project=Alpha&assignment=1" in json.dumps(data)
    (row,) = _all(app)
    assert (row.name, row.filters, row.assignees, row.created_by) == ("Alpha sweep", "project=Alpha",
                                                                      ("ada", "bob"), "root")

    status, data = _close(dash, 1)
    assert status == 200
    assert _cards(output_value(data, ids.ASSIGN_LIST, "children"))[1]["data-open"] == "false"
    assert not _all(app)[0].is_open and _all(app)[0].closed_by == "root"
    # Closed meanwhile (another admin's tab): the Conflict is said on its card, nothing changes.
    status, data = _close(dash, 1)
    assert status == 200 and "assignment 1 is already closed" in json.dumps(data)
    status, data = _close(dash, 999)
    assert status == 200 and "Assignment not found: 999" in json.dumps(data)


@pytest.mark.parametrize(("name", "filters", "reviewers", "said"), [
    ("Sweep", "colour=red", ("ada",), "filters: unknown filter: colour."),
    ("Sweep", "status=Maybe", ("ada",), "filters: status 'Maybe': use one of"),
    ("Sweep", "project=Alpha", (), "assign it to at least one reviewer"),
    ("Sweep", "project=Alpha", ("nobody",), "no such account: nobody"),
    ("   ", "project=Alpha", ("ada",), "needs a name"),
    ("Sweep", "", ("ada",), "narrow the filters"),  # every asset: more than MAX_ASSETS (patched to 2)
])
def test_errors_are_shown_in_place_and_the_form_keeps_its_values(app, monkeypatch, name, filters, reviewers, said):
    monkeypatch.setattr(assignments, "MAX_ASSETS", 2)
    dash = _client(app, "root")
    status, data = _create(dash, name=name, filters=filters, reviewers=reviewers)
    assert status == 200
    assert said in json.dumps(output_value(data, ids.ASSIGN_MESSAGE, "children"))
    # Only the message is sent back: the name, the filters and the reviewers stay as typed.
    assert set(data["response"]) == {ids.ASSIGN_MESSAGE}
    assert _all(app) == []


@pytest.mark.parametrize("who", [None, "vic", "ada"])
def test_non_admins_are_refused_on_a_direct_post(app, who):
    made = assignments.create(_portal(app), _admin(app), "Alpha", "project=Alpha", ["ada"])
    dash = _client(app, who)
    status, data = _create(dash, name="Forged", reviewers=("ada",))
    expected = "Sign in as an admin" if who is None else "may not admin"
    assert expected in json.dumps(data or {}) and ids.ASSIGN_LIST not in (data or {}).get("response", {})
    status, data = _close(dash, made.id)
    assert expected in json.dumps(data or {}) and ids.ASSIGN_LIST not in (data or {}).get("response", {})
    (row,) = _all(app)
    assert row.name == "Alpha" and row.is_open


def _admin(app):
    from portal.accounts.auth import User

    return User(_portal(app).users.get("root"))


def test_a_reviewer_sees_only_theirs_open_first_and_no_form(app):
    portal, admin = _portal(app), _admin(app)
    first = assignments.create(portal, admin, "Ada old", "project=Alpha", ["ada"])
    assignments.create(portal, admin, "Bob only", "project=Beta", ["bob"])
    assignments.create(portal, admin, "Ada new", "project=Beta&modality=ecephys", ["ada", "bob"])
    assignments.close(portal, admin, first.id)
    text = _page(_client(app, "ada"))
    assert "Ada new" in text and "Ada old" in text and "Bob only" not in text
    assert text.index("Ada new") < text.index("Ada old")  # open first
    tree = json.loads(text)
    assert not _nodes(tree, "id", ids.ASSIGN_CREATE) and not _nodes(tree, "id", ids.ASSIGN_NAME)
    assert not [n for n in _nodes(tree, "id", None) if isinstance(n["props"]["id"], dict)]  # no Close button
    assert "modality: " in text and "ecephys" in text  # filters, readable
    assert "/review?project=Beta&modality=ecephys&assignment=3" in text
    # The admin sees every one, with the form and the Close buttons of the open ones.
    admin_text = _page(_client(app, "root"))
    admin_tree = json.loads(admin_text)
    assert all(n in admin_text for n in ("Ada new", "Ada old", "Bob only"))
    assert _nodes(admin_tree, "id", ids.ASSIGN_CREATE)
    buttons = [n["props"]["id"] for n in _nodes(admin_tree, "id", None) if isinstance(n["props"]["id"], dict)]
    assert buttons == [ids.assignment_close(3), ids.assignment_close(2)]


def test_visitors_are_told_to_sign_in_and_the_form_is_prefilled_from_the_url(app):
    anonymous = _page(_client(app, None))
    assert "Sign in to see the assignments given to you" in anonymous and ids.ASSIGN_LIST not in anonymous
    assert "next=%2Freview%2Fassignments" in anonymous
    prefilled = _page(_client(app, "root"), "?filters=project%3DAlpha%26modality%3Decephys")
    (field,) = _nodes(json.loads(prefilled), "id", ids.ASSIGN_FILTERS)
    assert field["props"]["value"] == "project=Alpha&modality=ecephys"
    # The reviewers offered are the accounts that may decide metrics (no viewer).
    (chooser,) = _nodes(json.loads(prefilled), "id", ids.ASSIGN_REVIEWERS)
    assert [o["value"] for o in chooser["props"]["options"]] == ["ada", "bob", "root"]


def test_the_navbar_count_follows_create_and_close(app):
    admin_dash, ada = _client(app, "root"), _client(app, "ada")
    assert _navbar_count(ada) == "0" and _navbar_count(admin_dash) == "0"
    assert _navbar_count(_client(app, None)) is None  # visitors: no link
    _create(admin_dash, name="one")
    _create(admin_dash, name="two", filters="project=Beta")
    assert _navbar_count(ada) == "2" and _navbar_count(_client(app, "bob")) == "0"
    _close(admin_dash, 1)
    assert _navbar_count(ada) == "1"
    # An admin who assigns themselves sees their count change in place (set_props on the link).
    status, data = _create(admin_dash, name="mine", reviewers=("root",))
    assert data["sideUpdate"][ids.NAV_MY_REVIEWS]["data-open-count"] == "1"
    assert _navbar_count(admin_dash) == "1"


def test_a_count_that_cannot_be_made_leaves_the_link_without_a_number(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def down(*_args):
        raise OperationalError("SELECT", {}, Exception("gone"))

    monkeypatch.setattr(assignments, "open_count", down)
    ada = _client(app, "ada")
    assert _navbar_count(ada) == ""
    layout = ada.client.get("/_dash-layout")
    assert layout.status_code == 200 and "gone" not in layout.get_data(as_text=True)
