"""Reference files for the demo dataset: figures, a PDF, videos and viewer specs.

Everything is made locally and offline. Heavy files are made once into a pool
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

import json
import math
import random
import subprocess
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Bump when the pictures change so that an old pool is rebuilt.
POOL_VERSION = 1
VARIANTS = 3  # pictures per figure kind and format

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp")
VIDEO_SIZE = (160, 120)
VIDEO_FPS = 30
VIDEO_SECONDS = 3

_W, _H = 640, 360
_BG = (255, 255, 255)
_INK = (40, 40, 40)
_GRID = (225, 225, 225)
# A short viridis-like ramp: readable on white and in grayscale.
_PALETTE = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37), (230, 120, 30)]


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the bitmap font has one size
        return ImageFont.load_default()


class _Axes:
    """A plot area on a Pillow image with data->pixel mapping, frame, ticks and labels."""

    def __init__(self, img: Image.Image, title: str, xlim, ylim, xlabel: str = "", ylabel: str = ""):
        self.img, self.draw = img, ImageDraw.Draw(img)
        w, h = img.size
        self.left, self.top, self.right, self.bottom = 58, 30, w - 16, h - 38
        self.xlim, self.ylim = xlim, ylim
        small, big = _font(11), _font(14)
        self.draw.text((self.left, 8), title, fill=_INK, font=big)
        for i in range(5):
            fx, fy = i / 4, i / 4
            x = self.left + fx * (self.right - self.left)
            y = self.bottom - fy * (self.bottom - self.top)
            self.draw.line([(x, self.top), (x, self.bottom)], fill=_GRID)
            self.draw.line([(self.left, y), (self.right, y)], fill=_GRID)
            xv = xlim[0] + fx * (xlim[1] - xlim[0])
            yv = ylim[0] + fy * (ylim[1] - ylim[0])
            self.draw.text((x - 10, self.bottom + 4), _tick(xv), fill=_INK, font=small)
            self.draw.text((6, y - 6), _tick(yv), fill=_INK, font=small)
        self.draw.rectangle([self.left, self.top, self.right, self.bottom], outline=_INK)
        self.draw.text(((self.left + self.right) // 2 - 30, h - 18), xlabel, fill=_INK, font=small)
        self.draw.text((6, self.top - 16), ylabel, fill=_INK, font=small)

    def px(self, x: float, y: float) -> tuple[float, float]:
        """Data coordinates -> pixel coordinates (clipped to the plot area)."""
        fx = (x - self.xlim[0]) / (self.xlim[1] - self.xlim[0])
        fy = (y - self.ylim[0]) / (self.ylim[1] - self.ylim[0])
        fx, fy = min(max(fx, 0.0), 1.0), min(max(fy, 0.0), 1.0)
        return self.left + fx * (self.right - self.left), self.bottom - fy * (self.bottom - self.top)

    def line(self, xs, ys, color, width: int = 1) -> None:
        """Draw a polyline."""
        self.draw.line([self.px(x, y) for x, y in zip(xs, ys, strict=True)], fill=color, width=width)

    def points(self, xs, ys, color) -> None:
        """Draw single-pixel points (fast: one call per colour)."""
        self.draw.point([self.px(x, y) for x, y in zip(xs, ys, strict=True)], fill=color)


def _tick(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.1f}"


def _canvas(size=(_W, _H)) -> Image.Image:
    return Image.new("RGB", size, _BG)


# --- drawers: (rng, title) -> image ------------------------------------------------------------


def _drift_map(rng: random.Random, title: str) -> Image.Image:
    img = _canvas()
    ax = _Axes(img, title, (0, 3600), (0, 3840), "time (s)", "depth (um)")
    drift = [rng.uniform(-30, 30) for _ in range(4)]

    def offset(t: float) -> float:
        return sum(a * math.sin((k + 1) * t / 900.0 + k) for k, a in enumerate(drift))

    for shade in (200, 150, 100, 40):  # amplitude bins, faint to strong
        xs, ys = [], []
        for _ in range(1500):
            depth = rng.choice(range(200, 3700, 60)) + rng.gauss(0, 8)
            t = rng.uniform(0, 3600)
            xs.append(t)
            ys.append(depth + offset(t))
        ax.points(xs, ys, (shade, shade, shade))
    ts = [i * 36 for i in range(101)]
    ax.line(ts, [1900 + offset(t) * 4 for t in ts], (200, 30, 30), 2)
    return img


def _raster(rng: random.Random, title: str) -> Image.Image:
    img = _canvas()
    n = 60
    ax = _Axes(img, title, (-1, 3), (0, n), "time from stimulus (s)", "trial")
    for trial in range(n):
        onset = rng.uniform(0.15, 0.6)
        times = [rng.uniform(-1, 3) for _ in range(rng.randint(2, 6))]
        times += [onset + i * rng.uniform(0.1, 0.16) for i in range(rng.randint(0, 8))]
        for t in times:
            x, y = ax.px(t, trial + 0.5)
            ax.draw.line([(x, y - 2), (x, y + 2)], fill=_PALETTE[1] if t > 0 else _INK)
    x0, _ = ax.px(0, 0)
    ax.draw.line([(x0, ax.top), (x0, ax.bottom)], fill=(200, 30, 30))
    return img


def _traces(rng: random.Random, title: str) -> Image.Image:
    img = _canvas()
    chans = 16
    ax = _Axes(img, title, (0, 100), (0, chans + 1), "time (ms)", "channel")
    xs = [i * 0.25 for i in range(401)]
    for c in range(chans):
        ys, level = [], 0.0
        spike_at = {rng.randrange(400) for _ in range(rng.randint(0, 3))}
        for i in range(401):
            level = 0.7 * level + rng.gauss(0, 0.08)
            ys.append(c + 1 + level - (0.8 if i in spike_at else 0))
        ax.line(xs, ys, _PALETTE[c % 4], 1)
    return img


def _psd(rng: random.Random, title: str) -> Image.Image:
    img = _canvas()
    ax = _Axes(img, title, (0, 500), (-40, 40), "frequency (Hz)", "power (dB)")
    freqs, ys = _psd_data(rng)
    ax.line(freqs, ys, _PALETTE[1], 2)
    return img


def _psd_data(rng: random.Random) -> tuple[list[float], list[float]]:
    freqs = [f * 2.5 for f in range(1, 201)]
    ys = [30 - 12 * math.log10(f) + rng.gauss(0, 1.2) + (25 if abs(f - 60) < 2 else 0) for f in freqs]
    return freqs, ys


def _histogram(rng: random.Random, title: str) -> Image.Image:
    img = _canvas()
    counts = _hist_data(rng)
    ax = _Axes(img, title, (0, len(counts)), (0, max(counts) * 1.1), "bin", "count")
    for i, c in enumerate(counts):
        x0, y0 = ax.px(i + 0.1, c)
        x1, y1 = ax.px(i + 0.9, 0)
        ax.draw.rectangle([x0, y0, x1, y1], fill=_PALETTE[2])
    return img


def _hist_data(rng: random.Random) -> list[int]:
    mu, sd = rng.uniform(8, 16), rng.uniform(3, 6)
    return [int(400 * math.exp(-((i - mu) ** 2) / (2 * sd * sd)) + rng.randint(0, 25)) for i in range(30)]


def _timeseries(rng: random.Random, title: str) -> Image.Image:
    img = _canvas()
    ax = _Axes(img, title, (0, 600), (-3, 3), "time (s)", "signal")
    xs, series = _series_data(rng)
    for k, ys in enumerate(series):
        ax.line(xs, ys, _PALETTE[k * 2 % len(_PALETTE)], 1)
    return img


def _series_data(rng: random.Random) -> tuple[list[float], list[list[float]]]:
    xs = [i * 1.5 for i in range(401)]
    series = []
    for _ in range(2):
        level, ys = 0.0, []
        for x in xs:
            level = 0.95 * level + rng.gauss(0, 0.25)
            ys.append(level + 0.8 * math.sin(x / 40.0))
        series.append(ys)
    return xs, series


def _fov(rng: random.Random, title: str, size=(320, 320)) -> Image.Image:
    """A two-photon-like mean projection: blurred noise plus bright somata."""
    w, h = size
    base = Image.effect_noise((w, h), 40).filter(ImageFilter.GaussianBlur(3))
    draw = ImageDraw.Draw(base)
    for _ in range(rng.randint(40, 90)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(3, 7)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=rng.randint(170, 255))
    base = base.filter(ImageFilter.GaussianBlur(1.2))
    green = Image.merge("RGB", (base.point(lambda v: v // 4), base, base.point(lambda v: v // 3)))
    ImageDraw.Draw(green).text((6, 4), title, fill=(255, 255, 255), font=_font(12))
    return green


def _frame(rng: random.Random, title: str) -> Image.Image:
    """A still from a behaviour camera (the same scene as the demo videos)."""
    img = _video_frame(rng.randrange(VIDEO_FPS * VIDEO_SECONDS), VIDEO_SIZE).resize((320, 240))
    ImageDraw.Draw(img).text((6, 4), title, fill=(255, 255, 255), font=_font(12))
    return img


def _tiles(rng: random.Random, title: str) -> Image.Image:
    """A light-sheet stitching overview: a grid of tiles with seams and a brain outline."""
    img = Image.new("RGB", (480, 360), (10, 10, 10))
    draw = ImageDraw.Draw(img)
    draw.ellipse([60, 50, 420, 320], fill=(60, 60, 60))
    draw.ellipse([120, 90, 360, 280], fill=(110, 110, 110))
    for i in range(6):
        for j in range(4):
            shift = rng.uniform(-2, 2)
            x, y = 20 + i * 74 + shift, 20 + j * 82 + shift
            draw.rectangle([x, y, x + 80, y + 88], outline=(200, 200, 40) if rng.random() > 0.1 else (220, 40, 40))
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    ImageDraw.Draw(img).text((8, 4), title, fill=(255, 255, 255), font=_font(13))
    return img


Drawer = Callable[[random.Random, str], Image.Image]

# stem -> (drawer, title). Records name their figures with these stems.
FIGURES: dict[str, tuple[Drawer, str]] = {
    "drift_map": (_drift_map, "Probe drift map"),
    "raster": (_raster, "Spike raster"),
    "lick_raster": (_raster, "Lick raster"),
    "traces": (_traces, "Raw traces"),
    "psd": (_psd, "Power spectral density"),
    "rms": (_histogram, "RMS per channel"),
    "saturation": (_timeseries, "Saturation events"),
    "firing_rate": (_histogram, "Firing rate distribution"),
    "unit_yield": (_histogram, "Unit yield by quality"),
    "amplitude": (_histogram, "Spike amplitudes"),
    "motion": (_timeseries, "Motion correction (x, y)"),
    "photometry": (_timeseries, "dF/F"),
    "running": (_timeseries, "Running speed"),
    "licks": (_raster, "Licks per trial"),
    "performance": (_timeseries, "Task performance"),
    "snr": (_histogram, "ROI SNR"),
    "fov": (_fov, "Mean projection"),
    "frame": (_frame, "Camera frame"),
    "eye_tracking": (_frame, "Eye tracking"),
    "stitching": (_tiles, "Tile stitching"),
    "tile_alignment": (_tiles, "Tile alignment"),
}
_GENERIC = (_timeseries, "QC figure")


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
        _SPECIAL_MAKERS[name](dest)
        return
    stem, ext = name.rsplit(".", 1)
    kind, variant = stem.rsplit("-", 1)
    drawer, title = FIGURES.get(kind, _GENERIC)
    # Seed per file so one picture does not change when another is added.
    rng = random.Random(f"{kind}/{variant}/{ext}")
    if ext == "svg":
        dest.write_text(_svg(rng, title, kind), encoding="utf-8")
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
    if drawer is _frame:  # animated, like a short clip of the camera
        frames = [_video_frame(i * 3, VIDEO_SIZE) for i in range(30)]
        frames[0].save(dest, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    else:
        drawer(rng, title).convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(dest, "GIF")


# --- SVG ---------------------------------------------------------------------------------------


def _svg(rng: random.Random, title: str, kind: str) -> str:
    """A hand-written SVG chart: bars for histogram kinds, lines otherwise."""
    w, h, left, top, right, bottom = _W, _H, 58, 30, _W - 16, _H - 38
    drawer = FIGURES.get(kind, _GENERIC)[0]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'font-family="sans-serif">',
        f'<rect width="{w}" height="{h}" fill="white"/>',
        f'<text x="{left}" y="20" font-size="14">{_xml(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="#282828"/>',
    ]
    for i in range(1, 4):
        y = top + i * (bottom - top) / 4
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e1e1e1"/>')
    if drawer is _histogram:
        counts = _hist_data(rng)
        peak, bw = max(counts) * 1.1, (right - left) / len(counts)
        for i, c in enumerate(counts):
            bh = c / peak * (bottom - top)
            parts.append(
                f'<rect x="{left + i * bw + 1:.1f}" y="{bottom - bh:.1f}" width="{bw - 2:.1f}" '
                f'height="{bh:.1f}" fill="#21918c"/>'
            )
    else:
        if drawer is _psd:
            xs, series = _psd_data(rng)
            series, lo, hi = [series], -40.0, 40.0
        else:
            xs, series = _series_data(rng)
            lo, hi = -3.0, 3.0
        x0, x1 = xs[0], xs[-1]
        for k, ys in enumerate(series):
            pts = " ".join(
                f"{left + (x - x0) / (x1 - x0) * (right - left):.1f},"
                f"{bottom - (min(max(y, lo), hi) - lo) / (hi - lo) * (bottom - top):.1f}"
                for x, y in zip(xs, ys, strict=True)
            )
            color = "#3b528b" if k == 0 else "#e6781e"
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.5"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- special files -----------------------------------------------------------------------------


def _pdf(dest: Path) -> None:
    """A three-page session report (Pillow writes a valid PDF with one image per page)."""
    rng = random.Random("report")
    cover = Image.new("RGB", (_W, 820), _BG)
    draw = ImageDraw.Draw(cover)
    draw.text((40, 40), "Session QC report", fill=_INK, font=_font(26))
    rows = [
        ("Trials", "412"),
        ("Hit rate", "0.81"),
        ("False alarm rate", "0.12"),
        ("d-prime", "2.05"),
        ("Water earned (mL)", "1.21"),
        ("Dropped frames", "0"),
    ]
    for i, (k, v) in enumerate(rows):
        draw.text((60, 110 + i * 28), k, fill=_INK, font=_font(16))
        draw.text((360, 110 + i * 28), v, fill=_INK, font=_font(16))
    cover.paste(_raster(rng, "Lick raster"), (0, 400))
    pages = [_psd(rng, "Power spectral density"), _timeseries(rng, "Running speed")]
    cover.save(dest, "PDF", resolution=96.0, save_all=True, append_images=pages, title="Session QC report")


def _video_frame(i: int, size: tuple[int, int]) -> Image.Image:
    """Frame `i` of the demo behaviour video: a 'mouse' moving in an arena, a sync LED."""
    w, h = size
    img = Image.new("RGB", size, (90, 90, 90))
    draw = ImageDraw.Draw(img)
    draw.ellipse([6, 6, w - 6, h - 6], fill=(150, 150, 140))
    t = i / VIDEO_FPS
    x = w / 2 + (w / 3) * math.sin(2 * math.pi * t / VIDEO_SECONDS)
    y = h / 2 + (h / 4) * math.sin(4 * math.pi * t / VIDEO_SECONDS)
    draw.ellipse([x - 9, y - 6, x + 9, y + 6], fill=(30, 25, 25))
    draw.ellipse([x + 6, y - 2, x + 10, y + 2], fill=(240, 200, 200))
    if i % VIDEO_FPS < 3:  # one-frame-per-second sync flash, as on real rigs
        draw.rectangle([w - 14, 4, w - 4, 14], fill=(255, 255, 80))
    draw.text((4, h - 14), f"{i:04d}", fill=(255, 255, 255), font=_font(10))
    return img


def _frames() -> Iterator[bytes]:
    for i in range(VIDEO_FPS * VIDEO_SECONDS):
        yield _video_frame(i, VIDEO_SIZE).tobytes()


def _encode(dest: Path, codec_args: list[str]) -> None:
    """Pipe raw RGB frames into imageio-ffmpeg's bundled ffmpeg (no system ffmpeg needed)."""
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # the `demo` extra
        raise RuntimeError("demo videos need imageio-ffmpeg: pip install 'qc-portal[demo]'") from exc
    w, h = VIDEO_SIZE
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{w}x{h}",
        "-r",
        str(VIDEO_FPS),
        "-i",
        "-",
        "-an",
        *codec_args,
        str(dest),
    ]
    proc = subprocess.run(cmd, input=b"".join(_frames()), capture_output=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed for {dest.name}: {proc.stderr.decode(errors='replace')[-500:]}")


def _mp4(dest: Path) -> None:
    # H.264 baseline + yuv420p + faststart: what every Chromium build plays, streamable.
    _encode(
        dest,
        ["-c:v", "libx264", "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4"],
    )


def _webm(dest: Path) -> None:
    _encode(
        dest,
        [
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "0",
            "-crf",
            "40",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "webm",
        ],
    )


def _vega_lite(dest: Path) -> None:
    """A vega-lite lick raster with inline data (no network fetch needed to render it)."""
    rng = random.Random("lick_raster")
    values = []
    for trial in range(40):
        rewarded = rng.random() < 0.8
        for _ in range(rng.randint(1, 4)):
            values.append({"trial": trial, "time": round(rng.uniform(-1.0, 0.0), 3), "rewarded": rewarded})
        if rewarded:
            onset = rng.uniform(0.15, 0.5)
            for k in range(rng.randint(3, 9)):
                values.append({"trial": trial, "time": round(onset + k * 0.13, 3), "rewarded": True})
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "Lick times relative to the response window, one row per trial",
        "title": "Lick raster",
        "width": 480,
        "height": 300,
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "tick", "thickness": 1.5},
                "encoding": {
                    "x": {"field": "time", "type": "quantitative", "title": "time from stimulus (s)"},
                    "y": {"field": "trial", "type": "ordinal", "axis": {"labels": False, "ticks": False}},
                    "color": {"field": "rewarded", "type": "nominal", "title": "rewarded"},
                },
            },
            {"mark": {"type": "rule", "color": "firebrick"}, "encoding": {"x": {"datum": 0}}},
        ],
    }
    dest.write_text(json.dumps(spec, indent=1), encoding="utf-8")


