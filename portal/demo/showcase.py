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
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from portal.demo.bulk import RawAsset, generated_qc, to_v1, to_v2_1
from portal.demo.catalog import FIGURL
from portal.demo.documents import (
    AUTOMATED,
    FAIL,
    MODALITIES,
    MULTI,
    PASS,
    PENDING,
    PLATFORMS,
    PROC,
    PROJECTS,
    RAW,
    curation_metric,
    metric,
    qc_document,
    record,
    status,
    subject_id,
    ts,
)

P_CTLT, P_DR, P_THAL, P_MFISH, P_BCI, P_FORAGE, _P_MOLECULAR, P_SLAP2 = PROJECTS


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _raw(project, platform: str, j: int, when: datetime, *people: str) -> RawAsset:
    return RawAsset(project, PLATFORMS[platform], subject_id(project, j), when, people or ("Kara Lindgren",))


# The raw assets of the showcase (derived ones are named from them).
ECEPHYS = _raw(P_DR, "ecephys", 0, _utc(2025, 6, 17, 13, 5, 42), "Ben Adeyemi", "Kara Lindgren")
BEHAVIOR = _raw(P_DR, "behavior", 0, _utc(2025, 6, 16, 10, 12, 8))
FIP = _raw(P_FORAGE, "FIP", 0, _utc(2025, 8, 5, 9, 31, 55), "Ryo Saito")
MULTIPLANE = _raw(P_MFISH, "multiplane-ophys", 0, _utc(2025, 4, 22, 14, 2, 11), "Marta Kowalski")
BCI = _raw(P_BCI, "single-plane-ophys", 0, _utc(2025, 10, 28, 11, 47, 30), "Julia Fontaine")
SPIM = _raw(P_THAL, "SmartSPIM", 0, _utc(2025, 3, 11, 16, 20, 4), "Theo Grant")
LEGACY_ECEPHYS = _raw(P_CTLT, "ecephys", 0, _utc(2024, 7, 9, 12, 44, 1), "Ben Adeyemi")
LEGACY_BEHAVIOR = _raw(P_DR, "behavior", 1, _utc(2024, 8, 2, 9, 15, 37))
LARGE = _raw(P_CTLT, "ecephys", 1, _utc(2025, 9, 26, 12, 57, 44), "Ben Adeyemi", "Marta Kowalski")
SLAP2 = _raw(P_SLAP2, "slap2", 0, _utc(2025, 7, 14, 15, 8, 26), "Ryo Saito")


def _derived_name(raw: RawAsset, created: datetime) -> str:
    return f"{raw.name}_{raw.platform.derived}_{created:%Y-%m-%d_%H-%M-%S}"


SORTED_CREATED = _utc(2025, 6, 19, 2, 41, 17)
SORTED_NAME = _derived_name(ECEPHYS, SORTED_CREATED)
BCI_CREATED = _utc(2025, 10, 29, 6, 3, 52)
FIP_CREATED = _utc(2025, 8, 6, 1, 12, 40)
LEGACY_SORTED_CREATED = _utc(2025, 2, 3, 18, 30, 2)  # a re-sort, written by aind-data-schema 2.1

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


def _figurl(asset: str, label: str, sha: str) -> str:
    return f"{FIGURL}&d=sha1://{sha}&label={quote(f'{asset} - {label}')}&zone=aind"


def _dropdown(options: list[str], statuses: list[str], value: str = "") -> dict:
    return {"value": value, "options": options, "status": statuses, "type": "dropdown"}


def _checkbox(options: list[str], statuses: list[str], value: list[str] | None = None) -> dict:
    return {"value": value or [], "options": options, "status": statuses, "type": "checkbox"}


# --- 0: ecephys raw --------------------------------------------------------------------------------


