"""Metric references: parsing them into typed viewers and resolving them to URLs.

- `parse(reference)` -> [Reference(kind, target, ...)] (parse.py);
- `ReferenceResolvers.resolve(asset, reference)` -> ResolvedReference(url | None,
  error) through one resolver per storage kind (resolve.py);
- the `/references/<asset>/<path>` route serving files from a local asset folder
  (route.py).
"""

from portal.references.parse import KINDS, Reference, parse
from portal.references.resolve import (
    AssetLocation,
    LocalFolderResolver,
    ReferenceResolvers,
    ResolvedReference,
    Resolver,
)

__all__ = [
    "KINDS",
    "AssetLocation",
    "LocalFolderResolver",
    "Reference",
    "ReferenceResolvers",
    "ResolvedReference",
    "Resolver",
    "parse",
]