def _plotly(dest: Path) -> None:
    """A plotly figure serialized with `fig.to_json()` (loads with `plotly.io.from_json`)."""
    import plotly.graph_objects as go  # lazy: plotly is slow to import and only needed once

    rng = random.Random("reward_rate")
    trials = list(range(1, 301))
    rate, hits = [], 0.5
    for _ in trials:
        hits = min(0.98, max(0.05, hits + rng.gauss(0.002, 0.03)))
        rate.append(round(hits, 3))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=trials, y=rate, mode="lines", name="reward rate (20-trial window)"))
    fig.add_trace(
        go.Scatter(
            x=[1, 300], y=[0.7, 0.7], mode="lines", name="criterion", line={"dash": "dash", "color": "firebrick"}
        )
    )
    fig.update_layout(
        title="Reward rate across the session",
        xaxis_title="trial",
        yaxis_title="reward rate",
        template="plotly_white",
        height=380,
    )
    dest.write_text(fig.to_json(), encoding="utf-8")


def _rrd(dest: Path) -> None:
    # Placeholder only: a real rerun recording needs rerun-sdk (hundreds of MB). The
    # portal only needs a file of this name to exercise its `name_vX.Y.Z.rrd` parsing.
    dest.write_bytes(b"placeholder rerun recording written by the qc-portal demo generator\n")


_SPECIAL_MAKERS: dict[str, Callable[[Path], None]] = {
    "lick_raster.vl.json": _vega_lite,
    "reward_rate.plotly.json": _plotly,
    "recording.rrd": _rrd,
    "report.pdf": _pdf,
    "behavior.mp4": _mp4,
    "behavior.webm": _webm,
}
