"""Raster pictures for the demo's reference files, drawn with Pillow.

- `_Axes`: plotting on a Pillow image (frame, grid, ticks, labels);
- the figure *drawers* `(rng, title) -> Image`: drift map, raster, traces, PSD,
  histogram, time series, two-photon field of view, camera frame, stitching tiles;
- the data behind the charts (`psd_data`, `hist_data`, `series_data`), shared with
  the SVG versions in `portal.demo.media`;
- `video_frame(i, size)`: one frame of the demo behaviour video.

`portal.demo.figures` maps figure kinds to these drawers and saves the images.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter, ImageFont

VIDEO_SIZE = (160, 120)
VIDEO_FPS = 30
VIDEO_SECONDS = 3

WIDTH, HEIGHT = 640, 360
BACKGROUND = (255, 255, 255)
INK = (40, 40, 40)
_GRID = (225, 225, 225)
# A short viridis-like ramp: readable on white and in grayscale.
_PALETTE = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37), (230, 120, 30)]


def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's default font at `size` (the fixed-size bitmap font without FreeType)."""
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
        small, big = font(11), font(14)
        self.draw.text((self.left, 8), title, fill=INK, font=big)
        for i in range(5):
            fx, fy = i / 4, i / 4
            x = self.left + fx * (self.right - self.left)
            y = self.bottom - fy * (self.bottom - self.top)
            self.draw.line([(x, self.top), (x, self.bottom)], fill=_GRID)
            self.draw.line([(self.left, y), (self.right, y)], fill=_GRID)
            xv = xlim[0] + fx * (xlim[1] - xlim[0])
            yv = ylim[0] + fy * (ylim[1] - ylim[0])
            self.draw.text((x - 10, self.bottom + 4), _tick(xv), fill=INK, font=small)
            self.draw.text((6, y - 6), _tick(yv), fill=INK, font=small)
        self.draw.rectangle([self.left, self.top, self.right, self.bottom], outline=INK)
        self.draw.text(((self.left + self.right) // 2 - 30, h - 18), xlabel, fill=INK, font=small)
        self.draw.text((6, self.top - 16), ylabel, fill=INK, font=small)

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


def _canvas(size=(WIDTH, HEIGHT)) -> Image.Image:
    return Image.new("RGB", size, BACKGROUND)


# --- drawers: (rng, title) -> image ------------------------------------------------------------

Drawer = Callable[[random.Random, str], Image.Image]


def drift_map(rng: random.Random, title: str) -> Image.Image:
    """Spikes by depth over time in four amplitude shades, with a drifting trace."""
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


def raster(rng: random.Random, title: str) -> Image.Image:
    """A trial raster: event ticks per trial around a stimulus at time 0."""
    img = _canvas()
    n = 60
    ax = _Axes(img, title, (-1, 3), (0, n), "time from stimulus (s)", "trial")
    for trial in range(n):
        onset = rng.uniform(0.15, 0.6)
        times = [rng.uniform(-1, 3) for _ in range(rng.randint(2, 6))]
        times += [onset + i * rng.uniform(0.1, 0.16) for i in range(rng.randint(0, 8))]
        for t in times:
            x, y = ax.px(t, trial + 0.5)
            ax.draw.line([(x, y - 2), (x, y + 2)], fill=_PALETTE[1] if t > 0 else INK)
    x0, _ = ax.px(0, 0)
    ax.draw.line([(x0, ax.top), (x0, ax.bottom)], fill=(200, 30, 30))
    return img


def traces(rng: random.Random, title: str) -> Image.Image:
    """Sixteen channels of noisy raw traces with a few spikes."""
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


def psd(rng: random.Random, title: str) -> Image.Image:
    """A power spectral density line (the data of `psd_data`)."""
    img = _canvas()
    ax = _Axes(img, title, (0, 500), (-40, 40), "frequency (Hz)", "power (dB)")
    freqs, ys = psd_data(rng)
    ax.line(freqs, ys, _PALETTE[1], 2)
    return img


def psd_data(rng: random.Random) -> tuple[list[float], list[float]]:
    """Frequencies and power (dB): a 1/f fall-off with a 60 Hz line."""
    freqs = [f * 2.5 for f in range(1, 201)]
    ys = [30 - 12 * math.log10(f) + rng.gauss(0, 1.2) + (25 if abs(f - 60) < 2 else 0) for f in freqs]
    return freqs, ys


def histogram(rng: random.Random, title: str) -> Image.Image:
    """A bar histogram (the data of `hist_data`)."""
    img = _canvas()
    counts = hist_data(rng)
    ax = _Axes(img, title, (0, len(counts)), (0, max(counts) * 1.1), "bin", "count")
    for i, c in enumerate(counts):
        x0, y0 = ax.px(i + 0.1, c)
        x1, y1 = ax.px(i + 0.9, 0)
        ax.draw.rectangle([x0, y0, x1, y1], fill=_PALETTE[2])
    return img


def hist_data(rng: random.Random) -> list[int]:
    """Thirty bin counts of a noisy bell curve."""
    mu, sd = rng.uniform(8, 16), rng.uniform(3, 6)
    return [int(400 * math.exp(-((i - mu) ** 2) / (2 * sd * sd)) + rng.randint(0, 25)) for i in range(30)]


def timeseries(rng: random.Random, title: str) -> Image.Image:
    """Two time series on one axis (the data of `series_data`)."""
    img = _canvas()
    ax = _Axes(img, title, (0, 600), (-3, 3), "time (s)", "signal")
    xs, series = series_data(rng)
    for k, ys in enumerate(series):
        ax.line(xs, ys, _PALETTE[k * 2 % len(_PALETTE)], 1)
    return img


def series_data(rng: random.Random) -> tuple[list[float], list[list[float]]]:
    """Sample times and two smooth noisy series over them."""
    xs = [i * 1.5 for i in range(401)]
    series = []
    for _ in range(2):
        level, ys = 0.0, []
        for x in xs:
            level = 0.95 * level + rng.gauss(0, 0.25)
            ys.append(level + 0.8 * math.sin(x / 40.0))
        series.append(ys)
    return xs, series


def fov(rng: random.Random, title: str, size=(320, 320)) -> Image.Image:
    """A two-photon-like mean projection: blurred noise plus bright somata."""
    w, h = size
    base = Image.effect_noise((w, h), 40).filter(ImageFilter.GaussianBlur(3))
    draw = ImageDraw.Draw(base)
    for _ in range(rng.randint(40, 90)):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(3, 7)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=rng.randint(170, 255))
    base = base.filter(ImageFilter.GaussianBlur(1.2))
    green = Image.merge("RGB", (base.point(lambda v: v // 4), base, base.point(lambda v: v // 3)))
    ImageDraw.Draw(green).text((6, 4), title, fill=(255, 255, 255), font=font(12))
    return green


def frame(rng: random.Random, title: str) -> Image.Image:
    """A still from a behaviour camera (the same scene as the demo videos)."""
    img = video_frame(rng.randrange(VIDEO_FPS * VIDEO_SECONDS), VIDEO_SIZE).resize((320, 240))
    ImageDraw.Draw(img).text((6, 4), title, fill=(255, 255, 255), font=font(12))
    return img


def tiles(rng: random.Random, title: str) -> Image.Image:
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
    ImageDraw.Draw(img).text((8, 4), title, fill=(255, 255, 255), font=font(13))
    return img


def video_frame(i: int, size: tuple[int, int]) -> Image.Image:
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
    draw.text((4, h - 14), f"{i:04d}", fill=(255, 255, 255), font=font(10))
    return img
