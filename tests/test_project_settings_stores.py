"""The project settings page over the DocDB store (settings live in its bookkeeping database, so
it works), over a store with no place for settings (a clear message, never a traceback), and
the view-model's small rules."""

from __future__ import annotations

import pytest

from components import ids
from components.project_settings.policy import policy_section
from portal import create_app
from portal.settings import load_settings
from portal.store.sql.ratings import Policy
from portal.views.project_settings import LeadOption, SettingsView, policy_summary, reasons_from_text
from tests.auth_helpers import add_user
from tests.docdb_fixtures import *  # noqa: F403
from tests.records import metric, record
from tests.test_project_settings_http import api, by_id, dash_as, message, page, save_policy, save_reasons, text
from tests.walk import find_by_id


@pytest.fixture
def docdb_app(fresh_gateway, tmp_path):
    app = create_app(load_settings(data_dir=tmp_path / "data", secret_key="x",
                                   store=fresh_gateway.store_url() + "&create=true"))
    app.server.extensions["qc_portal"].store.upsert_many([record("d1", project="Alpha",
                                                                 metrics=[metric("drift", "Pending")])])
    add_user(app, "root", "admin", display_name="Root Admin")
    add_user(app, "bo", "annotator", display_name="Bo Lead")
    return app


def test_over_docdb_an_admin_saves_reasons_and_policy(docdb_app, fresh_gateway):
    dash = dash_as(docdb_app, "root")
    assert by_id(page(dash), ids.SETTINGS_REASONS_TEXT) is not None
    status, data = save_reasons(dash, "Drift\nNoise")
    assert message(data, ids.SETTINGS_REASONS_MESSAGE) == ("saved", "Saved 2 fail reasons.")
    status, data = save_policy(dash, required=2, blind=True, fraction=0.2, leads=["bo"])
    assert message(data, ids.SETTINGS_POLICY_MESSAGE) == ("saved", "Saved the review policy.")
    assert api(docdb_app, "Alpha/reasons")["reasons"] == ["Drift", "Noise"]
    assert api(docdb_app, "Alpha/policy")["leads"] == ["bo"]
    assert fresh_gateway.collection.count_documents({}) == 1  # nothing of it went into DocDB
    assert "Project not found: Nope" in text(page(dash, "Nope"))


class _NoSettings:
    """A store that keeps no portal database beside it (every other call goes to the real one)."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        if name == "engine":
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_a_store_with_no_place_for_settings_says_so(settings, monkeypatch):
    app = create_app(settings)
    portal = app.server.extensions["qc_portal"]
    portal.store.upsert_many([record("a1", project="Alpha")])
    add_user(app, "root", "admin")
    dash = dash_as(app, "root")
    monkeypatch.setattr(portal, "store", _NoSettings(portal.store))
    tree = page(dash)
    assert by_id(tree, ids.PAGE_ALERT) is not None
    assert "keeps no project settings" in text(tree) and "Traceback" not in text(tree)
    status, data = save_reasons(dash, "Drift")
    assert message(data, ids.SETTINGS_REASONS_MESSAGE)[0] == "error"
    assert "keeps no project settings" in message(data, ids.SETTINGS_REASONS_MESSAGE)[1]


def test_reasons_from_text():
    assert reasons_from_text(None) == []
    assert reasons_from_text("a\n\n  \nb\r\nc") == ["a", "b", "c"]


def test_policy_summary():
    assert policy_summary(Policy()) == "One rating decides a metric; no leads."
    assert policy_summary(Policy(3, True, 0.1, ("Ann", "bo"))) == (
        "3 agreeing ratings decide a metric; raters are blind to each other's open ratings; 10% of a queue are "
        "blinded repeats; leads: Ann, bo.")


def test_a_lead_whose_account_is_gone_stays_visible_in_the_form():
    view = SettingsView("Alpha", True, (), Policy(2, False, 0.0, ("gone", "bo")), (LeadOption("bo", "Bo (bo)"),))
    (leads,) = find_by_id(policy_section(view), ids.SETTINGS_POLICY_LEADS)
    assert leads.value == ["gone", "bo"]
    assert {o["value"]: o["label"] for o in leads.options} == {"bo": "Bo (bo)", "gone": "gone (no such account)"}
