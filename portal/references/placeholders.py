"""What the placeholders pipelines write into references stand for, per asset.

AIND's ephys pipeline writes its curation-GUI link as a URL-encoded reference holding
`{derived_asset_location}` (the asset's own location) and `{raw_asset_location}` (the
location of the raw asset it was derived from: the first `data_description.source_data`
name, looked up in the store; the asset's own location when it is raw), as AIND's own
portal fills them. `ReferenceContext` carries those two values for one asset; the raw
one is looked up only when a reference needs it (most pages have none).
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["DERIVED", "PLACEHOLDER", "RAW", "ReferenceContext", "reference_context"]

DERIVED = "derived_asset_location"
RAW = "raw_asset_location"
# Exactly these two tokens: other braces (Neuroglancer's JSON fragments) are left alone.
PLACEHOLDER = re.compile(r"\{(" + DERIVED + "|" + RAW + r")\}")

# (value, None) or (None, why there is none)
Lookup = tuple[str | None, str | None]


class ReferenceContext:
    """The values of `{derived_asset_location}` and `{raw_asset_location}` for one asset.

    `raw` is a value or a function computing it (called at most once, when a reference
    names the placeholder). A missing value comes with the reason, shown instead of the
    viewer.
    """

    def __init__(self, derived: str | None, raw: str | None | Callable[[], Lookup] = None, *,
                 missing_derived: str = "the asset has no location"):
        self._values: dict[str, Lookup] = {DERIVED: (derived, None if derived else missing_derived)}
        if callable(raw):
            self._raw: Callable[[], Lookup] | None = raw
        else:
            self._raw = None
            self._values[RAW] = (raw, None if raw else "the raw asset's location is not known")

    def lookup(self, name: str) -> Lookup:
        """(value, None), or (None, reason) when `name` cannot be filled for this asset."""
        if name not in self._values and name == RAW and self._raw is not None:
            self._values[RAW] = self._raw()
        return self._values.get(name, (None, f"unknown placeholder {{{name}}}"))


def reference_context(store, stored) -> ReferenceContext:
    """The placeholder values of a stored asset (`store.get(...)`'s StoredAsset).

    The raw location is the asset's own when it is raw (or names no source), else that
    of its first `source_data` asset as the store holds it (one store read, only if a
    reference asks for it).
    """
    summary = stored.summary
    own = summary.location

    def raw() -> Lookup:
        if summary.level == "raw" or not summary.source_data:
            return own, None if own else "the asset has no location"
        source = summary.source_data[0]
        found = store.get(source)
        if found is None:
            return None, f"its raw asset {source} is not in the portal"
        if not found.summary.location:
            return None, f"its raw asset {source} has no location"
        return found.summary.location, None

    return ReferenceContext(own, raw)
