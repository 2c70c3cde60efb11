"""moto's S3 server on 127.0.0.1 for the S3 tests (session-scoped), with fake credentials.

Import the fixtures with `from tests.s3_fixtures import *  # noqa: F403`. moto checks
neither signatures nor expiry: the tests check URLs' form and contents, not AWS's rules.
"""

from __future__ import annotations

import uuid

import pytest

__all__ = ["bucket", "moto_s3", "s3_client", "s3_env"]


@pytest.fixture(scope="session")
def moto_s3():
    """The endpoint URL of a moto S3 server for the session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(monkeypatch):
    """Fake AWS credentials (moto accepts any)."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-west-2"}.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def s3_client(moto_s3, s3_env):
    """A boto3 S3 client on the moto server."""
    import boto3

    return boto3.client("s3", region_name="us-west-2", endpoint_url=moto_s3)


@pytest.fixture
def bucket(s3_client) -> str:
    """A fresh bucket."""
    name = f"qc-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return name
