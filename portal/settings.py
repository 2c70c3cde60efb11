"""The portal's settings: defaults, then a `.env` file, then `QC_PORTAL_*` variables.

Every setting is declared once here, with its help text; the README's settings table
is checked against this class by a test, so a new setting cannot go undocumented.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from portal.errors import ConfigError


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
    database: str = Field(
        default="",
        description="SQLAlchemy URL of the portal's own database (users, tokens, audit log, uploads) "
        "and, with store=sql, the asset documents. Default `sqlite:///<data dir>/portal.db`; "
        "`postgresql+psycopg://user:pass@host/db` for PostgreSQL.",
    )
    store: str = Field(
        default="sql",
        description="Where asset documents live: `sql` (the database above) or DocDB through AIND's API gateway, "
        "`docdb://HOST?database=metadata_index&collection=data_assets&version=v2` (https; "
        "`docdb+http://HOST:PORT?...` for a local gateway; add `&create=true` to let ingest insert records "
        "DocDB lacks).",
    )
    secret_key: str = Field(
        default="",
        description="Key signing session cookies. When empty, a random key is generated once and kept "
        "in the data dir (file `secret_key`, mode 0600); set it when several instances serve one database.",
    )
    host: str = Field(default="127.0.0.1", description="Address `qc-portal serve` listens on.")
    port: int = Field(default=8050, ge=1, le=65535, description="Port `qc-portal serve` listens on.")
    db_timeout: float = Field(
        default=5.0, gt=0, le=120, description="Seconds to wait when connecting to the database."
    )
    log_level: str = Field(default="INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")
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
    status_page: str = Field(
        default="admin", description="Who may open /status: `admin` (signed-in admins) or `anonymous` (anyone)."
    )

    @field_validator("store")
    @classmethod
    def _known_store(cls, value: str) -> str:
        if value != "sql" and not value.startswith(("docdb://", "docdb+http://")):
            raise ValueError(f"unknown store {value!r}: expected 'sql' or a docdb:// URL")
        return value

    @field_validator("status_page")
    @classmethod
    def _status_page(cls, value: str) -> str:
        if value not in ("admin", "anonymous"):
            raise ValueError(f"{value!r} is not one of admin, anonymous")
        return value

    @field_validator("database")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgresql")):
            raise ValueError(f"{value!r} is not a sqlite:// or postgresql+psycopg:// URL")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"{value!r} is not one of DEBUG, INFO, WARNING, ERROR")
        return level

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database:
            self.database = f"sqlite:///{self.data_dir / 'portal.db'}"
        return self

    @property
    def is_sqlite(self) -> bool:
        """True when the portal's database is a SQLite file."""
        return self.database.startswith("sqlite")


# QC_PORTAL_* variables read by other programs than the server (the Python client) or by
# the test suite; they are not server settings but must not be reported as unknown.
_NOT_SERVER_SETTINGS = ("QC_PORTAL_URL", "QC_PORTAL_TOKEN")
_NOT_SERVER_PREFIXES = ("QC_PORTAL_TEST_",)


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
        name = "QC_PORTAL_" + "_".join(str(p) for p in first["loc"]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
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
