"""Showcase records of imaging (numbers 4-7 and 12).

- multiplane ophys: every metric Pass, WebP pictures in folders with a space;
- BCI: a raw asset without `quality_control` and its generated, unreviewed
  processed asset;
- SmartSPIM: a Neuroglancer link and a failing channel;
- SLAP2: a small, fully passing document.
"""

from __future__ import annotations

import random
from datetime import timedelta

from portal.demo.bulk import generated_qc
from portal.demo.documents import AUTOMATED, FAIL, PASS, PENDING, RAW, metric, qc_document, record, status, ts
from portal.demo.showcase_assets import (
    BCI,
    BCI_CREATED,
    MULTIPLANE,
    NEUROGLANCER,
    SLAP2,
    SPIM,
    derived_name,
    dropdown,
    utc,
)

# --- 4: multiplane, fully passing ------------------------------------------------------------------


def multiplane() -> dict:
    """Every metric Pass; WebP mean projections in folders whose names have a space."""
    t0 = utc(2025, 4, 22, 17, 30, 0)
    t1 = t0 + timedelta(days=2)
    s0, s1 = ts(t0), ts(t1)
    metrics = []
    for k in range(4):
        plane = f"Plane {k}"
        tags = {"plane": plane}
        metrics.append(
            metric(
                f"FOV quality {plane}",
                "pophys",
                RAW,
                dropdown(["Good", "Out of focus", "Bleached", "Wrong depth"], [PASS, FAIL, FAIL, FAIL], "Good"),
                [status("", PENDING, s0), status("Lucas Moreau", PASS, s1)],
                f"Visual check of the {plane} mean projection",
                f"qc/{plane}/fov.webp",
                {**tags, "group": "Field of view"},
            )
        )
        metrics.append(
            metric(
                f"Saturated pixels (%) {plane}",
                "pophys",
                RAW,
                round(0.05 + 0.07 * k, 2),
                [status(AUTOMATED, PASS, s0)],
                "Pass below 1 %.",
                None,
                {**tags, "group": "Field of view"},
            )
        )
    metrics.append(
        metric(
            "Frame count",
            "behavior-videos",
            RAW,
            108000,
            [status(AUTOMATED, PASS, s0)],
            "Matches the expected frame count",
            None,
            {"group": "Frames"},
        )
    )
    qc = qc_document(metrics, [["plane"], ["group"]], key_experimenters=["Lucas Moreau"])
    return record(
        name=MULTIPLANE.name,
        project=MULTIPLANE.project,
        platform=MULTIPLANE.platform,
        sid=MULTIPLANE.sid,
        acquired=MULTIPLANE.acquired,
        created=MULTIPLANE.acquired + timedelta(hours=1),
        level="raw",
        quality_control=qc,
        experimenters=MULTIPLANE.experimenters,
    )


# --- 5, 6: BCI raw without QC, and its processed asset ---------------------------------------------


def bci_raw() -> dict:
    """An asset with no `quality_control` at all."""
    return record(
        name=BCI.name,
        project=BCI.project,
        platform=BCI.platform,
        sid=BCI.sid,
        acquired=BCI.acquired,
        created=BCI.acquired + timedelta(hours=2),
        level="raw",
        quality_control=None,
        experimenters=BCI.experimenters,
    )


def bci_processed() -> dict:
    """Mostly Pending (not reviewed yet): pipeline output with tables and lists."""
    name = derived_name(BCI, BCI_CREATED)
    units = {"pophys": [("Plane 0", {"plane": "Plane 0"})]}
    rng = random.Random("showcase:bci")
    qc, _ = generated_qc(rng, BCI, name, True, BCI_CREATED + timedelta(minutes=30), [BCI.name], units)
    return record(
        name=name,
        project=BCI.project,
        platform=BCI.platform,
        sid=BCI.sid,
        acquired=BCI.acquired,
        created=BCI_CREATED,
        level="derived",
        quality_control=qc,
        source_data=[BCI.name],
        experimenters=BCI.experimenters,
    )


# --- 7: SmartSPIM ----------------------------------------------------------------------------------


