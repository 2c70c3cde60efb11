"""Python client of the QC Portal's REST API (/api/v1), for pipelines and notebooks.

    from portal.client import QCPortalClient

    client = QCPortalClient()  # QC_PORTAL_URL / QC_PORTAL_TOKEN from the environment or .env
    for asset in client.iter_assets(project="Dynamic Routing", status="Fail"):
        print(asset.name, asset.failed)
    client.add_metrics("ecephys_123", [metric], files=["drift.png"])
    qc = client.quality_control("ecephys_123")
    client.annotate("ecephys_123", [{"metric": "drift", "status": "Pass"}], base=qc)

Answers are the API's own pydantic models (portal.api.models); errors are exceptions
named for what happened (NotFoundError, ForbiddenError, ConflictError, ...), all
QCPortalError: the client raises nothing else (a URL that is not a portal, an answer of
the wrong shape, a file that cannot be read, a wrong argument are QCPortalErrors too).
Every request has a timeout; connection failures are retried with backoff, and reads
also on 502/503/504 (writes are not re-sent once they reached the
server: an annotation appends, and must not append twice).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from urllib.parse import quote, urlsplit

import requests
import urllib3
from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from portal.api.models import (
    AnnotationOut,
    AssetOut,
    AssetPageOut,
    AssetRowOut,
    ChangeIn,
    ConflictOut,
    MetricsOut,
    QualityControlOut,
    SummaryOut,
    UserOut,
)

__all__ = [
    "AnnotationOut", "AssetOut", "AssetRowOut", "Change", "ClientSettings", "ConflictError", "ConflictOut",
    "ForbiddenError", "InvalidRequestError", "MetricsOut", "NotFoundError", "QCPortalClient", "QCPortalError",
    "QualityControlOut", "ServerError", "SummaryOut", "UnauthorizedError", "UnavailableError", "UsageError",
    "UserOut",
]

_M = TypeVar("_M", bound=BaseModel)
Change = ChangeIn  # one change of an annotation: metric, status, value, comment, seen_history, seen_value
_UNSET: Any = object()
_FILTERS = ("project", "modality", "subject", "status", "level", "q", "source", "metric", "metric_status")


class ClientSettings(BaseSettings):
    """Where the portal is and the token to use: arguments, then QC_PORTAL_URL / QC_PORTAL_TOKEN,
    then a `.env` file in the working directory."""

    model_config = SettingsConfigDict(env_prefix="QC_PORTAL_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    url: str = ""
    token: str = ""


class QCPortalError(Exception):
    """An error answer of the portal (or no answer): `status`, `title` and the portal's `message`."""

    def __init__(self, message: str, *, status: int | None = None, title: str = "Error", body: dict | None = None):
        super().__init__(message)
        self.message, self.status, self.title, self.body = message, status, title, body or {}

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.message}" if self.status else self.message


class InvalidRequestError(QCPortalError):
    """422 (or 400/413): the request was refused as invalid; `message` says why."""


class UnauthorizedError(QCPortalError):
    """401: no token, or the token is unknown or revoked."""


class ForbiddenError(QCPortalError):
    """403: the token's account may not do this (writes need the annotator role)."""


class NotFoundError(QCPortalError):
    """404: no such asset."""


class ConflictError(QCPortalError):
    """409: the version sent is stale and changes conflict. `version` is the current one,
    `conflicts` what others changed meanwhile."""

    def __init__(self, message: str, **kwargs):
        super().__init__(message, **kwargs)
        self.version: int | None = self.body.get("version")
        self.conflicts = [ConflictOut.model_validate(c) for c in self.body.get("conflicts") or []]


class ServerError(QCPortalError):
    """5xx: the portal or its store failed; retried reads failed too."""


class UnavailableError(QCPortalError):
    """The portal could not be reached (connection refused, DNS, timeout, a dropped connection)."""


class UsageError(QCPortalError, TypeError):
    """A call the client cannot make: an unknown filter, a change that is not one, a file that
    cannot be read, a URL that is not http(s). Nothing was sent. (Also a TypeError, as a wrong
    argument is in Python.)"""


_BY_STATUS = {400: InvalidRequestError, 401: UnauthorizedError, 403: ForbiddenError, 404: NotFoundError,
              409: ConflictError, 413: InvalidRequestError, 422: InvalidRequestError}


