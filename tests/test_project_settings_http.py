"""The project settings page `/project/<name>/settings` over HTTP: admins save the fail reasons
and the review policy (the REST API then reads them), bad input is said in place and changes
nothing, everyone else reads the settings and is refused on a direct POST, an unknown project
is "not found"."""

from __future__ import annotations

import json

import pytest

from components import ids
from portal import create_app
from tests.auth_helpers import add_user, login
from tests.dash_client import DashClient
from tests.records import metric, record

PROJECT = "Alpha"


@pytest.fixture
def app(settings):
    app = create_app(settings)
    app.server.extensions["qc_portal"].store.upsert_many([
        record("a1", project=PROJECT, metrics=[metric("drift", "Pending")]),
        record("b1", project="Beta Two", metrics=[metric("noise", "Pass")]),
    ])
    add_user(app, "root", "admin", display_name="Root Admin")
    add_user(app, "ann", "annotator", display_name="Ann Reviewer")
    add_user(app, "bo", "annotator", display_name="Bo Lead")
    add_user(app, "vic", "viewer", display_name="Vic Viewer")
    return app


def dash_as(app, who: str | None) -> DashClient:
    client = app.server.test_client()
    if who:
        assert login(client, who).status_code == 302
    return DashClient(client)


def page(dash: DashClient, project: str = PROJECT) -> dict:
    path = f"/project/{project.replace(' ', '%20')}/settings"
    status, data = dash.call("_pages_content.children", {"_pages_location.pathname": path},
                             ["_pages_location.pathname"])
    assert status == 200
    return data["response"]["_pages_content"]["children"]


def nodes(tree):
    """Every component (as JSON) in a rendered tree."""
    if isinstance(tree, dict):
        yield tree
        yield from nodes(tree.get("props", {}).get("children"))
    elif isinstance(tree, list):
        for item in tree:
            yield from nodes(item)


def by_id(tree, component_id: str) -> dict | None:
    found = [n for n in nodes(tree) if n.get("props", {}).get("id") == component_id]
    return found[0]["props"] if found else None


def text(tree) -> str:
    out = []

    def walk(node):
        if isinstance(node, (str, int, float)):
            out.append(str(node))
        elif isinstance(node, dict):
            walk(node.get("props", {}).get("children"))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(tree)
    return " ".join(out)


def save_reasons(dash: DashClient, value, project=PROJECT):
    return dash.call(f"{ids.SETTINGS_REASONS_MESSAGE}.children",
                     {f"{ids.SETTINGS_REASONS_SAVE}.n_clicks": 1, f"{ids.SETTINGS_REASONS_TEXT}.value": value,
                      f"{ids.SETTINGS_PROJECT}.data": project}, [f"{ids.SETTINGS_REASONS_SAVE}.n_clicks"])


def save_policy(dash: DashClient, required=2, blind=True, fraction=0.1, leads=("bo",), project=PROJECT):
    return dash.call(f"{ids.SETTINGS_POLICY_MESSAGE}.children",
                     {f"{ids.SETTINGS_POLICY_SAVE}.n_clicks": 1, f"{ids.SETTINGS_POLICY_REQUIRED}.value": required,
                      f"{ids.SETTINGS_POLICY_BLIND}.value": blind, f"{ids.SETTINGS_POLICY_REPEAT}.value": fraction,
                      f"{ids.SETTINGS_POLICY_LEADS}.value": list(leads) if isinstance(leads, tuple) else leads,
                      f"{ids.SETTINGS_PROJECT}.data": project}, [f"{ids.SETTINGS_POLICY_SAVE}.n_clicks"])


def message(data, component_id: str) -> tuple[str, str]:
    """(outcome, text) of a section's message: "saved" or "error"."""
    alert = data["response"][component_id]["children"]
    return alert["props"]["data-outcome"], text(alert)


def api(app, path: str):
    response = app.server.test_client().get(f"/api/v1/projects/{path}")
    assert response.status_code == 200
    return response.get_json()


# -- reading ------------------------------------------------------------------------------------

def test_admins_get_the_forms_with_the_accounts_to_choose_leads_from(app):
    tree = page(dash_as(app, "root"))
    assert by_id(tree, ids.SETTINGS_PAGE)["data-editable"] == "true"
    for component_id in (ids.SETTINGS_REASONS_TEXT, ids.SETTINGS_REASONS_SAVE, ids.SETTINGS_POLICY_REQUIRED,
                         ids.SETTINGS_POLICY_BLIND, ids.SETTINGS_POLICY_REPEAT, ids.SETTINGS_POLICY_SAVE):
        assert by_id(tree, component_id) is not None, component_id
    leads = by_id(tree, ids.SETTINGS_POLICY_LEADS)
    assert [o["value"] for o in leads["options"]] == ["ann", "bo", "root", "vic"]
    assert "Bo Lead (bo) · annotator" in [o["label"] for o in leads["options"]]
    assert by_id(tree, ids.SETTINGS_PROJECT)["data"] == PROJECT
    assert "Only admins change these settings" not in text(tree)


