"""`python -m portal.ops.probe [PATH]`: exit 0 when this host's portal answers 200 on PATH.

The Docker image's HEALTHCHECK (PATH `/healthz`; `/readyz` works too). It asks the
address gunicorn listens on (QC_PORTAL_BIND, else QC_PORTAL_HOST:QC_PORTAL_PORT; a
wildcard address is asked on loopback) and imports nothing of the portal: it runs every
30 seconds and must stay cheap. The slim image has no curl.
"""

from __future__ import annotations

import os
import sys
import urllib.request

_WILDCARDS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 - addresses to map to loopback, not to bind


def probe_url(path: str = "/healthz", environ: dict | None = None) -> str:
    """The URL to ask, from the environment's bind address."""
    environ = os.environ if environ is None else environ
    bind = environ.get("QC_PORTAL_BIND") or (
        f"{environ.get('QC_PORTAL_HOST', '127.0.0.1')}:{environ.get('QC_PORTAL_PORT', '8050')}")
    host, _, port = bind.rpartition(":")
    if host in _WILDCARDS:
        host = "127.0.0.1"
    return f"http://{host}:{port}{path}"


def main(argv: list[str] | None = None) -> int:
    """Probe once; 0 on HTTP 200, 1 otherwise (refused, timed out, any other status)."""
    args = sys.argv[1:] if argv is None else argv
    url = probe_url(args[0] if args else "/healthz")
    try:
        with urllib.request.urlopen(url, timeout=4) as response:  # noqa: S310 - an http:// URL built above
            return 0 if response.status == 200 else 1
    except OSError:  # refused, timed out, or an HTTP error status (HTTPError is an OSError)
        return 1


if __name__ == "__main__":
    sys.exit(main())