class QCPortalClient:
    """A client of one portal. `url` is the portal's address (`https://qc.example.org`), `token`
    a personal API token; both default to ClientSettings. Use as a context manager or call close()."""

    def __init__(self, url: str | None = None, token: str | None = None, *, timeout: float = 30.0,
                 retries: int = 3, backoff: float = 0.5):
        try:
            settings = ClientSettings()
        except ValidationError as exc:
            raise UsageError(f"QC_PORTAL_URL / QC_PORTAL_TOKEN cannot be read: {exc.errors()[0]['msg']}") from None
        base = (url or settings.url).rstrip("/")
        if not base:
            raise QCPortalError("no portal URL: pass url= or set QC_PORTAL_URL (environment or .env)")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"{base!r} is not a portal URL: give one like https://qc.example.org")
        self.url = base
        self.api = base + "/api/v1"
        self.timeout = timeout
        self.session = requests.Session()
        retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
                      status_forcelist=(502, 503, 504), allowed_methods=frozenset({"GET", "HEAD"}),
                      raise_on_status=False, respect_retry_after_header=True)
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        token = token if token is not None else settings.token
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["Accept"] = "application/json"

    def close(self) -> None:
        """Close the connection pool."""
        self.session.close()

    def __enter__(self) -> QCPortalClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs) -> Any:
        try:
            response = self.session.request(method, self.api + path, timeout=self.timeout, **kwargs)
        except (requests.Timeout, requests.ConnectionError) as exc:
            cause = _cause(exc)
            # urllib3's NewConnectionError (refused, no route) is a TimeoutError subclass: not a timeout here.
            timed_out = isinstance(exc, requests.Timeout) or isinstance(cause, urllib3.exceptions.TimeoutError)
            if timed_out and not isinstance(cause, urllib3.exceptions.NewConnectionError):
                raise UnavailableError(f"{self.url} did not answer within {self.timeout:g} s") from None
            raise UnavailableError(f"cannot reach {self.url}: {_reason(cause)}") from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise UnavailableError(f"{self.url} broke off its answer: {_reason(_cause(exc))}") from None
        except requests.RequestException as exc:  # too many redirects, an invalid URL or header, ...
            raise QCPortalError(f"the request to {self.url} failed: {_reason(exc)}") from None
        if response.status_code < 400:
            try:
                return response.json()
            except ValueError:
                raise ServerError(f"{self.url} answered {method} {path} with {response.status_code} but no JSON "
                                  f"({response.headers.get('Content-Type') or 'no content type'}): is it a QC Portal "
                                  "(and is the token valid)?", status=response.status_code) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        message = body.get("message") or response.reason or "no message"
        kind = _BY_STATUS.get(response.status_code, ServerError if response.status_code >= 500 else QCPortalError)
        raise kind(message, status=response.status_code, title=body.get("error") or response.reason or "Error",
                   body=body)

    def _get(self, model: type[_M], path: str, **kwargs) -> _M:
        return _answer(model, self._request("GET", path, **kwargs), self.url)

    # -- reads ---------------------------------------------------------------------

    def me(self) -> UserOut:
        """The account the token acts as (UnauthorizedError without a valid token)."""
        return self._get(UserOut, "/me")

    def assets(self, *, limit: int = 100, offset: int = 0, sort: str | None = None, **filters) -> AssetPageOut:
        """One page of assets. Filters: project, modality, subject, status, level, q, source,
        metric, metric_status (a value or a list), from_ / to (dates), pending (bool)."""
        params = _filter_params(filters) + [("limit", str(limit)), ("offset", str(offset))]
        if sort:
            params.append(("sort", sort))
        return self._get(AssetPageOut, "/assets", params=params)

    def iter_assets(self, *, page_size: int = 500, sort: str = "name", **filters) -> Iterator[AssetRowOut]:
        """Every asset matching the filters, fetched a page at a time."""
        offset: int | None = 0
        while offset is not None:
            page = self.assets(limit=page_size, offset=offset, sort=sort, **filters)
            yield from page.rows
            offset = page.next_offset

    def asset(self, name: str) -> AssetOut:
        """An asset's summary and statuses (by name or id)."""
        return self._get(AssetOut, f"/assets/{_segment(name)}")

    def quality_control(self, name: str) -> QualityControlOut:
        """An asset's quality_control (normalised to 2.x) and its version."""
        return self._get(QualityControlOut, f"/assets/{_segment(name)}/qc")

    def summary(self, *, by: str = "project", **filters) -> SummaryOut:
        """Counts of the filtered assets per status, per `by` (project, subject, level, week) and per modality."""
        params = _filter_params(filters) + [("by", by)]
        return self._get(SummaryOut, "/summary", params=params)

    # -- writes --------------------------------------------------------------------

    def add_metrics(self, name: str, metrics: Sequence[Mapping | BaseModel] | None = None, *,
                    evaluation: Mapping | BaseModel | None = None, files: Sequence | Mapping | None = None,
                    allow_tag_failures: Sequence[str] = ()) -> MetricsOut:
        """Add or replace metrics of an asset: aind-data-schema QCMetric / CurationMetric objects
        or dicts, or one 1.x `evaluation`. `files` (paths, or {name: bytes | path | file}) are
        stored with the asset; a metric whose `reference` is a file's name then references it."""
        body: dict[str, Any] = {"allow_tag_failures": list(allow_tag_failures)}
        if evaluation is not None:
            body["evaluation"] = _plain(evaluation)
        if metrics is not None:
            body["metrics"] = [_plain(m) for m in metrics]
        if not files:
            return _answer(MetricsOut, self._request("POST", f"/assets/{_segment(name)}/qc/metrics", json=body),
                           self.url)
        opened: list[BinaryIO] = []
        try:
            parts = [("files", item) for item in _file_parts(files, opened)]
            return _answer(MetricsOut, self._request(
                "POST", f"/assets/{_segment(name)}/qc/metrics", data={"payload": json.dumps(body)}, files=parts),
                self.url)
        finally:
            for handle in opened:
                handle.close()

    def annotate(self, name: str, changes: Sequence[Mapping | ChangeIn] = (), *, version: int | None = None,
                 base: QualityControlOut | None = None, notes: str | None = _UNSET, force: bool = False
                 ) -> AnnotationOut:
        """Apply changes (`{"metric", "status"?, "value"?, "comment"?}`) as the token's account.

        Pass `base`, the QualityControlOut the changes were decided on: its version is sent
        with what was seen of each metric, so only changes others made since conflict
        (ConflictError). Without `base` or `version`, the current version is read first.
        """
        try:
            items = [c if isinstance(c, ChangeIn) else ChangeIn.model_validate(dict(c)) for c in changes]
        except (ValidationError, TypeError, ValueError) as exc:
            raise UsageError(f"a change is not one: {exc}") from None
        if base is not None:
            version = base.version
            items = [_with_seen(change, base) for change in items]
        if version is None:
            version = self.quality_control(name).version
        body: dict[str, Any] = {"version": version, "force": force,
                                "changes": [c.model_dump(mode="json", exclude_unset=True) for c in items]}
        if notes is not _UNSET:
            body["notes"] = notes
            if base is not None:
                body["seen_notes"] = (base.quality_control or {}).get("notes")
        return _answer(AnnotationOut, self._request("POST", f"/assets/{_segment(name)}/annotations", json=body),
                       self.url)


