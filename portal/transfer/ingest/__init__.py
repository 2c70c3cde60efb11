"""Ingest of asset folders and record dumps into the store."""

from portal.transfer.ingest.checks import IngestPolicy
from portal.transfer.ingest.run import IngestReport, ItemOutcome, find_sources, ingest_items, source_items

__all__ = ["IngestPolicy", "IngestReport", "ItemOutcome", "find_sources", "ingest_items", "source_items"]
