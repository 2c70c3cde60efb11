"""The DocDB asset store (AIND's metadata records behind its API gateway)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit, urlunsplit

from sqlalchemy import Engine

from portal.settings import Settings


def open_docdb_store(settings: Settings, engine: Engine, *, run_migrations: bool = True, on_request=None):
    """A DocDbAssetStore for `settings.store` (`docdb://HOST?...`), with `engine` as the portal's database."""
    from portal.store.docdb.client import make_client, parse_store_url
    from portal.store.docdb.store import DocDbAssetStore

    url, create = _take_create(settings.store)
    target = parse_store_url(url)
    client = make_client(target, timeout=settings.docdb_timeout, region=settings.aws_region, on_request=on_request)
    return DocDbAssetStore(client, target, engine, create=create, run_migrations=run_migrations)


def _take_create(url: str) -> tuple[str, bool]:
    """The URL without its `create=true|false` parameter, and that flag."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    create = (query.pop("create", ["false"])[-1]).lower() in ("1", "true", "yes")
    rest = "&".join(f"{k}={v[-1]}" for k, v in query.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, "")), create
