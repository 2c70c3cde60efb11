"""schemathesis against the OpenAPI description on a live gunicorn: no 5xx, every answer
matches the schema (status codes, content types, bodies), for anonymous, annotator and pipeline calls.

Bounded: a few dozen examples per operation and a time budget per test, so the whole
file stays well under a minute on two cores.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.context import build_portal
from portal.settings import load_settings
from tests.api_helpers import seed
from tests.live_server import LivePortal, cli

MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    """A seeded portal under gunicorn and an annotator's token."""
    data = tmp_path_factory.mktemp("schema-portal")
    portal = build_portal(load_settings(data_dir=data, secret_key="live-test-secret-of-at-least-32-characters"))

    class _App:
        server = type("S", (), {"extensions": {"qc_portal": portal}})

    seed(_App, data / "assets")
    portal.users.add("ada", "annotator", "correct horse battery", "Ada Lovelace")
    portal.users.add("etl", "pipeline", "correct horse battery", "ETL pipeline")
    tokens = {}
    for who, account in (("annotator", "ada"), ("pipeline", "etl")):
        made = cli(data, "tokens", "create", account)
        assert made.returncode == 0, made.stderr
        tokens[who] = made.stdout.strip().splitlines()[-1]
    server = LivePortal(data, threads=8).start()
    yield server, tokens
    server.stop()


@pytest.fixture(scope="module")
def operations(live_api):
    """Every operation of the description the live server serves."""
    server, _ = live_api
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 7
    return found


_BOUNDED = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])


# What every answer must satisfy: no 5xx, and status, content type, headers and body as described.
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_headers_conformance, response_schema_conformance]


def _fuzz(operation, base_url: str, headers: dict, mode: GenerationMode) -> None:
    """Run generated cases of one operation (schemathesis' pytest plugin does not run under
    pytest 9 here: the same strategies and checks, driven by hypothesis directly)."""
    checks = list(CONFORMANCE)
    if mode is GenerationMode.POSITIVE and operation.method.upper() == "GET":
        # Reads accept everything their description allows. Writes are not held to this: valid
        # JSON can still name a metric the asset lacks or break aind-data-schema's own rules (422).
        checks.append(positive_data_acceptance)

    @given(case=operation.as_strategy(generation_mode=mode))
    @_BOUNDED
    def run(case):
        case.call_and_validate(base_url=base_url, headers=headers, timeout=30, checks=checks)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # Nothing to make invalid (GET /me takes no input): the valid run covered it.


@pytest.mark.parametrize("who", ["anonymous", "annotator", "pipeline"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_server_errors_and_answers_match_the_schema(live_api, operations, who, mode):
    server, tokens = live_api
    headers = {"Authorization": f"Bearer {tokens[who]}"} if who in tokens else {}
    started = time.monotonic()
    for operation in operations:
        _fuzz(operation, f"{server.url}/api/v1", headers, mode)
    assert time.monotonic() - started < 300  # the bound: a regression to slow answers shows here
