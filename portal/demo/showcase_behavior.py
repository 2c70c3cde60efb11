"""Showcase records of behaviour and fiber photometry (numbers 1, 3 and 13).

- behavior raw: vega-lite and plotly viewer specs, a PDF, strings, bools, a list,
  a checkbox;
- FIP raw: MP4 and WebM videos, a rerun recording, JPEG and GIF frames, checkboxes
  (one pending);
- FIP processed: `allow_tag_failures` with a bare tag value.
"""

from __future__ import annotations

from datetime import timedelta

from portal.demo.documents import AUTOMATED, FAIL, PASS, PENDING, PROC, RAW, metric, qc_document, record, status, ts
from portal.demo.showcase_assets import BEHAVIOR, FIP, FIP_CREATED, checkbox, derived_name, dropdown, utc

# --- 1: behavior raw -------------------------------------------------------------------------------


def behavior() -> dict:
    """Viewer-spec references (vega-lite, plotly), a PDF, strings, bools, a list, a checkbox."""
    t0 = utc(2025, 6, 16, 12, 1, 9)
    t1 = t0 + timedelta(days=1, hours=2)
    s0, s1 = ts(t0), ts(t1)
    g = "group"
    metrics = [
        metric(
            "Lick raster",
            "behavior",
            RAW,
            dropdown(["Clean", "Spurious licks", "No licks detected"], [PASS, FAIL, FAIL], "Clean"),
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
            checkbox(
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


# --- 3: fiber photometry + videos ------------------------------------------------------------------


def fip() -> dict:
    """Videos (MP4, WebM), a rerun recording, JPEG and GIF frames, checkboxes (one pending)."""
    t0 = utc(2025, 8, 5, 11, 40, 2)
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
            dropdown(*video_opts, "Good"),
            [status("", PENDING, s0), status("Sofia Alvarez", PASS, s1)],
            "Watch the clip: face in frame, in focus, lit",
            "qc/videos/FaceCamera.mp4",
            {cam: "FaceCamera", "group": "Video"},
        ),
        metric(
            "Video quality BodyCamera",
            "behavior-videos",
            RAW,
            dropdown(*video_opts),
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
                checkbox(*signal_opts, chosen),
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


# --- 13: FIP processed -----------------------------------------------------------------------------


def fip_processed() -> dict:
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
                dropdown(*review, choice),
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
    name = derived_name(FIP, FIP_CREATED)
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