def _ecephys_raw() -> dict:
    """Real-record look: space-separated timestamps, empty evaluators, `#` and spaces in paths."""
    t0 = _utc(2025, 6, 17, 16, 40, 5)
    t1, t2 = t0 + timedelta(days=2, hours=3), t0 + timedelta(days=4, hours=1)
    s0, s1, s2 = (ts(t, space=True) for t in (t0, t1, t2))
    raw_opts = (["Normal", "No spikes", "Noisy"], [PASS, FAIL, FAIL])
    metrics = []
    reviews = {  # probe -> (chosen option, history)
        "ProbeA": (
            "Normal",
            [status("", PENDING, s0), status("Maya Thompson", FAIL, s1), status("Daniel Okafor", PASS, s2)],
        ),
        "ProbeB": ("", [status("", PENDING, s0)]),
        "ProbeC": ("Noisy", [status("", PENDING, s0), status("Maya Thompson", FAIL, s1)]),
        "ProbeD": ("", [status("", PENDING, s0)]),
    }
    shas = (
        "4e60ff1b52ffbcaa320dbc829f852d6242f5224c",
        "9a1c3e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c",
        "1f3e5d7c9b2a4f6e8d0c2b4a6f8e0d2c4b6a8f0e",
        "7c5a3e1f9d7b5a3c1e9f7d5b3a1c9e7f5d3b1a9c",
    )
    for i, (probe, (chosen, history)) in enumerate(reviews.items()):
        folder = f"qc/Record Node 101#{probe}"
        tags = {"probe": probe, "group": "Raw Data"}
        metrics.append(
            metric(
                f"Raw data {probe}",
                "ecephys",
                RAW,
                _dropdown(*raw_opts, chosen),
                history,
                f"Evaluation of {probe} raw data. [Sortingview link]({_figurl(ECEPHYS.name, probe, shas[i])})",
                f"{folder}/traces.png",
                tags,
            )
        )
        metrics.append(
            metric(
                f"PSD (Wide Band) {probe}",
                "ecephys",
                RAW,
                None,
                [status("", PASS, s0)],
                f"Evaluation of {probe} wide-band power spectral density",
                f"{folder}/psd.svg",
                {"probe": probe, "group": "PSD"},
            )
        )
        saturation = 14 if probe == "ProbeC" else 0
        metrics.append(
            metric(
                f"Saturation events {probe}",
                "ecephys",
                RAW,
                saturation,
                [status(AUTOMATED, FAIL if saturation else PASS, s0)],
                "Number of saturation events. Pass when there are none.",
                None,
                {"probe": probe, "group": "Saturation"},
            )
        )
        drift = (12.4, 31.0, 8.9, 57.2)[i]
        reference = (
            f"{folder}/drift_map_raw.png;{folder}/drift_map_corrected.png"
            if probe == "ProbeA"
            else f"{folder}/drift_map.png"
        )
        metrics.append(
            metric(
                f"Probe drift {probe}",
                "ecephys",
                RAW,
                drift,
                [status(AUTOMATED, PASS if drift < 40 else FAIL, s0)],
                "Peak-to-peak drift (um). Pass when below 40 um. For ProbeA, swipe between the raw and the "
                "motion-corrected drift maps.",
                reference,
                {"probe": probe, "group": "Drift"},
            )
        )
        metrics.append(
            metric(
                f"RMS {probe}",
                "ecephys",
                RAW,
                (9.8, 11.2, 23.5, 10.1)[i],
                [status(AUTOMATED, FAIL if probe == "ProbeC" else PASS, s0)],
                "Median RMS noise (uV). Pass when below 20 uV.",
                f"{folder}/rms.png",
                {"probe": probe, "group": "RMS"},
            )
        )
    metrics.append(
        metric(
            "All probes present",
            "ecephys",
            RAW,
            True,
            [status(AUTOMATED, PASS, s0)],
            "True when every probe in the rig configuration wrote data",
            None,
            {"group": "Raw Data"},
        )
    )
    metrics.append(
        metric(
            "Dropped frames FaceCamera",
            "behavior-videos",
            RAW,
            0,
            [status(AUTOMATED, PASS, s0)],
            "Frames missing between camera and Harp timestamps. Pass when 0.",
            None,
            {"camera": "FaceCamera", "group": "Frames"},
        )
    )
    qc = qc_document(
        metrics,
        [["probe"], ["group"]],
        key_experimenters=["Maya Thompson"],
        notes="ProbeC was noisy from the start of the session (reference wire).",
    )
    return record(
        name=ECEPHYS.name,
        project=ECEPHYS.project,
        platform=ECEPHYS.platform,
        sid=ECEPHYS.sid,
        acquired=ECEPHYS.acquired,
        created=ECEPHYS.acquired + timedelta(hours=2),
        level="raw",
        quality_control=qc,
        experimenters=ECEPHYS.experimenters,
    )


