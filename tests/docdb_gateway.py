"""A local stand-in for AIND's DocDB API gateway, for tests and the benchmark.

It speaks the routes `aind_data_access_api.document_db.Client` uses (`find`,
`count_documents`, `aggregate`, `update_one`, `insert_one`, `bulk_write`, and the
collection URL itself) with the same payloads, over a mongomock collection that
evaluates the Mongo filters and pipelines. It listens on 127.0.0.1 (plain http: the
portal's `docdb+http://` URLs point the real client at it).

What it does NOT check: SigV4 signatures. Writes carry them (the client signs with the
boto3 session's credentials; tests set fake ones), but nothing here verifies them. That
is the one part of the real gateway that is mocked away.

mongomock lacks a few aggregation operators DocumentDB has (`$type`,
`$dateFromString`, `$trim`, `$reduce`); `_extend_mongomock` adds them with MongoDB's semantics (missing
fields are "missing", dates parse ISO 8601 with `T` or space, naive is UTC, millisecond
precision, `onError`/`onNull`).

Faults for tests: `gateway.faults.delay` (seconds before answering), `.fail` (answer
the next N requests with 500), `.drop` (close the next N connections without an
answer), `.lose_writes` (acknowledge `update_one` without applying it). Every request
is logged in `gateway.requests` as (method, route) for request-count assertions, and
in `gateway.served` as (route, milliseconds spent answering, bytes) for the benchmark.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import mongomock
from mongomock import aggregate as _aggregate
from mongomock.helpers import get_value_by_dot

_ROUTE = re.compile(r"^/(?P<version>[^/]+)/(?P<database>[^/]+)/(?P<collection>[^/]+)(?:/(?P<action>[a-z_]+))?$")


# --------------------------------------------------------------------------- the engine


def _bson_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, datetime):
        return "date"
    return "objectId"


def _date_from_string(text) -> datetime:
    if not isinstance(text, str):
        raise ValueError("not a string")
    value = text.strip()
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    if not re.match(r"^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?([+-]\d\d:?\d\d)?$", value):
        raise ValueError(f"not an ISO date: {text!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    # BSON dates have millisecond precision.
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)


_EXTENDED = False


def _extend_mongomock() -> None:
    """Teach mongomock's expression parser `$type`, `$dateFromString`, `$trim` and `$reduce` (once)."""
    global _EXTENDED
    if _EXTENDED:
        return
    _EXTENDED = True
    mongomock.SERVER_VERSION = "5.0"
    original = _aggregate._Parser.parse

    def parse(self, expression):
        if isinstance(expression, dict) and len(expression) == 1:
            (key, argument), = expression.items()
            if key == "$type":
                try:
                    return _bson_type(original(self, argument))
                except KeyError:
                    return "missing"
            if key == "$dateFromString":
                try:
                    text = original(self, argument["dateString"])
                except KeyError:
                    text = None
                if text is None:
                    return original(self, argument["onNull"]) if "onNull" in argument else None
                try:
                    return _date_from_string(text)
                except ValueError as exc:
                    if "onError" in argument:
                        return original(self, argument["onError"])
                    raise mongomock.OperationFailure(f"$dateFromString: {exc}") from None
            if key == "$reduce":
                try:
                    items = original(self, argument["input"])
                except KeyError:
                    items = None
                if items is None:
                    return None
                if not isinstance(items, list):
                    raise mongomock.OperationFailure("$reduce requires an array input")
                value = original(self, argument["initialValue"])
                for item in items:
                    inner = _aggregate._Parser(self._doc_dict, dict(self._user_vars, value=value, this=item),
                                               ignore_missing_keys=self._ignore_missing_keys)
                    value = inner.parse(argument["in"])
                return value
            if key == "$trim":
                try:
                    text = original(self, argument["input"])
                except KeyError:
                    return None
                if text is None:
                    return None
                if not isinstance(text, str):
                    raise mongomock.OperationFailure("$trim requires its input to be a string")
                return text.strip()
        return original(self, expression)

    _aggregate._Parser.parse = parse


