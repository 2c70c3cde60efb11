"""Reference files for the demo dataset: figures, a PDF, videos and viewer specs.

Everything is made locally and offline (pictures in `portal.demo.drawing`, SVG, PDF,
videos and viewer specs in `portal.demo.media`). Heavy files are made once into a pool
(see `portal.demo.write`) and hard-linked into the asset folders; this module
only knows how to turn a *pool name* into a file:

- `pool_name(reference, asset_name)` maps a metric's relative reference path to
  the pool file that backs it (figure kind from the file stem, a variant picked
  from the asset name so neighbouring assets do not all show the same picture);
- `make(pool_name, dest)` writes that file.

Figure kinds are looked up by the longest known prefix of the file stem, so
`drift_map_before.png` is a drift map and `Record Node 101#ProbeA/traces.png` shows
traces. Unknown stems get a generic line chart rather than an error: the demo must
never fail on a reference the record builder invents later.
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path, PurePosixPath

from PIL import Image

from portal.demo.drawing import (
    VIDEO_SIZE,
    Drawer,
    drift_map,
    fov,
    frame,
    histogram,
    psd,
    raster,
    tiles,
    timeseries,
    traces,
    video_frame,
)
from portal.demo.media import SPECIAL_MAKERS, svg

# Bump when the pictures change so that an old pool is rebuilt.
POOL_VERSION = 1
VARIANTS = 3  # pictures per figure kind and format

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp")

# stem -> (drawer, title). Records name their figures with these stems.
FIGURES: dict[str, tuple[Drawer, str]] = {
    "drift_map": (drift_map, "Probe drift map"),
    "raster": (raster, "Spike raster"),
    "lick_raster": (raster, "Lick raster"),
    "traces": (traces, "Raw traces"),
    "psd": (psd, "Power spectral density"),
    "rms": (histogram, "RMS per channel"),
    "saturation": (timeseries, "Saturation events"),
    "firing_rate": (histogram, "Firing rate distribution"),
    "unit_yield": (histogram, "Unit yield by quality"),
    "amplitude": (histogram, "Spike amplitudes"),
    "motion": (timeseries, "Motion correction (x, y)"),
    "photometry": (timeseries, "dF/F"),
    "running": (timeseries, "Running speed"),
    "licks": (raster, "Licks per trial"),
    "performance": (timeseries, "Task performance"),
    "snr": (histogram, "ROI SNR"),
    "fov": (fov, "Mean projection"),
    "frame": (frame, "Camera frame"),
    "eye_tracking": (frame, "Eye tracking"),
    "stitching": (tiles, "Tile stitching"),
    "tile_alignment": (tiles, "Tile alignment"),
}
_GENERIC = (timeseries, "QC figure")


def figure_kind(stem: str) -> str | None:
    """The longest FIGURES key that starts `stem` or follows an underscore in it, or None.

    `drift_map_raw`, `ProbeA_drift_map` and `Plane 0_fov` resolve to `drift_map`,
    `drift_map` and `fov`.
    """
    best = None
    for key in FIGURES:
        if (stem.startswith(key) or f"_{key}" in stem) and (best is None or len(key) > len(best)):
            best = key
    return best


# --- pool names --------------------------------------------------------------------------------

# Files that are the same for every asset that names them (by compound suffix).
_SPECIAL = {
    ".vl.json": "lick_raster.vl.json",
    ".plotly.json": "reward_rate.plotly.json",
    ".rrd": "recording.rrd",
    ".pdf": "report.pdf",
    ".mp4": "behavior.mp4",
    ".webm": "behavior.webm",
}


def pool_name(reference: str, asset_name: str) -> str:
    """Name of the pool file that backs one relative reference of one asset.

    `reference` is a single relative path (already split on `;`). The variant is a
    stable hash of asset and path, so the result is deterministic across runs.
    """
    base = PurePosixPath(reference).name
    lower = base.lower()
    for suffix, name in _SPECIAL.items():
        if lower.endswith(suffix):
            return name
    stem, _, ext = base.rpartition(".")
    ext = ext.lower()
    if ext == "jpeg":
        ext = "jpg"
    if ext not in (*IMAGE_EXTENSIONS, "svg"):
        raise ValueError(f"the demo has no maker for reference {reference!r}")
    kind = figure_kind(stem) or "generic"
    variant = zlib.crc32(f"{asset_name}/{reference}".encode()) % VARIANTS
    return f"{kind}-{variant}.{ext}"


def make(name: str, dest: Path) -> None:
    """Write the pool file `name` (as returned by `pool_name`) to `dest`."""
    if name in _SPECIAL.values():
        SPECIAL_MAKERS[name](dest)
        return
    stem, ext = name.rsplit(".", 1)
    kind, variant = stem.rsplit("-", 1)
    drawer, title = FIGURES.get(kind, _GENERIC)
    # Seed per file so one picture does not change when another is added.
    rng = random.Random(f"{kind}/{variant}/{ext}")
    if ext == "svg":
        dest.write_text(svg(rng, title, drawer), encoding="utf-8")
    elif ext == "gif":
        _gif(rng, title, kind, drawer, dest)
    else:
        img = drawer(rng, title)
        if ext == "png":
            img.save(dest, "PNG")
        elif ext == "jpg":
            img.save(dest, "JPEG", quality=85)
        else:
            img.save(dest, "WEBP", quality=80)


def _gif(rng: random.Random, title: str, kind: str, drawer: Drawer, dest: Path) -> None:
    if drawer is frame:  # animated, like a short clip of the camera
        frames = [video_frame(i * 3, VIDEO_SIZE) for i in range(30)]
        frames[0].save(dest, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    else:
        drawer(rng, title).convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(dest, "GIF")
