"""The DocDB client: aind-data-access-api's MetadataDbClient with timeouts and retries.

The client builds `https://HOST/VERSION/DATABASE/COLLECTION/<route>` URLs, signs writes
with SigV4 from a boto3 session, and sends everything through its `requests.Session`
with no timeout. We hand it a session that

- sets a timeout on every request (connect and read);
- retries connection errors, timeouts and 5xx answers a bounded number of times with
  exponential backoff (every route the portal uses is idempotent: reads, `$set` of one
  field, an insert refused when the id exists);
- maps `https://` to `http://` for `docdb+http://` stores (tests and local gateways;
  SigV4 signs host, path and body, not the scheme, so signatures stay valid).

Every failure that remains becomes StoreUnavailable with a one-line reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from portal.errors import ConfigError, StoreUnavailable

log = logging.getLogger(__name__)

SCHEMES = ("docdb", "docdb+http")


@dataclass(frozen=True)
class DocDbTarget:
    """Where the store lives: gateway host, plain-http flag, database, collection, API version."""

    host: str
    plain_http: bool
    database: str
    collection: str
    version: str

    @property
    def label(self) -> str:
        """`http(s)://host/version/database/collection` for messages (no credentials in it)."""
        scheme = "http" if self.plain_http else "https"
        return f"{scheme}://{self.host}/{self.version}/{self.database}/{self.collection}"


def parse_store_url(url: str) -> DocDbTarget:
    """`docdb://HOST?database=..&collection=..&version=..` (or `docdb+http://`) -> DocDbTarget."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise ConfigError(f"invalid store URL {url!r}: expected docdb://HOST?database=...&collection=...")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"database", "collection", "version"})
    if unknown:
        raise ConfigError(f"invalid store URL {url!r}: unknown parameter {unknown[0]!r}")
    host = parts.netloc + parts.path.rstrip("/")
    return DocDbTarget(
        host=host,
        plain_http=parts.scheme == "docdb+http",
        database=query.get("database", "metadata_index"),
        collection=query.get("collection", "data_assets"),
        version=query.get("version", "v2"),
    )


class GatewaySession(requests.Session):
    """A requests.Session with a default timeout, bounded retries and optional https->http."""

    def __init__(self, *, timeout: float, retries: int = 2, backoff: float = 0.2, plain_http: bool = False,
                 on_request: Callable[[str, str], None] | None = None):
        super().__init__()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.plain_http = plain_http
        self.on_request = on_request

    def request(self, method, url, *args, **kwargs):  # noqa: D102 - requests' own signature
        if self.plain_http and url.startswith("https://"):
            url = "http://" + url[len("https://"):]
        kwargs.setdefault("timeout", self.timeout)
        attempt = 0
        while True:
            if self.on_request:
                self.on_request(method, url)
            try:
                response = super().request(method, url, *args, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.retries:
                    raise
                log.warning("DocDB %s %s failed (%s); retrying", method, _route(url), type(exc).__name__)
            else:
                if response.status_code < 500 or attempt >= self.retries:
                    return response
                log.warning("DocDB %s %s answered %s; retrying", method, _route(url), response.status_code)
                response.close()
            time.sleep(self.backoff * (2**attempt))
            attempt += 1


def _route(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


def make_client(target: DocDbTarget, *, timeout: float, region: str, retries: int = 2,
                on_request: Callable[[str, str], None] | None = None):
    """A MetadataDbClient for `target` whose every call has a timeout and bounded retries.

    Writes are signed with the default boto3 credential chain in `region`.
    """
    import boto3
    from aind_data_access_api.document_db import MetadataDbClient

    session = GatewaySession(timeout=timeout, retries=retries, plain_http=target.plain_http, on_request=on_request)
    return MetadataDbClient(
        host=target.host,
        database=target.database,
        collection=target.collection,
        version=target.version,
        boto=boto3.session.Session(region_name=region),
        session=session,
    )


def call(target: DocDbTarget, what: str, fn: Callable[[], Any]) -> Any:
    """Run one client call; transport failures and error answers become StoreUnavailable."""
    try:
        return fn()
    except requests.Timeout:
        log.error("DocDB at %s did not answer in time (%s)", target.label, what)
        raise StoreUnavailable(f"DocDB did not answer in time ({what})") from None
    except requests.ConnectionError as exc:
        reason = str(exc).splitlines()[0][:200]
        log.error("DocDB at %s cannot be reached (%s): %s", target.label, what, reason)
        raise StoreUnavailable(f"DocDB did not answer: it cannot be reached ({what})") from None
    except requests.HTTPError as exc:
        response = exc.response
        detail = _detail(response)
        code = response.status_code if response is not None else "?"
        log.error("DocDB at %s refused %s: HTTP %s%s", target.label, what, code, f": {detail}" if detail else "")
        raise StoreUnavailable(f"DocDB did not answer: it refused {what}: HTTP {code}") from None
    except ValueError as exc:  # a body that is not JSON
        log.error("DocDB at %s gave an unreadable answer (%s): %s", target.label, what, exc)
        raise StoreUnavailable(f"DocDB did not answer: its answer was unreadable ({what})") from None


def checked(response: requests.Response) -> requests.Response:
    """Raise HTTPError for an error answer (the client does not for every write route)."""
    response.raise_for_status()
    return response


def _detail(response) -> str:
    if response is None:
        return ""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "").strip().splitlines()[0][:200] if response.text else ""
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or "")[:200]
    return ""