def _jsonable(value):
    """Dates as extended JSON (`{"$date": ISO}`), as pymongo's json_util writes them."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return {"$date": moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# --------------------------------------------------------------------------- faults


@dataclass
class Faults:
    """What the gateway does wrong on purpose (see the module docstring)."""

    delay: float = 0.0
    fail: int = 0
    drop: int = 0
    lose_writes: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, name: str) -> bool:
        """Use up one of the `fail`/`drop` faults; True when this request gets it."""
        with self.lock:
            left = getattr(self, name)
            if left > 0:
                setattr(self, name, left - 1)
                return True
        return False


# --------------------------------------------------------------------------- the server


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet: tests read gateway.requests instead
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        self._handle("GET")

    def do_POST(self):  # noqa: N802
        self._handle("POST")

    def do_DELETE(self):  # noqa: N802
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        gateway = self.server.gateway
        parts = urlsplit(self.path)
        match = _ROUTE.match(parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        action = (match.group("action") if match else None) or "records"
        gateway.log(method, action)
        if gateway.faults.take("drop"):
            self.close_connection = True
            self.connection.close()  # no status line at all: a dropped connection
            return
        if gateway.faults.delay:
            time.sleep(gateway.faults.delay)
        if gateway.faults.take("fail"):
            self._answer(500, {"message": "Internal server error"})
            return
        if match is None:
            self._answer(404, {"message": "Not Found"})
            return
        started = time.perf_counter()
        try:
            status, payload = gateway.dispatch(method, action, parse_qs(parts.query), body)
        except (mongomock.OperationFailure, ValueError, KeyError, TypeError) as exc:
            status, payload = 400, {"message": f"{type(exc).__name__}: {exc}"}
        self._answer(status, payload, lambda size: gateway.timed(action, (time.perf_counter() - started) * 1000, size))

    def _answer(self, status: int, payload, before_sending=None) -> None:
        data = json.dumps(_jsonable(payload)).encode()
        if before_sending is not None:
            # Logged before the client can have the answer, so a client that counts
            # requests right after its call sees this one.
            before_sending(len(data))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gateway: DocDbGateway


class DocDbGateway:
    """The gateway over one mongomock collection; `start()` it, use `.host`, `stop()` it."""

    def __init__(self):
        _extend_mongomock()
        self.collection = mongomock.MongoClient().db.collection
        self.faults = Faults()
        self.requests: list[tuple[str, str]] = []
        self.served: list[tuple[str, float, int]] = []  # (route, ms spent answering, bytes answered)
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> DocDbGateway:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.gateway = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="docdb-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def host(self) -> str:
        """`127.0.0.1:PORT`."""
        assert self._server is not None, "start() the gateway first"
        return f"127.0.0.1:{self._server.server_address[1]}"

    def store_url(self, version: str = "v2") -> str:
        """The QC_PORTAL_STORE URL pointing at this gateway."""
        return f"docdb+http://{self.host}?database=metadata_index&collection=data_assets&version={version}"

    # -- bookkeeping ----------------------------------------------------------

    def log(self, method: str, action: str) -> None:
        """Record one request."""
        with self._lock:
            self.requests.append((method, action))

    def timed(self, action: str, ms: float, size: int) -> None:
        """Record how long answering one request took and how big the answer was."""
        with self._lock:
            self.served.append((action, ms, size))

    def count(self, action: str | None = None) -> int:
        """Requests seen (of one route)."""
        with self._lock:
            return sum(1 for _m, a in self.requests if action is None or a == action)

    def reset(self) -> None:
        """Forget the request log and every fault."""
        with self._lock:
            self.requests.clear()
            self.served.clear()
        self.faults = Faults()

    def seed(self, records: list[dict]) -> None:
        """Insert records directly (as DocDB's own writers would)."""
        if records:
            self.collection.insert_many([dict(r) for r in records])

    # -- routes ---------------------------------------------------------------

    def dispatch(self, method: str, action: str, query: dict, body: bytes):
        """(status, payload) for one request."""
        def param(name):
            values = query.get(name)
            return json.loads(values[0]) if values else None

        if method == "GET" and action in ("find", "records"):
            cursor = self.collection.find(param("filter") or {}, param("projection"))
            sort = param("sort")
            if sort:
                cursor = cursor.sort(list(sort.items()))
            skip, limit = int(query.get("skip", ["0"])[0]), int(query.get("limit", ["0"])[0])
            if skip:
                cursor = cursor.skip(skip)
            if limit:
                cursor = cursor.limit(limit)
            return 200, list(cursor)
        if method == "GET" and action == "count_documents":
            filtered = param("filter")
            total = self.collection.count_documents({})
            return 200, {"total_record_count": total,
                         "filtered_record_count": self.collection.count_documents(filtered or {})}
        if method == "POST" and action == "aggregate":
            pipeline = json.loads(body)
            return 200, list(self.collection.aggregate(pipeline))
        if method == "POST" and action == "update_one":
            payload = json.loads(body)
            if self.faults.lose_writes:
                return 200, {"matched_count": 1, "modified_count": 1, "upserted_id": None}
            result = self.collection.update_one(payload["filter"], payload["update"],
                                                upsert=str(payload.get("upsert")) == "True")
            return 200, {"matched_count": result.matched_count, "modified_count": result.modified_count,
                         "upserted_id": result.upserted_id}
        if method == "POST" and action == "insert_one":
            record = json.loads(body)
            if self.collection.find_one({"_id": record.get("_id")}) is not None:
                return 409, {"message": f"duplicate _id {record.get('_id')!r}"}
            return 200, {"inserted_id": self.collection.insert_one(record).inserted_id}
        if method == "POST" and action == "bulk_write":
            operations = json.loads(body)
            upserted = modified = 0
            for operation in operations:
                one = operation["UpdateOne"]
                result = self.collection.update_one(one["filter"], one["update"],
                                                    upsert=str(one.get("upsert")) == "True")
                modified += result.modified_count
                upserted += 1 if result.upserted_id is not None else 0
            return 200, {"modified_count": modified, "upserted_count": upserted}
        return 404, {"message": f"no route {method} {action}"}


def first_value(document: dict, path: str):
    """A dotted field of a stored document (tests use it to look past the store)."""
    try:
        return get_value_by_dot(document, path)
    except KeyError:
        return None