@pytest.mark.parametrize("who", [None, "vic", "ann"])
def test_everyone_else_reads_the_settings_without_a_form(app, who):
    admin = dash_as(app, "root")
    save_reasons(admin, "Drift\nNoise")
    save_policy(admin)
    tree = page(dash_as(app, who))
    assert by_id(tree, ids.SETTINGS_PAGE)["data-editable"] == "false"
    words = text(tree)
    assert "Only admins change these settings." in words
    assert "Drift" in words and "Noise" in words and "bo" in words
    for component_id in (ids.SETTINGS_REASONS_TEXT, ids.SETTINGS_REASONS_SAVE, ids.SETTINGS_POLICY_LEADS,
                         ids.SETTINGS_POLICY_SAVE, ids.SETTINGS_POLICY_REPEAT):
        assert by_id(tree, component_id) is None, component_id
    values = {n["props"]["data-policy"]: text(n) for n in nodes(tree) if "data-policy" in n.get("props", {})}
    assert values == {"ratings_required": "2", "blind": "yes", "repeat_fraction": "10%", "leads": "bo"}
    assert "Root Admin" not in json.dumps(tree)  # the account list is for admins


def test_an_unknown_project_is_not_found(app):
    for who in ("root", "vic"):
        tree = page(dash_as(app, who), "Nope")
        assert by_id(tree, ids.PAGE_ALERT) is not None
        assert "Project not found: Nope" in text(tree)
        assert by_id(tree, ids.SETTINGS_REASONS_TEXT) is None


def test_a_project_name_with_a_space_is_found(app):
    tree = page(dash_as(app, "root"), "Beta Two")
    assert by_id(tree, ids.SETTINGS_PROJECT)["data"] == "Beta Two"


def test_with_login_required_anonymous_visitors_are_told_to_sign_in(tmp_path):
    from portal.settings import load_settings

    app = create_app(load_settings(data_dir=tmp_path / "d", secret_key="x", require_login=True))
    app.server.extensions["qc_portal"].store.upsert_many([record("a1", project=PROJECT)])
    client = app.server.test_client()
    assert client.get(f"/project/{PROJECT}/settings").status_code in (302, 401)


def test_the_project_and_agreement_pages_link_to_the_settings(app):
    dash = dash_as(app, "vic")
    for path in (f"/project/{PROJECT}", f"/project/{PROJECT}/agreement"):
        status, data = dash.call("_pages_content.children", {"_pages_location.pathname": path},
                                 ["_pages_location.pathname"])
        links = [n["props"].get("href") for n in nodes(data["response"]["_pages_content"]["children"])
                 if n.get("type") == "A" and text(n) == "Settings"]
        assert links == [f"/project/{PROJECT}/settings"], path


# -- fail reasons -------------------------------------------------------------------------------

def test_an_admin_saves_the_reasons_in_order_and_the_api_reads_them(app):
    status, data = save_reasons(dash_as(app, "root"), "  Drift \n\nNoise   too high\nMissing data\n")
    assert status == 200
    assert message(data, ids.SETTINGS_REASONS_MESSAGE) == ("saved", "Saved 3 fail reasons.")
    assert data["response"][ids.SETTINGS_REASONS_TEXT]["value"] == "Drift\nNoise too high\nMissing data"
    assert api(app, f"{PROJECT}/reasons")["reasons"] == ["Drift", "Noise too high", "Missing data"]
    # The page shows them next time, in that order.
    tree = page(dash_as(app, "root"))
    assert by_id(tree, ids.SETTINGS_REASONS_TEXT)["value"] == "Drift\nNoise too high\nMissing data"
    # Emptied: no reasons, said so.
    status, data = save_reasons(dash_as(app, "root"), "\n")
    assert message(data, ids.SETTINGS_REASONS_MESSAGE) == (
        "saved", "Saved: no fail reasons, so a Fail needs no reason in this project.")
    assert api(app, f"{PROJECT}/reasons")["reasons"] == []


@pytest.mark.parametrize(("value", "says"), [
    ("Drift\nNoise\ndrift", "Not saved: reason 'drift' is listed twice"),
    ("Drift\n" + "x" * 201, "Not saved: reason #2 is longer than 200 characters"),
    ("\n".join(f"r{i}" for i in range(51)), "Not saved: at most 50 reasons per project"),
    (["Drift"], "Not saved: the reasons are text, one per line"),  # forged values: the form sends text
    (42, "Not saved: the reasons are text, one per line"),
])
def test_bad_reasons_are_said_in_place_and_change_nothing(app, value, says):
    dash = dash_as(app, "root")
    save_reasons(dash, "Keep me")
    status, data = save_reasons(dash, value)
    assert status == 200
    assert message(data, ids.SETTINGS_REASONS_MESSAGE) == ("error", says)
    assert ids.SETTINGS_REASONS_TEXT not in data["response"]  # what was typed stays in the form
    assert api(app, f"{PROJECT}/reasons")["reasons"] == ["Keep me"]


def test_reasons_of_an_unknown_project_are_not_saved(app):
    status, data = save_reasons(dash_as(app, "root"), "Drift", project="Nope")
    assert message(data, ids.SETTINGS_REASONS_MESSAGE) == ("error", "Not saved: Project not found: Nope")
    status, data = save_reasons(dash_as(app, "root"), "Drift", project=None)
    assert message(data, ids.SETTINGS_REASONS_MESSAGE)[0] == "error"
    assert api(app, "Nope/reasons")["reasons"] == []


