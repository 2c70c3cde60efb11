"""The portal's settings: defaults, then a `.env` file, then `QC_PORTAL_*` variables.

Every setting is declared once here, with its help text; the README's settings table
is checked against this class by a test, so a new setting cannot go undocumented. What
makes a single value valid is portal.settings_rules'; rules across settings are here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import platformdirs
from pydantic import AfterValidator, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from portal import settings_rules as rules
from portal.errors import ConfigError
from portal.settings_rules import split_list

# The external viewers the asset page embeds (Neuroglancer, Figurl, sortingview, Rerun).
IFRAME_HOSTS = (
    "neuroglancer-demo.appspot.com,neuroglancer.allenneuraldynamics.org,aind-neuroglancer-sauujisjxq-uw.a.run.app,"
    "neuroglancer.github.io,figurl.org,www.figurl.org,sortingview.vercel.app,app.rerun.io"
)


def default_data_dir() -> Path:
    """The per-user data folder (e.g. ~/.local/share/qc-portal on Linux)."""
    return Path(platformdirs.user_data_dir("qc-portal", appauthor=False))


class Settings(BaseSettings):
    """All settings of the portal. Field descriptions are the documentation."""

    model_config = SettingsConfigDict(
        env_prefix="QC_PORTAL_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder holding the SQLite database and local asset folders (demo data too).",
    )
    database: Annotated[str, AfterValidator(rules.database_url)] = Field(
        default="",
        description="SQLAlchemy URL of the portal's own database (users, tokens, audit log, uploads) "
        "and, with store=sql, the asset documents. Default `sqlite:///<data dir>/portal.db`; "
        "`postgresql+psycopg://user:pass@host/db` for PostgreSQL.",
    )
    store: Annotated[str, AfterValidator(rules.store)] = Field(
        default="sql",
        description="Where asset documents live: `sql` (the database above) or DocDB through AIND's API gateway, "
        "`docdb://HOST?database=metadata_index&collection=data_assets&version=v2` (https; "
        "`docdb+http://HOST:PORT?...` for a local gateway; add `&create=true` to let ingest insert records "
        "DocDB lacks).",
    )
    secret_key: str = Field(
        default="",
        repr=False,
        description="Key signing session cookies; required (the portal refuses to start without it) except in "
        "demo mode, where a random key is generated once and kept in the data dir (file `secret_key`, mode 0600).",
    )
    demo: bool = Field(
        default=False,
        description="Demo mode (`qc-portal demo` turns it on): a missing secret key is generated. Never in production.",
    )
    host: str = Field(default="127.0.0.1", description="Address `qc-portal serve` listens on.")
    port: int = Field(default=8050, ge=1, le=65535, description="Port `qc-portal serve` listens on.")
    db_timeout: float = Field(
        default=5.0, gt=0, le=120, description="Seconds to wait when connecting to the database."
    )
    database_wait_s: float = Field(
        default=30, ge=0, le=3600,
        description="Seconds a starting server waits for a PostgreSQL database to answer (one log line per retry) "
        "before it gives up; 0: no wait.",
    )
    log_level: Annotated[str, AfterValidator(rules.log_level)] = Field(
        default="INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")
    log_format: Annotated[str, AfterValidator(rules.log_format)] = Field(
        default="text", description="Log lines as `text` or `json` (one object per line, for log collectors)."
    )
    # -- deployment: gunicorn.conf.py reads these (see the README's "Deployment" section) --
    bind: Annotated[str, AfterValidator(rules.bind)] = Field(
        default="",
        description="`HOST:PORT` gunicorn listens on (the Docker image sets `0.0.0.0:8000`); empty: "
        "`QC_PORTAL_HOST:QC_PORTAL_PORT`.",
    )
    workers: int = Field(default=2, ge=1, le=64, description="gunicorn worker processes (about one per core).")
    threads: int = Field(default=4, ge=1, le=64, description="Threads per worker process (requests served at once).")
    timeout: int = Field(
        default=60, ge=5, le=3600,
        description="Seconds a request may take before gunicorn kills its worker and starts a new one.",
    )
    graceful_timeout: int = Field(
        default=30, ge=1, le=3600, description="Seconds workers get to finish their requests on a restart or stop."
    )
    keepalive: int = Field(
        default=5, ge=0, le=3600,
        description="Seconds an idle HTTP connection stays open; behind a load balancer, more than its idle timeout.",
    )
    reuse_port: bool = Field(
        default=True,
        description="Each gunicorn worker listens on its own socket (SO_REUSEPORT) and the kernel spreads new "
        "connections over them; off: one shared socket. A second server on a served port stops either way.",
    )
    aws_region: str = Field(
        default="us-west-2", description="AWS region of DocDB's API gateway (SigV4 signing of writes) and of S3."
    )
    docdb_timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds to wait for each DocDB request (then 2 retries with backoff)."
    )
    s3_url_expiry: int = Field(
        default=3600, ge=360, le=604800,
        description="Seconds a presigned S3 reference URL stays valid (reused until five minutes before expiry).",
    )
    s3_public: bool = Field(
        default=False, description="Read S3 references unsigned (public buckets): plain URLs, no credentials."
    )
    s3_endpoint: str = Field(
        default="", description="S3 endpoint URL instead of AWS's (an S3-compatible server; tests use moto)."
    )
    kachery_timeout: float = Field(
        default=20.0, gt=0, le=600, description="Seconds to wait for kachery-cloud to fetch a `sha1://` reference."
    )
    status_page: Annotated[str, AfterValidator(rules.status_page)] = Field(
        default="admin", description="Who may open /status: `admin` (signed-in admins) or `anonymous` (anyone)."
    )
    upload_max_mb: int = Field(
        default=32, ge=1, le=64,
        description="Largest reference file (MB) accepted with metrics pushed through the REST API (a request "
        "carries at most 64 MB in all).",
    )
    asset_roots: str = Field(
        default="",
        description="Comma-separated folders a local asset location must lie under (ingest refuses others, nothing "
        "outside them is served or written); the data dir and every folder given to `qc-portal ingest` always count.",
    )
    # -- bounds on what one request or document may hold (portal.qc.bounds) --
    max_request_mb: int = Field(
        default=64, ge=1, le=1024, description="Largest request body (MB); a larger one is answered 413."
    )
    max_document_mb: int = Field(
        default=32, ge=1, le=1024,
        description="Largest metadata file or record (MB) that ingest reads; a larger one is one FAILED line.",
    )
    max_json_depth: int = Field(
        default=64, ge=8, le=500,
        description="How deep JSON in a request or an ingested file may nest; deeper is refused (400/422, or one "
        "FAILED line at ingest). A metric value may nest at most 32 levels whatever this says.",
    )
    max_metrics: int = Field(
        default=10_000, ge=1, le=1_000_000,
        description="Most metrics one quality_control document may hold (ingest, pushed metrics); more is refused.",
    )
    max_changes: int = Field(
        default=5_000, ge=1, le=100_000,
        description="Most changes one annotation request may carry (asset page, REST API); more is answered 413.",
    )
    clock_skew_seconds: int = Field(
        default=60, ge=0, le=3600,
        description="How far in the future a pushed status entry may be dated (clock skew between a pipeline "
        "and the portal); a later one is refused.",
    )
    # -- webhooks (portal.events: the README's "Events and webhooks") --
    webhook_deliver: bool = Field(
        default=True, description="Server processes deliver webhooks (a background thread each); off: only "
        "`qc-portal webhooks deliver` does.",
    )
    webhook_timeout: float = Field(default=10.0, gt=0, le=120, description="Seconds a webhook receiver may take.")
    webhook_attempts: int = Field(default=12, ge=1, le=100, description="Tries before a delivery fails for good.")
    webhook_backoff: float = Field(
        default=30.0, gt=0, le=3600,
        description="Seconds before the first retry of a failed delivery; doubled at each retry, at most an hour.",
    )
    webhook_poll_seconds: float = Field(
        default=2.0, gt=0, le=300, description="How often a delivering process looks for new events and retries.",
    )
    # -- security (see portal/security and the README's "Security" section) --
    require_login: bool = Field(
        default=False, description="Every page and file needs a signed-in user (default: anonymous users may browse)."
    )
    https: bool = Field(
        default=False,
        description="The portal is served over https: session cookies are Secure, HSTS is sent, SSO redirects use "
        "https.",
    )
    trusted_proxies: int = Field(
        default=0, ge=0, le=5,
        description="How many reverse proxies in front of the portal set X-Forwarded-For/-Proto/-Host (trusted for "
        "the client address, scheme and host; 0: none).",
    )
    iframe_hosts: Annotated[str, AfterValidator(rules.host_list)] = Field(
        default=IFRAME_HOSTS,
        description="Comma-separated hosts whose pages may be embedded (https only, sandboxed iframe); other URLs "
        "are shown as links.",
    )
    curation_hosts: Annotated[str, AfterValidator(rules.host_list)] = Field(
        default="",
        description="Comma-separated hosts of embedded curation GUIs (also in QC_PORTAL_IFRAME_HOSTS) that receive a "
        "curation metric's data by postMessage and may send a new curation back; empty: none.",
    )
    oidc_discovery_url: str = Field(
        default="",
        description="Single sign-on: the OpenID Connect discovery URL (`https://idp/.well-known/openid-configuration`);"
        " empty: no SSO.",
    )
    oidc_client_id: str = Field(default="", description="Single sign-on: the portal's client id at the provider.")
    oidc_client_secret: str = Field(
        default="", repr=False, description="Single sign-on: the portal's client secret at the provider."
    )
    oidc_scopes: str = Field(default="openid profile email", description="Single sign-on: the scopes asked for.")
    oidc_role_claim: str = Field(
        default="groups", description="Single sign-on: the ID token claim listing the user's groups."
    )
    oidc_role_map: Annotated[str, AfterValidator(rules.role_map)] = Field(
        default="",
        description="Single sign-on: `group=role` pairs, comma-separated (`qc-admins=admin,qc-reviewers=annotator`); "
        "a user in several groups gets the highest role (viewer < annotator < pipeline < admin).",
    )
    oidc_default_role: Annotated[str, AfterValidator(rules.default_role)] = Field(
        default="viewer",
        description="Single sign-on: the role of a user in none of the mapped groups (`none`: such users may not "
        "sign in).",
    )

    @model_validator(mode="before")
    @classmethod
    def _not_server_keys(cls, data):
        # A `.env` shared with the Python client holds QC_PORTAL_URL / QC_PORTAL_TOKEN (and tests'
        # QC_PORTAL_TEST_*): they are not server settings, so they are not "extra" either.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not _not_server_setting(str(k).upper())}
        return data

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        if self.oidc_discovery_url:
            if not self.oidc_client_id:
                raise ValueError("QC_PORTAL_OIDC_CLIENT_ID is needed with QC_PORTAL_OIDC_DISCOVERY_URL")
            parts = urlsplit(self.oidc_discovery_url)
            loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
            if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
                raise ValueError("QC_PORTAL_OIDC_DISCOVERY_URL must be an https URL")
        return self

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database:
            self.database = f"sqlite:///{self.data_dir / 'portal.db'}"
        return self

    @property
    def is_sqlite(self) -> bool:
        """True when the portal's database is a SQLite file."""
        return self.database.startswith("sqlite")

    @property
    def embeddable_hosts(self) -> frozenset[str]:
        """The hosts of QC_PORTAL_IFRAME_HOSTS."""
        return frozenset(split_list(self.iframe_hosts))

    @property
    def curation_host_set(self) -> frozenset[str]:
        """The hosts of QC_PORTAL_CURATION_HOSTS."""
        return frozenset(split_list(self.curation_hosts))

    @property
    def asset_root_paths(self) -> tuple[Path, ...]:
        """The data dir and QC_PORTAL_ASSET_ROOTS, resolved (folders given to ingest are added by the store)."""
        roots = [self.data_dir, *(Path(item) for item in split_list(self.asset_roots, lower=False))]
        return tuple(dict.fromkeys(root.expanduser().resolve() for root in roots))

    @property
    def limits(self):
        """The request and document bounds as a portal.qc.bounds.Limits."""
        from portal.qc.bounds import Limits

        return Limits(max_json_depth=self.max_json_depth, max_metrics=self.max_metrics,
                      max_changes=self.max_changes, max_request_mb=self.max_request_mb,
                      max_document_mb=self.max_document_mb)

    @property
    def oidc_roles(self) -> dict[str, str]:
        """QC_PORTAL_OIDC_ROLE_MAP as {group: role}."""
        pairs = (pair.partition("=") for pair in split_list(self.oidc_role_map, lower=False))
        return {group.strip(): role.strip() for group, _, role in pairs}