# --- 1: behavior raw -------------------------------------------------------------------------------


def _behavior() -> dict:
    """Viewer-spec references (vega-lite, plotly), a PDF, strings, bools, a list, a checkbox."""
    t0 = _utc(2025, 6, 16, 12, 1, 9)
    t1 = t0 + timedelta(days=1, hours=2)
    s0, s1 = ts(t0), ts(t1)
    g = "group"
    metrics = [
        metric(
            "Lick raster",
            "behavior",
            RAW,
            _dropdown(["Clean", "Spurious licks", "No licks detected"], [PASS, FAIL, FAIL], "Clean"),
            [status("", PENDING, s0), status("Hannah Kim", PASS, s1)],
            "Visual check of licks around the response window",
            "qc/lick_raster.vl.json",
            {g: "Licks"},
        ),
        metric(
            "Reward rate",
            "behavior",
            RAW,
            0.83,
            [status(AUTOMATED, PASS, s0)],
            "Fraction of rewarded trials. Pass above 0.6.",
            "qc/reward_rate.plotly.json",
            {g: "Task"},
        ),
        metric(
            "Session report",
            "behavior",
            RAW,
            None,
            [status("", PENDING, s0), status("Hannah Kim", PASS, s1)],
            "Reviewer sign-off on the session report",
            "qc/session_report.pdf",
            {g: "Task"},
        ),
        metric(
            "Task version",
            "behavior",
            RAW,
            "DynamicRouting1",
            [status(AUTOMATED, PASS, s0)],
            "Task script that ran",
            None,
            {g: "Task"},
        ),
        metric(
            "Trials completed",
            "behavior",
            RAW,
            512,
            [status(AUTOMATED, PASS, s0)],
            "Pass when at least 200 trials were completed",
            None,
            {g: "Task"},
        ),
        metric(
            "Harp clock synchronized",
            "behavior",
            RAW,
            True,
            [status(AUTOMATED, PASS, s0)],
            "True when all devices share the Harp clock",
            None,
            {g: "Sync"},
        ),
        metric(
            "Optotagging laser detected",
            "behavior",
            RAW,
            False,
            [status(AUTOMATED, FAIL, s0)],
            "True when laser pulses were recorded on the sync line",
            None,
            {g: "Sync"},
        ),
        metric(
            "Encoder dropouts",
            "behavior",
            RAW,
            0,
            [status(AUTOMATED, PASS, s0)],
            "Running-wheel encoder dropouts. Pass when 0.",
            None,
            {g: "Running"},
        ),
        metric(
            "Response time per block (s)",
            "behavior",
            RAW,
            [0.31, 0.28, 0.35, 0.3, 0.41, 0.39],
            [status(AUTOMATED, PASS, s0)],
            "Median response time per block. Fail above 0.75 s.",
            None,
            {g: "Task"},
        ),
        metric(
            "Behavior checks",
            "behavior",
            RAW,
            _checkbox(
                ["Engaged whole session", "Side bias", "Disengaged early"],
                [PASS, FAIL, FAIL],
                ["Engaged whole session"],
            ),
            [status("", PENDING, s0), status("Hannah Kim", PASS, s1)],
            "Reviewer checks of engagement and bias",
            "qc/licks.png",
            {g: "Licks"},
        ),
    ]
    qc = qc_document(metrics, ["group"])
    return record(
        name=BEHAVIOR.name,
        project=BEHAVIOR.project,
        platform=BEHAVIOR.platform,
        sid=BEHAVIOR.sid,
        acquired=BEHAVIOR.acquired,
        created=BEHAVIOR.acquired + timedelta(hours=1),
        level="raw",
        quality_control=qc,
        experimenters=BEHAVIOR.experimenters,
    )


# --- 2: ecephys sorted -----------------------------------------------------------------------------


