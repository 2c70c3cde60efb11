"""The page frame: navbar, error banner and the page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.assignments import my_reviews_link
from portal.settings_rules import ROLES


def navbar(user_name: str | None = None, user_role: str | None = None, open_reviews: int | None = None) -> dbc.Navbar:
    """The top bar: the portal's name, its main links, and who is signed in (with "My reviews":
    `open_reviews` assignments open for them, None when not counted)."""
    if user_name:
        account = [
            dbc.NavItem(dbc.NavLink(f"{user_name} ({user_role})", disabled=True, id=ids.NAV_USER)),
            dbc.NavItem(dbc.NavLink("API tokens", href=dash.get_relative_path("/tokens"), id=ids.NAV_TOKENS)),
            # A real form: signing out is a POST to the Flask route (a GET only asks).
            dbc.NavItem(html.Form(
                html.Button("Sign out", type="submit", className="nav-link btn btn-link", id=ids.NAV_SIGN_OUT),
                method="post", action=dash.get_relative_path("/logout"), className="d-inline",
            )),
        ]
    else:
        account = [dbc.NavItem(html.A("Sign in", href=dash.get_relative_path("/login"), className="nav-link",
                                      id=ids.NAV_USER))]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("QC Portal", href=dash.get_relative_path("/")),
                dbc.Nav(
                    [dbc.NavItem(dbc.NavLink("Overview", href=dash.get_relative_path("/"))),
                     dbc.NavItem(dbc.NavLink("Review", href=dash.get_relative_path("/review"), id=ids.NAV_REVIEW)),
                     *([dbc.NavItem(my_reviews_link(open_reviews))] if user_name else []),
                     *([dbc.NavItem(dbc.NavLink("Upload", href=dash.get_relative_path("/upload"),
                                                id=ids.NAV_UPLOAD))] if _may_annotate(user_role) else []),
                     *([dbc.NavItem(dbc.NavLink("Audit log", href=dash.get_relative_path("/audit"),
                                                id=ids.NAV_AUDIT))] if user_role == "admin" else []),
                     *([dbc.NavItem(dbc.NavLink("Webhooks", href=dash.get_relative_path("/admin/webhooks"),
                                                id=ids.NAV_WEBHOOKS))] if user_role == "admin" else []),
                     dbc.NavItem(dbc.NavLink("API", href=dash.get_relative_path("/api/v1/docs"), external_link=True))],
                    navbar=True,
                    className="me-auto",
                ),
                dbc.Nav(account, navbar=True),
            ],
            fluid=True,
        ),
        id=ids.NAVBAR,
        color="dark",
        dark=True,
        className="mb-3",
    )


def app_layout(user_name: str | None = None, user_role: str | None = None,
               open_reviews: int | None = None) -> html.Div:
    """The layout around every page (pages render into dash.page_container)."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            navbar(user_name, user_role, open_reviews),
            dbc.Container(
                [
                    # Filled by the global callback error handler: a short message, never a traceback.
                    dbc.Alert(id=ids.ERROR_BANNER, is_open=False, color="danger", dismissable=True),
                    dash.page_container,
                ],
                fluid=True,
            ),
        ]
    )


def error_panel(title: str, message: str) -> dbc.Alert:
    """An expected problem shown in place of a page's content."""
    return dbc.Alert([html.H4(title, className="alert-heading"), html.P(message)], color="warning",
                     id=ids.PAGE_ALERT)


def _may_annotate(role: str | None) -> bool:
    """Annotators and every role above them (pipeline, admin) see the annotators' links."""
    return role in ROLES and ROLES.index(role) >= ROLES.index("annotator")
