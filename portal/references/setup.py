"""The reference resolvers an app uses, built from its settings."""

from __future__ import annotations

from portal.references.kachery import KacheryResolver
from portal.references.resolve import ReferenceResolvers
from portal.references.s3 import S3Resolver
from portal.settings import Settings


def build_resolvers(settings: Settings) -> ReferenceResolvers:
    """Local folders, S3 (relative to `s3://` locations and absolute `s3://`) and kachery `sha1://`."""
    s3 = S3Resolver(region=settings.aws_region, expiry=settings.s3_url_expiry, public=settings.s3_public,
                    endpoint=settings.s3_endpoint)
    kachery = KacheryResolver(timeout=settings.kachery_timeout)
    return ReferenceResolvers(by_location={"s3": s3}, by_scheme={"s3": s3, "sha1": kachery})
