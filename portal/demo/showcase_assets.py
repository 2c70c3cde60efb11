"""The showcase's raw assets, the names and times of their derived assets, and the
value and link helpers the showcase builders share.

Raw assets are fixed (`RawAsset` with a set project, platform, subject and time), so
showcase names are the same for every seed; derived names follow the pipelines'
`<raw name>_<process>_<date-time>` pattern.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

from portal.demo.bulk import RawAsset
from portal.demo.catalog import FIGURL
from portal.demo.documents import PLATFORMS, PROJECTS, subject_id

P_CTLT, P_DR, P_THAL, P_MFISH, P_BCI, P_FORAGE, _P_MOLECULAR, P_SLAP2 = PROJECTS


def utc(*args: int) -> datetime:
    """A UTC datetime from `datetime`'s positional fields."""
    return datetime(*args, tzinfo=UTC)


def _raw(project, platform: str, j: int, when: datetime, *people: str) -> RawAsset:
    return RawAsset(project, PLATFORMS[platform], subject_id(project, j), when, people or ("Kara Lindgren",))


# The raw assets of the showcase (derived ones are named from them).
ECEPHYS = _raw(P_DR, "ecephys", 0, utc(2025, 6, 17, 13, 5, 42), "Ben Adeyemi", "Kara Lindgren")
BEHAVIOR = _raw(P_DR, "behavior", 0, utc(2025, 6, 16, 10, 12, 8))
FIP = _raw(P_FORAGE, "FIP", 0, utc(2025, 8, 5, 9, 31, 55), "Ryo Saito")
MULTIPLANE = _raw(P_MFISH, "multiplane-ophys", 0, utc(2025, 4, 22, 14, 2, 11), "Marta Kowalski")
BCI = _raw(P_BCI, "single-plane-ophys", 0, utc(2025, 10, 28, 11, 47, 30), "Julia Fontaine")
SPIM = _raw(P_THAL, "SmartSPIM", 0, utc(2025, 3, 11, 16, 20, 4), "Theo Grant")
LEGACY_ECEPHYS = _raw(P_CTLT, "ecephys", 0, utc(2024, 7, 9, 12, 44, 1), "Ben Adeyemi")
LEGACY_BEHAVIOR = _raw(P_DR, "behavior", 1, utc(2024, 8, 2, 9, 15, 37))
LARGE = _raw(P_CTLT, "ecephys", 1, utc(2025, 9, 26, 12, 57, 44), "Ben Adeyemi", "Marta Kowalski")
SLAP2 = _raw(P_SLAP2, "slap2", 0, utc(2025, 7, 14, 15, 8, 26), "Ryo Saito")


def derived_name(raw: RawAsset, created: datetime) -> str:
    """The name of `raw`'s derived asset created at `created`."""
    return f"{raw.name}_{raw.platform.derived}_{created:%Y-%m-%d_%H-%M-%S}"


SORTED_CREATED = utc(2025, 6, 19, 2, 41, 17)
SORTED_NAME = derived_name(ECEPHYS, SORTED_CREATED)
BCI_CREATED = utc(2025, 10, 29, 6, 3, 52)
FIP_CREATED = utc(2025, 8, 6, 1, 12, 40)
LEGACY_SORTED_CREATED = utc(2025, 2, 3, 18, 30, 2)  # a re-sort, written by aind-data-schema 2.1

# No shader in the state: its `;` would collide with the `a;b` swipe-pair convention.
NEUROGLANCER = "https://neuroglancer-demo.appspot.com/#!" + json.dumps(
    {
        "dimensions": {"x": [1.8e-6, "m"], "y": [1.8e-6, "m"], "z": [2e-6, "m"]},
        "position": [5120.5, 3584.5, 2960.5],
        "crossSectionScale": 8,
        "projectionScale": 16384,
        "layers": [
            {
                "type": "image",
                "source": f"zarr://s3://aind-open-data/{SPIM.name}_stitched/image_tile_fusing/OMEZarr/"
                "Ex_561_Em_593.zarr",
                "name": "Ex_561_Em_593",
            }
        ],
        "layout": "4panel",
    },
    separators=(",", ":"),
)


def figurl(asset: str, label: str, sha: str) -> str:
    """A figurl sortingview link for `asset` labelled `label`, backed by the data `sha`."""
    return f"{FIGURL}&d=sha1://{sha}&label={quote(f'{asset} - {label}')}&zone=aind"


def dropdown(options: list[str], statuses: list[str], value: str = "") -> dict:
    """A dropdown value: one chosen option (`""` while pending) and the status of each option."""
    return {"value": value, "options": options, "status": statuses, "type": "dropdown"}


def checkbox(options: list[str], statuses: list[str], value: list[str] | None = None) -> dict:
    """A checkbox value: the checked options (none while pending) and the status of each option."""
    return {"value": value or [], "options": options, "status": statuses, "type": "checkbox"}
