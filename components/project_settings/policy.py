"""The settings page's "Review policy" section: ratings required, blind, repeats, leads (no I/O)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.project_settings.page import save_row, section_card
from portal.views.project_settings import SettingsView, policy_summary

RATINGS = [{"label": "1 (a decision is a status entry)", "value": 1}, {"label": "2", "value": 2},
           {"label": "3", "value": 3}]


def _row(term: str, value, data: str) -> list:
    return [html.Dt(term, className="col-sm-6 fw-semibold"),
            html.Dd(value, className="col-sm-6", **{"data-policy": data})]


def _read_only(view: SettingsView) -> list:
    policy = view.policy
    terms = html.Dl([
        *_row("Agreeing ratings per metric", str(policy.ratings_required), "ratings_required"),
        *_row("Blind", "yes" if policy.blind else "no", "blind"),
        *_row("Repeat fraction", f"{round(100 * policy.repeat_fraction)}%", "repeat_fraction"),
        *_row("Leads", ", ".join(policy.leads) or "none", "leads"),
    ], className="row mb-2")
    return [terms, html.P(policy_summary(policy), className="small text-muted mb-0")]


def _lead_options(view: SettingsView) -> list[dict]:
    options = [{"label": lead.label, "value": lead.name} for lead in view.leads]
    known = {lead.name for lead in view.leads}
    # A lead whose account is gone stays visible (saving then says so) rather than vanishing unseen.
    options += [{"label": f"{name} (no such account)", "value": name} for name in view.policy.leads
                if name not in known]
    return options


def policy_section(view: SettingsView) -> html.Section:
    """The project's review policy: a form for admins, the values for everyone else."""
    if not view.editable:
        return section_card("Review policy", "policy", _read_only(view))
    policy = view.policy
    body = [
        html.P(policy_summary(policy), id=ids.SETTINGS_POLICY_SUMMARY, className="small text-muted"),
        dbc.Label("Agreeing ratings required per metric", html_for=ids.SETTINGS_POLICY_REQUIRED),
        dbc.RadioItems(id=ids.SETTINGS_POLICY_REQUIRED, options=RATINGS, value=policy.ratings_required,
                       inline=True, className="mb-3"),
        dbc.Switch(id=ids.SETTINGS_POLICY_BLIND, value=policy.blind, className="mb-3",
                   label="Blind: raters do not see others' ratings of a round still open"),
        dbc.Label("Repeat fraction (0 to 0.5)", html_for=ids.SETTINGS_POLICY_REPEAT),
        dbc.Input(id=ids.SETTINGS_POLICY_REPEAT, type="number", min=0, max=0.5, step=0.05,
                  value=policy.repeat_fraction, size="sm", style={"maxWidth": "8rem"}),
        dbc.FormText("The share of metrics a rater is given again, blinded, to measure their consistency.",
                     className="d-block mb-3"),
        dbc.Label("Project leads (they adjudicate disagreements, with the admins)", html_for=ids.SETTINGS_POLICY_LEADS),
        dcc.Dropdown(id=ids.SETTINGS_POLICY_LEADS, options=_lead_options(view), value=list(policy.leads), multi=True,
                     placeholder="Choose accounts…"),
        save_row(ids.SETTINGS_POLICY_SAVE, ids.SETTINGS_POLICY_MESSAGE),
    ]
    return section_card("Review policy", "policy", body)
