"""Signing in from tests: create accounts in the app's user store and log a client in."""

from __future__ import annotations

PASSWORD = "correct horse battery"


def add_user(app, name: str, role: str, display_name: str | None = None):
    """Create an account (password PASSWORD) in the app's database."""
    return app.server.extensions["qc_portal"].users.add(name, role, PASSWORD, display_name)


# What a browser adds to a form POST from the portal's own page (portal.security.csrf).
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def login(client, name: str, password: str = PASSWORD, **kwargs):
    """POST the login form with a Flask test client, as the portal's page does; returns the response."""
    return client.post("/login", data={"username": name, "password": password, **kwargs}, headers=SAME_ORIGIN)


def logout(client):
    """POST the sign-out form, as the navbar does."""
    return client.post("/logout", headers=SAME_ORIGIN)
