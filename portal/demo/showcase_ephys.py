"""Showcase records of extracellular electrophysiology (numbers 0, 2 and 11).

- ecephys raw: `#` and spaces in reference paths, a swipe pair, SVG, dropdowns,
  a 0 and a bool value, a three-entry status history, space-separated timestamps;
- ecephys sorted: curation metrics, figurl links, a table, lists, a multi-asset
  metric and `allow_tag_failures` as `key:value`;
- a very large (~200-metric) generated document.
"""

from __future__ import annotations

import random
from datetime import timedelta

from portal.demo.bulk import generated_qc
from portal.demo.documents import (
    AUTOMATED,
    FAIL,
    MULTI,
    PASS,
    PENDING,
    PROC,
    RAW,
    curation_metric,
    metric,
    qc_document,
    record,
    status,
    ts,
)
from portal.demo.showcase_assets import BEHAVIOR, ECEPHYS, LARGE, SORTED_CREATED, SORTED_NAME, dropdown, figurl, utc

# --- 0: ecephys raw --------------------------------------------------------------------------------


def ecephys_raw() -> dict:
    """Real-record look: space-separated timestamps, empty evaluators, `#` and spaces in paths."""
    t0 = utc(2025, 6, 17, 16, 40, 5)
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
                dropdown(*raw_opts, chosen),
                history,
                f"Evaluation of {probe} raw data. [Sortingview link]({figurl(ECEPHYS.name, probe, shas[i])})",
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


# --- 2: ecephys sorted -----------------------------------------------------------------------------


def ecephys_sorted() -> dict:
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
                figurl(
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
                dropdown(
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


# --- 11: a very large document ---------------------------------------------------------------------


def large() -> dict:
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