def spim() -> dict:
    """A Neuroglancer link and a failing channel."""
    t0 = utc(2025, 3, 12, 4, 10, 0)
    t1 = t0 + timedelta(days=5)
    s0, s1 = ts(t0), ts(t1)
    opts = (["Good", "Visible seams", "Misaligned tiles"], [PASS, FAIL, FAIL])
    chosen = {"Ex_488_Em_525": "Good", "Ex_561_Em_593": "Misaligned tiles", "Ex_639_Em_667": "Good"}
    metrics = []
    for ch, value in chosen.items():
        tags = {"channel": ch}
        metrics.append(
            metric(
                f"Stitching quality {ch}",
                "SPIM",
                RAW,
                dropdown(*opts, value),
                [status("", PENDING, s0), status("Tomas Silva", PASS if value == "Good" else FAIL, s1)],
                f"Visual check of the stitched {ch} volume",
                f"qc/{ch}/stitching.png",
                {**tags, "group": "Stitching"},
            )
        )
        metrics.append(
            metric(
                f"Saturated voxels (%) {ch}",
                "SPIM",
                RAW,
                {"Ex_488_Em_525": 0.12, "Ex_561_Em_593": 0.31, "Ex_639_Em_667": 0.0}[ch],
                [status(AUTOMATED, PASS, s0)],
                "Pass below 0.5 %.",
                None,
                {**tags, "group": "Acquisition"},
            )
        )
    metrics += [
        metric(
            "Whole-brain view",
            "SPIM",
            RAW,
            None,
            [status("", PENDING, s0)],
            "Browse the fused volume in Neuroglancer",
            NEUROGLANCER,
            {"group": "Stitching"},
        ),
        metric(
            "Brain intact",
            "SPIM",
            RAW,
            True,
            [status(AUTOMATED, PASS, s0)],
            "True when no tissue damage is visible",
            None,
            {"group": "Specimen"},
        ),
        metric(
            "Imaging medium",
            "SPIM",
            RAW,
            "EasyIndex",
            [status(AUTOMATED, PASS, s0)],
            "Refractive-index matching medium",
            None,
            {"group": "Specimen"},
        ),
    ]
    qc = qc_document(metrics, [["channel"], ["group"]], key_experimenters=["Tomas Silva"])
    return record(
        name=SPIM.name,
        project=SPIM.project,
        platform=SPIM.platform,
        sid=SPIM.sid,
        acquired=SPIM.acquired,
        created=SPIM.acquired + timedelta(hours=9),
        level="raw",
        quality_control=qc,
        experimenters=SPIM.experimenters,
    )


# --- 12: small, fully passing ----------------------------------------------------------------------


def slap2() -> dict:
    """A small SLAP2 document where every metric passes."""
    t0 = utc(2025, 7, 14, 17, 2, 12)
    s0, s1 = ts(t0), ts(t0 + timedelta(days=1))
    metrics = [
        metric(
            "Frame rate (Hz) DMD1",
            "slap2",
            RAW,
            199.6,
            [status(AUTOMATED, PASS, s0)],
            "Pass above 150 Hz",
            None,
            {"dmd": "DMD1", "group": "Imaging"},
        ),
        metric(
            "Frame rate (Hz) DMD2",
            "slap2",
            RAW,
            201.2,
            [status(AUTOMATED, PASS, s0)],
            "Pass above 150 Hz",
            None,
            {"dmd": "DMD2", "group": "Imaging"},
        ),
        metric(
            "Synapses detected DMD1",
            "slap2",
            RAW,
            143,
            [status(AUTOMATED, PASS, s0)],
            None,
            None,
            {"dmd": "DMD1", "group": "Imaging"},
        ),
        metric(
            "Mean image DMD1",
            "slap2",
            RAW,
            dropdown(["Good", "Out of focus"], [PASS, FAIL], "Good"),
            [status("", PENDING, s0), status("Aiko Tanaka", PASS, s1)],
            "Visual check of the mean image",
            "qc/DMD1/fov.png",
            {"dmd": "DMD1", "group": "Imaging"},
        ),
        metric("Trials completed", "behavior", RAW, 318, [status(AUTOMATED, PASS, s0)], None, None, {"group": "Task"}),
    ]
    qc = qc_document(metrics, ["dmd", "group"])
    r = SLAP2
    return record(
        name=r.name,
        project=r.project,
        platform=r.platform,
        sid=r.sid,
        acquired=r.acquired,
        created=r.acquired + timedelta(hours=1),
        level="raw",
        quality_control=qc,
        experimenters=r.experimenters,
    )
