"""Request-level protections of the portal (installed by `portal.app.create_app`).

- `csrf`: the one rule for state-changing requests (the header-based model: a request
  with the session cookie must come from the portal's own origin; token calls without
  cookies are exempt). Read its docstring before adding a POST route or an API.
- `headers`: Content-Security-Policy and the other security headers on every response.
- `urls`: which URLs may become links, images or iframes.
- `writes`: the mark every write path carries (`writes` for Dash callbacks,
  `write_route` for Flask views); it checks the permission before the body runs, and a
  test enumerates every callback and route to prove anonymous and viewer writes fail.
"""
