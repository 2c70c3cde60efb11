"""Reference files that are not raster figures: SVG charts, the PDF report, videos,
viewer specs (vega-lite, plotly) and the rerun placeholder.

`svg(rng, title, drawer)` writes the vector twin of a figure drawer's chart;
`SPECIAL_MAKERS` maps the pool names of the one-per-pool files (`report.pdf`,
`behavior.mp4`, ...) to the function that writes each. Everything is made offline;
videos are encoded by imageio-ffmpeg's bundled ffmpeg.
"""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image, ImageDraw

from portal.demo.drawing import (
    BACKGROUND,
    HEIGHT,
    INK,
    VIDEO_FPS,
    VIDEO_SECONDS,
    VIDEO_SIZE,
    WIDTH,
    Drawer,
    font,
    hist_data,
    histogram,
    psd,
    psd_data,
    raster,
    series_data,
    timeseries,
    video_frame,
)

# --- SVG ---------------------------------------------------------------------------------------


def svg(rng: random.Random, title: str, drawer: Drawer) -> str:
    """A hand-written SVG chart of `drawer`'s data: bars for histogram kinds, lines otherwise."""
    w, h, left, top, right, bottom = WIDTH, HEIGHT, 58, 30, WIDTH - 16, HEIGHT - 38
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
    if drawer is histogram:
        counts = hist_data(rng)
        peak, bw = max(counts) * 1.1, (right - left) / len(counts)
        for i, c in enumerate(counts):
            bh = c / peak * (bottom - top)
            parts.append(
                f'<rect x="{left + i * bw + 1:.1f}" y="{bottom - bh:.1f}" width="{bw - 2:.1f}" '
                f'height="{bh:.1f}" fill="#21918c"/>'
            )
    else:
        if drawer is psd:
            xs, series = psd_data(rng)
            series, lo, hi = [series], -40.0, 40.0
        else:
            xs, series = series_data(rng)
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


# --- PDF and videos ----------------------------------------------------------------------------


def _pdf(dest: Path) -> None:
    """A three-page session report (Pillow writes a valid PDF with one image per page)."""
    rng = random.Random("report")
    cover = Image.new("RGB", (WIDTH, 820), BACKGROUND)
    draw = ImageDraw.Draw(cover)
    draw.text((40, 40), "Session QC report", fill=INK, font=font(26))
    rows = [
        ("Trials", "412"),
        ("Hit rate", "0.81"),
        ("False alarm rate", "0.12"),
        ("d-prime", "2.05"),
        ("Water earned (mL)", "1.21"),
        ("Dropped frames", "0"),
    ]
    for i, (k, v) in enumerate(rows):
        draw.text((60, 110 + i * 28), k, fill=INK, font=font(16))
        draw.text((360, 110 + i * 28), v, fill=INK, font=font(16))
    cover.paste(raster(rng, "Lick raster"), (0, 400))
    pages = [psd(rng, "Power spectral density"), timeseries(rng, "Running speed")]
    cover.save(dest, "PDF", resolution=96.0, save_all=True, append_images=pages, title="Session QC report")


def _frames() -> Iterator[bytes]:
    for i in range(VIDEO_FPS * VIDEO_SECONDS):
        yield video_frame(i, VIDEO_SIZE).tobytes()


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


# --- viewer specs and placeholders -------------------------------------------------------------


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


SPECIAL_MAKERS: dict[str, Callable[[Path], None]] = {
    "lick_raster.vl.json": _vega_lite,
    "reward_rate.plotly.json": _plotly,
    "recording.rrd": _rrd,
    "report.pdf": _pdf,
    "behavior.mp4": _mp4,
    "behavior.webm": _webm,
}