# QC_PORTAL_* variables read by other programs than the server (the Python client) or by
# the test suite; they are not server settings but must not be reported as unknown.
_NOT_SERVER_SETTINGS = ("QC_PORTAL_URL", "QC_PORTAL_TOKEN")
_NOT_SERVER_PREFIXES = ("QC_PORTAL_TEST_",)


def _not_server_setting(key: str) -> bool:
    return key in _NOT_SERVER_SETTINGS or key.startswith(_NOT_SERVER_PREFIXES)


def unknown_variables(environ: dict[str, str]) -> list[str]:
    """QC_PORTAL_* variables that name no setting (usually a typo)."""
    known = {f"QC_PORTAL_{name.upper()}" for name in Settings.model_fields}
    return sorted(
        key
        for key in environ
        if key.startswith("QC_PORTAL_")
        and key not in known
        and key not in _NOT_SERVER_SETTINGS
        and not key.startswith(_NOT_SERVER_PREFIXES)
    )


def load_settings(**overrides) -> Settings:
    """Build the settings, turning a validation failure into one clear ConfigError line.

    An unknown QC_PORTAL_* variable is refused too: a typo must not silently fall back
    to a default (e.g. a misspelt database URL serving an empty SQLite file).
    """
    unknown = unknown_variables(dict(os.environ))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]}: see the README's settings table")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a rule across settings: its message names them
            raise ConfigError(f"invalid settings: {message}") from None
        name = "QC_PORTAL_" + "_".join(str(p) for p in first["loc"]).upper()
        raise ConfigError(f"invalid setting {name}: {message}") from None


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting, for docs and tests."""
    rows = []
    for name, field in Settings.model_fields.items():
        if field.default_factory is not None:
            default = "per-user data folder" if name == "data_dir" else "(computed)"
        else:
            default = repr(field.default) if field.default != "" else "(empty)"
        rows.append((f"QC_PORTAL_{name.upper()}", default, field.description or ""))
    return rows
