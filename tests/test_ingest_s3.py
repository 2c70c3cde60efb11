"""`qc-portal ingest s3://bucket/prefix/` against moto's S3 server."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from portal.cli.main import main
from tests.records import metric, record
from tests.s3_fixtures import *  # noqa: F403


@pytest.fixture
def run(tmp_path, monkeypatch, moto_s3, s3_env):
    monkeypatch.setenv("QC_PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QC_PORTAL_SECRET_KEY", "test")
    monkeypatch.setenv("QC_PORTAL_S3_ENDPOINT", moto_s3)

    def invoke(*args):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def put_json(s3_client, bucket, key, value):
    body = value if isinstance(value, bytes) else json.dumps(value).encode()
    s3_client.put_object(Bucket=bucket, Key=key, Body=body)


def test_ingest_finds_asset_folders_and_keeps_their_s3_location(run, s3_client, bucket):
    one = record("ecephys_1", metrics=[metric("a", "Fail")])
    put_json(s3_client, bucket, "runs/ecephys_1/quality_control.json", one["quality_control"])
    put_json(s3_client, bucket, "runs/ecephys_1/data_description.json", one["data_description"])
    s3_client.put_object(Bucket=bucket, Key="runs/ecephys_1/qc/fig.png", Body=b"png")
    # A folder of an asset's figures holding a quality_control.json is not another asset.
    put_json(s3_client, bucket, "runs/ecephys_1/qc/quality_control.json", {"metrics": "not an asset"})
    put_json(s3_client, bucket, "runs/group/behavior_2/metadata.nd.json",
             record("behavior_2", modalities=("behavior",), metrics=[metric("x", "Pass", mod="behavior")]))
    put_json(s3_client, bucket, "runs/broken_3/quality_control.json", b"{not json")
    s3_client.put_object(Bucket=bucket, Key="runs/readme.txt", Body=b"not an asset")

    result = run("ingest", f"s3://{bucket}/runs/")
    assert result.exit_code == 1, result.output
    assert "2 created" in result.output
    assert f"FAILED s3://{bucket}/runs/broken_3/quality_control.json: invalid JSON" in result.output

    shown = json.loads(run("show", "ecephys_1", "--json").output)
    assert shown["status"]["overall"] == "Fail"
    assert shown["location"] == f"s3://{bucket}/runs/ecephys_1"
    assert json.loads(run("show", "behavior_2", "--json").output)["location"] == f"s3://{bucket}/runs/group/behavior_2"


def test_reingest_from_s3_is_idempotent(run, s3_client, bucket):
    one = record("ecephys_1")
    put_json(s3_client, bucket, "a/ecephys_1/metadata.nd.json", one)
    assert "1 created" in run("ingest", f"s3://{bucket}/a").output
    assert "1 unchanged" in run("ingest", f"s3://{bucket}/a").output


def test_missing_bucket_and_empty_prefix_are_reported(run, s3_client, bucket):
    result = run("ingest", "s3://no-such-bucket-here/x/", f"s3://{bucket}/empty/")
    assert result.exit_code == 1
    assert "FAILED s3://no-such-bucket-here/x/: cannot list S3" in result.output
    assert f"FAILED s3://{bucket}/empty/: no asset folders" in result.output