def _ecephys_sorted() -> dict:
    """Curation metrics, a figurl reference, a table, lists, a multi-asset metric, allowed failures."""
    t0 = SORTED_CREATED + timedelta(minutes=48)
    t1 = t0 + timedelta(days=3)
    s0, s1 = ts(t0), ts(t1)
    probes = ("ProbeA", "ProbeB", "ProbeC", "ProbeD")
    found, good = [412, 388, 297, 64], [201, 176, 133, 12]
    metrics = []
    for i, probe in enumerate(probes):
        tags = {"probe": probe}
        curated = probe == "ProbeA"
        metrics.append(
            curation_metric(
                f"Sorting Curation - {probe}",
                "ecephys",
                PROC,
                [
                    {
                        "curation_version": "1",
                        "labelsByUnit": {"17": ["noise"], "52": ["mua"], "108": ["good"]},
                        "mergeGroups": [[23, 61]],
                    }
                ]
                if curated
                else [],
                [status("", PASS, s0)] + ([status("Priya Raman", PASS, s1)] if curated else []),
                "Spike sorting curation",
                [{"object_type": "Curation history", "curator": "Priya Raman", "timestamp": s1}] if curated else [],
                f"Sorting curation for {probe}",
                _figurl(
                    ECEPHYS.name,
                    f"{probe} - kilosort4 - Sorting Summary",
                    (
                        "122b5b2023e44b4b9e81560fa8524156c4f0bcac",
                        "5d3c1b9a7e5f3d1b9c7a5e3f1d9b7c5a3e1f9d7b",
                        "a8c6e4f2b0d8a6c4e2f0b8d6a4c2e0f8b6d4a2c0",
                        "3b1d9f7e5c3a1b9d7f5e3c1a9b7d5f3e1c9a7b5d",
                    )[i],
                ),
                {**tags, "group": "Sorting Curation"},
            )
        )
        metrics.append(
            metric(
                f"Unit metrics yield - {probe}",
                "ecephys",
                PROC,
                good[i],
                [status(AUTOMATED, PASS if good[i] >= 25 else FAIL, s0)],
                "Units passing default QC. Fail when fewer than 25.",
                f"qc/{probe}/unit_yield.png",
                {**tags, "group": "Unit Yield"},
            )
        )
        metrics.append(
            metric(
                f"Units per shank - {probe}",
                "ecephys",
                PROC,
                [good[i] // 4 + k for k in (3, -2, 5, -6)],
                [status(AUTOMATED, PASS if good[i] >= 25 else FAIL, s0)],
                "Good units on each of the four shanks",
                None,
                {**tags, "group": "Unit Yield"},
            )
        )
        metrics.append(
            metric(
                f"Firing rate - {probe}",
                "ecephys",
                PROC,
                _dropdown(
                    ["No problems detected", "Seizure", "Firing Rate Gap"],
                    [PASS, FAIL, FAIL],
                    "No problems detected" if i < 2 else "",
                ),
                [status("", PENDING, s0)] + ([status("Priya Raman", PASS, s1)] if i < 2 else []),
                f"Evaluation of {probe} firing rate",
                f"qc/{probe}/firing_rate.png",
                {**tags, "group": "Firing Rate"},
            )
        )
    metrics.append(
        metric(
            "Units per probe",
            "ecephys",
            PROC,
            {
                "index": list(probes),
                "units": found,
                "good": good,
                "fraction_good": [round(g / f, 2) for g, f in zip(good, found, strict=True)],
            },
            [status(AUTOMATED, PASS, s0)],
            "Units found and passing default QC, per probe",
            None,
            {"group": "Sorting summary"},
        )
    )
    metrics.append(
        metric(
            "Brain area at tip - ProbeA",
            "ecephys",
            PROC,
            "VISp",
            [status("Priya Raman", PASS, s1)],
            "Area at the probe tip from the histology alignment",
            None,
            {"probe": "ProbeA", "group": "Targeting"},
        )
    )
    metrics.append(
        metric(
            "Ephys-behavior alignment",
            "ecephys",
            MULTI,
            1.3,
            [status(AUTOMATED, PASS, s0)],
            "Residual clock offset (ms) between this recording and the training session of the day before, "
            "after alignment. Pass when below 5 ms.",
            None,
            {"group": "Sync"},
            evaluated_assets=[ECEPHYS.name, BEHAVIOR.name],
        )
    )
    qc = qc_document(
        metrics,
        [["probe"], ["group"]],
        allow_tag_failures=["probe:ProbeD"],
        key_experimenters=["Priya Raman"],
        notes="ProbeD targeted white matter on purpose (reference site): its failures are allowed.",
    )
    return record(
        name=SORTED_NAME,
        project=ECEPHYS.project,
        platform=ECEPHYS.platform,
        sid=ECEPHYS.sid,
        acquired=ECEPHYS.acquired,
        created=SORTED_CREATED,
        level="derived",
        quality_control=qc,
        source_data=[ECEPHYS.name],
        experimenters=ECEPHYS.experimenters,
    )


# --- 3: fiber photometry + videos ------------------------------------------------------------------


def _fip() -> dict:
    """Videos (MP4, WebM), a rerun recording, JPEG and GIF frames, checkboxes (one pending)."""
    t0 = _utc(2025, 8, 5, 11, 40, 2)
    t1 = t0 + timedelta(days=6)
    s0, s1 = ts(t0), ts(t1)
    video_opts = (["Good", "Out of focus", "Occluded", "Too dark"], [PASS, FAIL, FAIL, FAIL])
    signal_opts = (["Good", "Low signal", "Motion artifacts", "Photobleaching"], [PASS, FAIL, FAIL, FAIL])
    cam = "camera"
    metrics = [
        metric(
            "Video quality FaceCamera",
            "behavior-videos",
            RAW,
            _dropdown(*video_opts, "Good"),
            [status("", PENDING, s0), status("Sofia Alvarez", PASS, s1)],
            "Watch the clip: face in frame, in focus, lit",
            "qc/videos/FaceCamera.mp4",
            {cam: "FaceCamera", "group": "Video"},
        ),
        metric(
            "Video quality BodyCamera",
            "behavior-videos",
            RAW,
            _dropdown(*video_opts),
            [status("", PENDING, s0)],
            "Watch the clip: whole body visible",
            "qc/videos/BodyCamera.webm",
            {cam: "BodyCamera", "group": "Video"},
        ),
        metric(
            "Pose tracking",
            "behavior-videos",
            RAW,
            None,
            [status("", PENDING, s0)],
            "Keypoints from the pose model over the session (opens in the rerun viewer)",
            "qc/pose_v0.22.1.rrd",
            {cam: "BodyCamera", "group": "Pose"},
        ),
        metric(
            "Sample frame FaceCamera",
            "behavior-videos",
            RAW,
            None,
            [status("Sofia Alvarez", PASS, s1)],
            "A frame from the middle of the session",
            "qc/frames/FaceCamera_frame.jpg",
            {cam: "FaceCamera", "group": "Video"},
        ),
        metric(
            "Pupil tracking",
            "behavior-videos",
            RAW,
            0.97,
            [status(AUTOMATED, PASS, s0)],
            "Fraction of frames with a confident pupil fit. Pass above 0.9.",
            "qc/frames/eye_tracking.gif",
            {cam: "EyeCamera", "group": "Pose"},
        ),
        metric(
            "Dropped frames FaceCamera",
            "behavior-videos",
            RAW,
            0,
            [status(AUTOMATED, PASS, s0)],
            "Pass when 0",
            None,
            {cam: "FaceCamera", "group": "Frames"},
        ),
        metric(
            "Dropped frames BodyCamera",
            "behavior-videos",
            RAW,
            3,
            [status(AUTOMATED, FAIL, s0)],
            "Pass when 0",
            None,
            {cam: "BodyCamera", "group": "Frames"},
        ),
    ]
    for k, fiber in enumerate(("Fiber_0", "Fiber_1")):
        tags = {"fiber": fiber}
        chosen = [] if k == 0 else ["Good", "Motion artifacts"]
        metrics.append(
            metric(
                f"Photometry signal {fiber}",
                "fib",
                RAW,
                _checkbox(*signal_opts, chosen),
                [status("", PENDING, s0)] + ([status("Sofia Alvarez", FAIL, s1)] if chosen else []),
                f"Check everything that applies to the {fiber} signal",
                f"qc/{fiber}/photometry.png",
                {**tags, "group": "Signal"},
            )
        )
        metrics.append(
            metric(
                f"Baseline fluorescence {fiber}",
                "fib",
                RAW,
                (18.4, 7.9)[k],
                [status(AUTOMATED, PASS, s0)],
                "Median raw signal (a.u.). Fail when nearly flat.",
                None,
                {**tags, "group": "Signal"},
            )
        )
    qc = qc_document(metrics, [["modality"], ["fiber", "camera"], ["group"]])
    return record(
        name=FIP.name,
        project=FIP.project,
        platform=FIP.platform,
        sid=FIP.sid,
        acquired=FIP.acquired,
        created=FIP.acquired + timedelta(hours=1, minutes=20),
        level="raw",
        quality_control=qc,
        experimenters=FIP.experimenters,
    )


# --- 4: multiplane, fully passing ------------------------------------------------------------------


def _multiplane() -> dict:
    """Every metric Pass; WebP mean projections in folders whose names have a space."""
    t0 = _utc(2025, 4, 22, 17, 30, 0)
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
                _dropdown(["Good", "Out of focus", "Bleached", "Wrong depth"], [PASS, FAIL, FAIL, FAIL], "Good"),
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


def _bci_raw() -> dict:
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


def _bci_processed() -> dict:
    """Mostly Pending (not reviewed yet): pipeline output with tables and lists."""
    name = _derived_name(BCI, BCI_CREATED)
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


def _spim() -> dict:
    """A Neuroglancer link and a failing channel."""
    t0 = _utc(2025, 3, 12, 4, 10, 0)
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
                _dropdown(*opts, value),
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


# --- 8, 9: 1.x layout ------------------------------------------------------------------------------


def _v1_metric(name, value, statuses, description=None, reference=None) -> dict:
    return {
        "name": name,
        "value": value,
        "status_history": [{"evaluator": e, "status": s, "timestamp": t} for e, s, t in statuses],
        "description": description,
        "reference": reference,
        "evaluated_assets": None,
    }


def _v1_evaluation(
    modality: str,
    stage: str,
    name: str,
    metrics: list,
    description=None,
    allow_failed=False,
    created="2024-07-09T19:00:00Z",
) -> dict:
    latest = [m["status_history"][-1]["status"] for m in metrics]
    worst = FAIL if FAIL in latest and not allow_failed else PENDING if PENDING in latest else PASS
    return {
        "modality": dict(MODALITIES[modality]),
        "stage": stage,
        "name": name,
        "description": description,
        "metrics": metrics,
        "tags": None,
        "notes": "",
        "allow_failed_metrics": allow_failed,
        "latest_status": worst,
        "created": created,
    }


def _legacy_ecephys() -> dict:
    """The shape of the aind-data-schema 1.2.2 example (evaluations -> metrics)."""
    t0, t1 = "2024-07-09T19:00:00Z", "2024-07-15T17:22:41Z"
    drift_opts = ["Low", "Medium", "High"]
    evaluations = [
        _v1_evaluation(
            "ecephys",
            RAW,
            "Drift map",
            [
                _v1_metric(
                    "Probe A drift",
                    _dropdown(drift_opts, [PASS, FAIL, FAIL]),
                    [("", PENDING, t0)],
                    "Qualitative check that drift map shows minimal movement",
                    "qc/ProbeA/drift_map.png",
                ),
                _v1_metric(
                    "Probe B drift",
                    _checkbox(
                        [
                            "No Drift",
                            "Drift visible in part of session",
                            "Drift visible in entire session",
                            "Sudden movement event",
                        ],
                        [PASS, PASS, FAIL, FAIL],
                        ["Drift visible in part of session"],
                    ),
                    [("", PENDING, t0), ("Jonah Weiss", PASS, t1)],
                    "Qualitative check that drift map shows minimal movement",
                    "qc/ProbeB/drift_map.png",
                ),
                _v1_metric("Probe C drift", "Low", [(AUTOMATED, PASS, t0)], None, "qc/ProbeC/drift_map.png"),
            ],
            "Check that all probes show minimal drift",
        ),
        _v1_evaluation(
            "behavior-videos",
            RAW,
            "Video frame count check",
            [
                _v1_metric(
                    "Expected frame count",
                    662,
                    [(AUTOMATED, PASS, t0)],
                    "Expected frame count from experiment length, always pass",
                ),
                _v1_metric(
                    "Video 1 frame count", 662, [(AUTOMATED, PASS, t0)], "Pass when frame count matches expected"
                ),
                _v1_metric(
                    "Video 2 num frames", 659, [(AUTOMATED, FAIL, t0)], "Pass when frame count matches expected"
                ),
            ],
            allow_failed=True,
        ),
        _v1_evaluation(
            "ecephys",
            RAW,
            "Probes present",
            [_v1_metric(p, True, [(AUTOMATED, PASS, t0)]) for p in ("ProbeA", "ProbeB", "ProbeC")],
            "Pass when data from a probe is present",
        ),
    ]
    qc = {
        "describedBy": "https://raw.githubusercontent.com/AllenNeuralDynamics/aind-data-schema/main/src/"
        "aind_data_schema/core/quality_control.py",
        "schema_version": "1.2.2",
        "evaluations": evaluations,
        "notes": None,
    }
    r = LEGACY_ECEPHYS
    return record(
        name=r.name,
        project=r.project,
        platform=r.platform,
        sid=r.sid,
        acquired=r.acquired,
        created=r.acquired + timedelta(hours=2),
        level="raw",
        quality_control=qc,
        experimenters=r.experimenters,
    )


def _legacy_behavior() -> dict:
    """A 1.x document converted from a generated one (several evaluations, one per group)."""
    r = LEGACY_BEHAVIOR
    processed = r.acquired + timedelta(hours=3)
    doc, _ = generated_qc(
        random.Random("showcase:legacy-behavior"),
        r,
        r.name,
        False,
        processed,
        None,
        {"behavior-videos": [("FaceCamera", {"camera": "FaceCamera"})]},
    )
    return record(
        name=r.name,
        project=r.project,
        platform=r.platform,
        sid=r.sid,
        acquired=r.acquired,
        created=r.acquired + timedelta(hours=1),
        level="raw",
        quality_control=to_v1(doc, processed),
        experimenters=r.experimenters,
    )


# --- 10: 2.1 layout --------------------------------------------------------------------------------


def _v2_1_sorted() -> dict:
    """A re-sort of the legacy ecephys session stored by aind-data-schema 2.1 (list tags)."""
    r = LEGACY_ECEPHYS
    name = _derived_name(r, LEGACY_SORTED_CREATED)
    units = {"ecephys": [(p, {"probe": p}) for p in ("ProbeA", "ProbeB", "ProbeC")]}
    doc, _ = generated_qc(random.Random("showcase:v2.1"), r, name, True, LEGACY_SORTED_CREATED, [r.name], units)
    return record(
        name=name,
        project=r.project,
        platform=r.platform,
        sid=r.sid,
        acquired=r.acquired,
        created=LEGACY_SORTED_CREATED,
        level="derived",
        quality_control=to_v2_1(doc),
        source_data=[r.name],
        experimenters=r.experimenters,
    )


# --- 11: a very large document ---------------------------------------------------------------------


def _large() -> dict:
    """~200 metrics: six probes over four recordings, like long real sessions."""
    r = LARGE
    units = {
        "ecephys": [
            (f"Probe{p}_recording{k}", {"probe": f"Probe{p}", "recording": f"recording{k}"})
            for k in range(1, 5)
            for p in "ABCDEF"
        ],
        "behavior-videos": [("FaceCamera", {"camera": "FaceCamera"}), ("BodyCamera", {"camera": "BodyCamera"})],
    }
    processed = r.acquired + timedelta(hours=4)
    doc, _ = generated_qc(
        random.Random("showcase:large"), r, r.name, False, processed, None, units, cap_references=False
    )
    return record(
        name=r.name,
        project=r.project,
        platform=r.platform,
        sid=r.sid,
        acquired=r.acquired,
        created=r.acquired + timedelta(hours=2),
        level="raw",
        quality_control=doc,
        experimenters=r.experimenters,
    )


# --- 12: small, fully passing ----------------------------------------------------------------------


def _slap2() -> dict:
    t0 = _utc(2025, 7, 14, 17, 2, 12)
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
            _dropdown(["Good", "Out of focus"], [PASS, FAIL], "Good"),
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


# --- 13: FIP processed -----------------------------------------------------------------------------


def _fip_processed() -> dict:
    """`allow_tag_failures` with a bare tag value: Fiber_1 may fail without failing the asset."""
    t0 = FIP_CREATED + timedelta(minutes=25)
    s0, s1 = ts(t0), ts(t0 + timedelta(days=2))
    review = (["Good", "Residual motion", "Bad bleaching fit"], [PASS, FAIL, FAIL])
    metrics = []
    for fiber, tau, choice in (("Fiber_0", 1520.0, "Good"), ("Fiber_1", 45.0, "Bad bleaching fit")):
        tags = {"fiber": fiber}
        metrics.append(
            metric(
                f"Bleaching time constant (s) {fiber}",
                "fib",
                PROC,
                tau,
                [status(AUTOMATED, PASS if tau > 120 else FAIL, s0)],
                "Fitted photobleaching time constant. Fail when faster than 2 min.",
                None,
                {**tags, "group": "Preprocessing"},
            )
        )
        metrics.append(
            metric(
                f"dF/F review {fiber}",
                "fib",
                PROC,
                _dropdown(*review, choice),
                [status("", PENDING, s0), status("Sofia Alvarez", PASS if choice == "Good" else FAIL, s1)],
                f"Visual check of the {fiber} dF/F",
                f"qc/{fiber}/photometry.png",
                {**tags, "group": "Preprocessing"},
            )
        )
    metrics.append(
        metric(
            "Hit rate",
            "behavior",
            "Analysis",
            0.74,
            [status(AUTOMATED, PASS, s0)],
            "Fraction of go trials with a response",
            "qc/performance.svg",
            {"group": "Performance"},
        )
    )
    qc = qc_document(
        metrics,
        [["fiber"], ["group"]],
        allow_tag_failures=["Fiber_1"],
        notes="Fiber_1 sits outside the target; kept for reference only.",
    )
    name = _derived_name(FIP, FIP_CREATED)
    return record(
        name=name,
        project=FIP.project,
        platform=FIP.platform,
        sid=FIP.sid,
        acquired=FIP.acquired,
        created=FIP_CREATED,
        level="derived",
        quality_control=qc,
        source_data=[FIP.name],
        experimenters=FIP.experimenters,
    )


# Order matters: raw assets come before what derives from them or names them.
SHOWCASE: tuple[tuple[str, Callable[[], dict]], ...] = (
    ("ecephys raw: # and spaces in paths, swipe pair, SVG, dropdowns, 0, bool, 3-entry history", _ecephys_raw),
    ("behavior raw: vega-lite, plotly, PDF, string, list, checkbox", _behavior),
    ("ecephys sorted: curation, figurl, table, multi-asset, allow_tag_failures key:value", _ecephys_sorted),
    ("FIP raw: MP4, WebM, rrd, JPEG, GIF, pending checkbox", _fip),
    ("multiplane raw: all Pass, WebP", _multiplane),
    ("BCI raw: no quality_control", _bci_raw),
    ("BCI processed: unreviewed, generated", _bci_processed),
    ("SmartSPIM raw: Neuroglancer, failing channel", _spim),
    ("ecephys raw, 1.x layout (1.2.2 example shape)", _legacy_ecephys),
    ("behavior raw, 1.x layout (generated)", _legacy_behavior),
    ("ecephys sorted, 2.1 layout: list tags, stale stored status", _v2_1_sorted),
    ("ecephys raw, ~200 metrics", _large),
    ("slap2 raw: small, all Pass", _slap2),
    ("FIP processed: allow_tag_failures bare value", _fip_processed),
)
SHOWCASE_SIZE = len(SHOWCASE)


def showcase_records() -> Iterator[dict]:
    """Yield the showcase records in order (built on demand; they do not depend on the seed)."""
    for _, build in SHOWCASE:
        yield build()
