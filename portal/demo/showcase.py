"""The showcase: the first demo records, hand-built so every feature has an example.

They are the same for every seed (tests and docs name them) and come first, so even
`--assets 20` holds all of them. What each one shows is in `SHOWCASE` below; the
headline features:

- values: numbers (including 0), strings, bools, lists, dict tables with an "index",
  dropdowns and checkboxes (chosen and pending), curation metrics, a multi-asset
  metric, `allow_tag_failures` (as `key:value` and as a bare value);
- references: PNG, JPEG, GIF, WebP, SVG, PDF, MP4, WebM, vega-lite and plotly JSON,
  a rerun `name_vX.Y.Z.rrd`, Neuroglancer and figurl URLs, an `a;b` swipe pair, a
  path with a space and `#`, and metrics with no reference;
- layouts: 1.x (`evaluations`), 2.1 (tags as lists, stale stored status), 2.4;
- an asset without QC, a fully passing asset, a ~200-metric asset, timestamps with
  a space instead of `T`, empty-string evaluators, 1-3 status entries.

The records are built in `showcase_ephys`, `showcase_behavior`, `showcase_imaging`
and `showcase_legacy`, around the fixed assets of `showcase_assets`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from portal.demo.showcase_behavior import behavior, fip, fip_processed
from portal.demo.showcase_ephys import ecephys_raw, ecephys_sorted, large
from portal.demo.showcase_imaging import bci_processed, bci_raw, multiplane, slap2, spim
from portal.demo.showcase_legacy import legacy_behavior, legacy_ecephys, v2_1_sorted

# Order matters: raw assets come before what derives from them or names them.
SHOWCASE: tuple[tuple[str, Callable[[], dict]], ...] = (
    ("ecephys raw: # and spaces in paths, swipe pair, SVG, dropdowns, 0, bool, 3-entry history", ecephys_raw),
    ("behavior raw: vega-lite, plotly, PDF, string, list, checkbox", behavior),
    ("ecephys sorted: curation, figurl, table, multi-asset, allow_tag_failures key:value", ecephys_sorted),
    ("FIP raw: MP4, WebM, rrd, JPEG, GIF, pending checkbox", fip),
    ("multiplane raw: all Pass, WebP", multiplane),
    ("BCI raw: no quality_control", bci_raw),
    ("BCI processed: unreviewed, generated", bci_processed),
    ("SmartSPIM raw: Neuroglancer, failing channel", spim),
    ("ecephys raw, 1.x layout (1.2.2 example shape)", legacy_ecephys),
    ("behavior raw, 1.x layout (generated)", legacy_behavior),
    ("ecephys sorted, 2.1 layout: list tags, stale stored status", v2_1_sorted),
    ("ecephys raw, ~200 metrics", large),
    ("slap2 raw: small, all Pass", slap2),
    ("FIP processed: allow_tag_failures bare value", fip_processed),
)
SHOWCASE_SIZE = len(SHOWCASE)


def showcase_records() -> Iterator[dict]:
    """Yield the showcase records in order (built on demand; they do not depend on the seed)."""
    for _, build in SHOWCASE:
        yield build()
