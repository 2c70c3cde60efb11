"""Signing in from tests: create accounts in the app's user store and log a client in."""

from __future__ import annotations

PASSWORD = "correct horse battery"


def add_user(app, name: str, role: str, display_name: str | None = None):
    """Create an account (password PASSWORD) in the app's database."""
    return app.server.extensions["qc_portal"].users.add(name, role, PASSWORD, display_name)


def login(client, name: str, password: str = PASSWORD):
    """POST the login form with a Flask test client; returns the response."""
    return client.post("/login", data={"username": name, "password": password})
