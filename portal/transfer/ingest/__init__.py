"""Ingest of asset folders and record dumps into the store."""

from portal.ingest.checks import IngestPolicy
from portal.ingest.run import IngestReport, find_sources, ingest_items, source_items

__all__ = ["IngestPolicy", "IngestReport", "find_sources", "ingest_items", "source_items"]
