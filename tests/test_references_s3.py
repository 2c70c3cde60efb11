"""S3 references against moto's S3 server: presigned URLs, caching, missing objects, public buckets."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from portal.references import AssetLocation, ReferenceResolvers, parse
from portal.references.s3 import S3Resolver
from tests.s3_fixtures import *  # noqa: F403


class Counting:
    """An S3 client proxy counting HEAD requests."""

    def __init__(self, client):
        self.client, self.heads = client, 0

    def head_object(self, **kw):
        self.heads += 1
        return self.client.head_object(**kw)

    def __getattr__(self, name):
        return getattr(self.client, name)


def resolvers(moto_s3, **kw) -> tuple[ReferenceResolvers, S3Resolver]:
    s3 = S3Resolver(region="us-west-2", endpoint=moto_s3, **kw)
    return ReferenceResolvers(by_location={"s3": s3}, by_scheme={"s3": s3}), s3


def test_relative_reference_becomes_a_presigned_url_that_serves_the_object(moto_s3, s3_client, bucket):
    key = "asset-1/quality_control/experiment1_Record Node 101#Probe A/traces.png"
    s3_client.put_object(Bucket=bucket, Key=key, Body=b"\x89PNG fake")
    refs, _ = resolvers(moto_s3, expiry=900)
    asset = AssetLocation("asset-1", f"s3://{bucket}/asset-1")
    (ref,) = parse("quality_control/experiment1_Record Node 101#Probe A/traces.png")
    resolved = refs.resolve(asset, ref)
    assert resolved.ok, resolved.error
    query = parse_qs(urlsplit(resolved.url).query)
    assert query["X-Amz-Expires"] == ["900"] and "X-Amz-Signature" in query
    assert requests.get(resolved.url, timeout=5).content == b"\x89PNG fake"


def test_absolute_s3_reference(moto_s3, s3_client, bucket):
    s3_client.put_object(Bucket=bucket, Key="elsewhere/fig.svg", Body=b"<svg/>")
    refs, _ = resolvers(moto_s3)
    (ref,) = parse(f"s3://{bucket}/elsewhere/fig.svg")
    resolved = refs.resolve(AssetLocation("a", "/some/local/folder"), ref)
    assert resolved.ok and requests.get(resolved.url, timeout=5).content == b"<svg/>"


def test_missing_object_is_reference_not_found(moto_s3, bucket, s3_env):
    refs, _ = resolvers(moto_s3)
    (ref,) = parse("qc/nothing-here.png")
    resolved = refs.resolve(AssetLocation("a", f"s3://{bucket}/a"), ref)
    assert not resolved.ok and resolved.error == f"reference not found: s3://{bucket}/a/qc/nothing-here.png"


def test_paths_leaving_the_prefix_are_refused(moto_s3, bucket, s3_env):
    refs, _ = resolvers(moto_s3)
    (ref,) = parse("../other-asset/secret.png")
    assert "leaves the asset folder" in refs.resolve(AssetLocation("a", f"s3://{bucket}/a"), ref).error


def test_urls_are_cached_until_five_minutes_before_expiry(moto_s3, s3_client, bucket):
    s3_client.put_object(Bucket=bucket, Key="a/fig.png", Body=b"x")
    now = [1000.0]
    s3 = S3Resolver(region="us-west-2", endpoint=moto_s3, expiry=3600, clock=lambda: now[0])
    s3._client = counting = Counting(s3.client)
    asset = AssetLocation("a", f"s3://{bucket}/a")
    first = s3.resolve(asset, "fig.png")
    now[0] += 3600 - 301
    assert s3.resolve(asset, "fig.png") == first and counting.heads == 1
    now[0] += 2  # inside the last five minutes: a fresh URL
    s3.resolve(asset, "fig.png")
    assert counting.heads == 2


def test_public_bucket_urls_are_unsigned(moto_s3, s3_client, bucket):
    import json

    s3_client.put_object(Bucket=bucket, Key="a/fig.png", Body=b"public")
    s3_client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    s3_client.put_object_acl(Bucket=bucket, Key="a/fig.png", ACL="public-read")
    s3 = S3Resolver(region="us-west-2", endpoint=moto_s3, public=True)
    resolved = s3.resolve(AssetLocation("a", f"s3://{bucket}/a"), "fig.png")
    assert resolved.ok and "X-Amz-Signature" not in resolved.url
    assert requests.get(resolved.url, timeout=5).content == b"public"


def test_unreachable_s3_is_a_message_not_a_crash(s3_env):
    s3 = S3Resolver(region="us-west-2", endpoint="http://127.0.0.1:9", timeout=1)
    resolved = s3.resolve(AssetLocation("a", "s3://bucket/a"), "fig.png")
    assert not resolved.ok and "S3 is not reachable" in resolved.error