def _with_seen(change: ChangeIn, base: QualityControlOut) -> ChangeIn:
    from portal.qc.identity import MetricIndex, MetricLookupError, MetricSelector

    metrics = (base.quality_control or {}).get("metrics") or []
    selector = MetricSelector(name=change.metric, key=change.key, modality=change.modality, stage=change.stage,
                              tags=change.tags, occurrence=change.occurrence)
    try:
        seen = metrics[MetricIndex(metrics).resolve(selector)]
    except MetricLookupError:
        return change  # the server says what is wrong with it
    extra: dict[str, Any] = {}
    if change.seen_history is None:
        extra["seen_history"] = len(seen.get("status_history") or [])
    if "seen_value" not in change.model_fields_set:
        extra["seen_value"] = seen.get("value")
    return ChangeIn.model_validate({**change.model_dump(exclude_unset=True), **extra}) if extra else change


def _answer(model: type[_M], data: Any, url: str) -> _M:
    """An answer read as its model; one of another shape is a ServerError (not a portal, or another version)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ServerError(f"{url} answered with something that is not a {model.__name__} ({exc.error_count()} "
                          "problem(s)): is it a QC Portal of a compatible version?") from None


def _filter_params(filters: dict) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for key, value in filters.items():
        name = {"from_": "from", "date_from": "from", "date_to": "to"}.get(key, key)
        if value is None:
            continue
        if name in ("from", "to"):
            params.append((name, value.isoformat() if isinstance(value, date) else str(value)))
        elif name == "pending":
            params.append((name, "1" if value else "0"))
        elif name in _FILTERS:
            values = [value] if isinstance(value, str) else list(value)
            params.extend((name, str(v)) for v in values)
        else:
            raise UsageError(f"unknown filter {key!r}: use one of {', '.join(_FILTERS)}, from_, to, pending")
    return params


def _plain(item: Mapping | BaseModel) -> dict:
    return item.model_dump(mode="json") if isinstance(item, BaseModel) else json.loads(json.dumps(dict(item),
                                                                                                  default=str))


def _file_parts(files: Sequence | Mapping, opened: list) -> list[tuple[str, Any, str]]:
    """(file name, content, content type) for each file given as a path, or name -> bytes / path / file."""
    items = files.items() if isinstance(files, Mapping) else [(Path(f).name, f) for f in files]
    parts = []
    for name, content in items:
        if isinstance(content, str | Path):
            try:
                content = open(content, "rb")  # noqa: SIM115 - closed by the caller after the request
            except OSError as exc:
                raise UsageError(f"cannot read the file {content}: {exc.strerror or exc}") from None
            opened.append(content)
        parts.append((str(name), content, mimetypes.guess_type(str(name))[0] or "application/octet-stream"))
    return parts


def _segment(name: str) -> str:
    return quote(name, safe="")


def _cause(exc: Exception) -> Exception:
    """What went wrong under requests' and urllib3's wrappers (retries exhausted, ...)."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    return getattr(inner, "reason", None) or inner


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text.splitlines()[0][:300] if text else type(exc).__name__
