"""Who is asking: accounts, sign-in and the one permission check.

Holds: flask-login and `can`/`require` (auth.py), single sign-on (oidc.py), the accounts
in the portal's database (users.py), personal API tokens (tokens.py), sign-in throttling
(throttle.py) and the key that signs session cookies (secret.py).

May import: Flask, portal.settings, portal.errors, portal.store.sql (the portal's own
tables). Never the asset store's documents, Dash layout code or portal.review.
"""