# -- review policy ------------------------------------------------------------------------------

def test_an_admin_saves_the_policy_and_the_api_reads_it(app):
    status, data = save_policy(dash_as(app, "root"), required=2, blind=True, fraction=0.25, leads=["bo", "ann"])
    assert status == 200
    assert message(data, ids.SETTINGS_POLICY_MESSAGE) == ("saved", "Saved the review policy.")
    summary = data["response"][ids.SETTINGS_POLICY_SUMMARY]["children"]
    assert summary.startswith("2 agreeing ratings decide a metric") and "leads: bo, ann" in summary
    assert api(app, f"{PROJECT}/policy") == {"ratings_required": 2, "blind": True, "repeat_fraction": 0.25,
                                             "leads": ["bo", "ann"]}
    tree = page(dash_as(app, "root"))
    assert by_id(tree, ids.SETTINGS_POLICY_REQUIRED)["value"] == 2
    assert by_id(tree, ids.SETTINGS_POLICY_BLIND)["value"] is True
    assert by_id(tree, ids.SETTINGS_POLICY_REPEAT)["value"] == 0.25
    assert by_id(tree, ids.SETTINGS_POLICY_LEADS)["value"] == ["bo", "ann"]
    # Back to one rating, no leads (a cleared dropdown sends None).
    save_policy(dash_as(app, "root"), required=1, blind=False, fraction=0, leads=None)
    assert api(app, f"{PROJECT}/policy") == {"ratings_required": 1, "blind": False, "repeat_fraction": 0.0,
                                             "leads": []}


@pytest.mark.parametrize(("change", "says"), [
    ({"fraction": 0.7}, "Not saved: repeat_fraction: a number from 0.0 to 0.5"),
    ({"fraction": None}, "Not saved: repeat_fraction: a number from 0.0 to 0.5"),  # an emptied number box
    ({"required": 4}, "Not saved: ratings_required: an integer from 1 to 3"),
    ({"required": "2"}, "Not saved: ratings_required: an integer from 1 to 3"),
    ({"blind": "yes"}, "Not saved: blind: true or false"),
    ({"leads": ["bo", "ghost"]}, "Not saved: leads: no account named ghost"),
    ({"leads": "bo"}, "Not saved: leads: a list of account names"),
])
def test_a_bad_policy_is_said_in_place_and_changes_nothing(app, change, says):
    dash = dash_as(app, "root")
    save_policy(dash, required=3, blind=False, fraction=0.0, leads=["ann"])
    before = api(app, f"{PROJECT}/policy")
    status, data = save_policy(dash, **{"required": 2, "blind": True, "fraction": 0.1, "leads": ["bo"], **change})
    assert status == 200
    assert message(data, ids.SETTINGS_POLICY_MESSAGE) == ("error", says)
    assert ids.SETTINGS_POLICY_SUMMARY not in data["response"]
    assert api(app, f"{PROJECT}/policy") == before == {"ratings_required": 3, "blind": False,
                                                       "repeat_fraction": 0.0, "leads": ["ann"]}


def test_the_policy_of_an_unknown_project_is_not_saved(app):
    status, data = save_policy(dash_as(app, "root"), project="Nope")
    assert message(data, ids.SETTINGS_POLICY_MESSAGE) == ("error", "Not saved: Project not found: Nope")
    assert api(app, "Nope/policy")["ratings_required"] == 1


# -- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", [None, "vic", "ann"])
def test_a_direct_post_from_anyone_but_an_admin_is_refused_and_changes_nothing(app, who):
    admin = dash_as(app, "root")
    save_reasons(admin, "Keep me")
    save_policy(admin, required=2, blind=False, fraction=0.0, leads=[])
    before = (api(app, f"{PROJECT}/reasons"), api(app, f"{PROJECT}/policy"))
    dash = dash_as(app, who)
    for _status, data in (save_reasons(dash, "Forged"),
                          save_policy(dash, required=3, blind=True, fraction=0.5, leads=[who or "vic"])):
        body = json.dumps(data)
        refusal = "Sign in as an admin" if who is None else "may not admin"
        assert refusal in body, body[:300]
        assert ids.SETTINGS_REASONS_MESSAGE not in (data or {}).get("response", {})
        assert ids.SETTINGS_POLICY_MESSAGE not in (data or {}).get("response", {})
    assert (api(app, f"{PROJECT}/reasons"), api(app, f"{PROJECT}/policy")) == before


def test_the_validation_layout_everyone_receives_names_no_account(app):
    """Dash builds its validation layout from every page at the first request: an admin's first
    request must not put the account list (the leads' options) into it."""
    from tests.auth_helpers import login as sign_in

    client = app.server.test_client()
    sign_in(client, "root")
    client.get(f"/project/{PROJECT}/settings")
    index = app.server.test_client().get("/").get_data(as_text=True)
    assert "Bo Lead" not in index and "Root Admin" not in index
