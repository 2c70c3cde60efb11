"""The metric catalog: which QC metrics each modality's pipelines write.

Modelled on AIND's pipelines (the ecephys families follow a real sorted record).
Each `Family` is one metric per *unit* (probe, plane, camera, channel, fiber, DMD)
or one per asset, with a value kind that also fixes how its status is decided:

- automated kinds (`num`, `int`, `zero`, `bool`, `str`, `list`, `table`, `multi`)
  get Pass/Fail from the value, written by the pipeline;
- manual kinds (`drop`, `check`, `none`) start Pending with an empty evaluator and
  get their status from a reviewer (for `drop`/`check` via the chosen option);
- `curation` is a Curation metric (spike-sorting curation).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.demo.documents import ANALYSIS, FAIL, MULTI, PASS, PENDING, PROC, RAW

MANUAL_KINDS = frozenset({"drop", "check", "none"})


@dataclass(frozen=True, slots=True)
class Family:
    """One kind of metric. `{u}` in `name`/`desc` is replaced by the unit label."""

    group: str
    stage: str
    name: str
    kind: str
    spec: tuple = ()
    desc: str | None = None
    fig: str | None = None  # figure stem known to `portal.demo.figures`
    ext: str = "png"
    per_unit: bool = True
    pass_idx: tuple[int, ...] = ()  # option indices by status (drop/check), precomputed
    fail_idx: tuple[int, ...] = ()

    @property
    def manual(self) -> bool:
        """True when a reviewer, not the pipeline, decides the status."""
        return self.kind in MANUAL_KINDS


def F(group, stage, name, kind, spec=(), desc=None, fig=None, ext="png", per_unit=True) -> Family:  # noqa: N802
    """Build a Family, precomputing which dropdown/checkbox options pass and which fail."""
    pass_idx: tuple[int, ...] = ()
    fail_idx: tuple[int, ...] = ()
    if kind in ("drop", "check"):
        _, statuses = spec
        pass_idx = tuple(i for i, s in enumerate(statuses) if s == PASS)
        fail_idx = tuple(i for i, s in enumerate(statuses) if s == FAIL)
    return Family(group, stage, name, kind, spec, desc, fig, ext, per_unit, pass_idx, fail_idx)


def drop(*pairs: tuple[str, str]) -> tuple[list[str], list[str]]:
    """Dropdown/checkbox spec from (option, status) pairs."""
    return [o for o, _ in pairs], [s for _, s in pairs]


_GOOD = ("Good", PASS)
VISUAL_AREAS = ("VISp", "VISa", "VISal", "VISam", "VISl", "VISli", "VISpl", "VISpm", "VISpor", "VISrl", "VIS")
FIGURL = "https://figurl.org/f?v=npm://@fi-sci/figurl-sortingview@12/dist"

# The tables stay one family per few lines, aligned by hand: easier to scan than one argument per line.
# fmt: off
ECEPHYS_RAW = (
    F("Raw Data", RAW, "Raw data {u}", "drop",
      drop(("Normal", PASS), ("No spikes", FAIL), ("Noisy", FAIL)),
      "Evaluation of {u} raw data. [Sortingview link]({figurl})", "traces"),
    F("PSD", RAW, "PSD (Wide Band) {u}", "none", (),
      "Evaluation of {u} wide-band power spectral density", "psd", "svg"),
    F("PSD", RAW, "PSD (Low Frequency) {u}", "drop",
      drop(("No contamination", PASS), ("Line (60 Hz) contamination", FAIL)),
      "Evaluation of {u} low-frequency power spectral density", "psd_lf"),
    F("RMS", RAW, "RMS {u}", "num", (5.0, 14.0, 21.0, 48.0, 1),
      "Median RMS noise (uV) on {u}. Pass when below 20 uV.", "rms"),
    F("Saturation", RAW, "Saturation events {u}", "zero", (2, 60),
      "Number of saturation events on {u}. Pass when there are none.", "saturation"),
    F("Drift", RAW, "Probe drift {u}", "num", (2.0, 24.0, 41.0, 130.0, 1),
      "Peak-to-peak drift (um) estimated on {u}. Pass when below 40 um.", "drift_map"),
    F("Drift", RAW, "Drift map review {u}", "drop",
      drop(_GOOD, ("High drift", FAIL), ("Bad drift estimation", FAIL)),
      "Evaluation of {u} probe drift", "drift_map"),
    F("Trigger events", RAW, "Trigger events {u}", "drop",
      drop(_GOOD, ("Trigger artifacts", FAIL)), "Evaluation of {u} trigger events", "traces_triggers"),
)
ECEPHYS_PROC = (
    F("Unit Yield", PROC, "Unit metrics yield - {u}", "int", (60, 420, 0, 24),
      "Number of units passing default QC on {u}. Fail when fewer than 25.", "unit_yield"),
    F("Unit Yield", PROC, "Unit yield review - {u}", "drop",
      drop(_GOOD, ("Low Yield", FAIL), ("High Noise", FAIL)),
      "Evaluation of {u} unit metrics yield. [Sortingview link]({figurl})", "unit_yield"),
    F("Firing Rate", PROC, "Firing rate - {u}", "drop",
      drop(("No problems detected", PASS), ("Seizure", FAIL), ("Firing Rate Gap", FAIL)),
      "Evaluation of {u} firing rate", "firing_rate"),
    F("Amplitude", PROC, "Amplitude cutoff - {u}", "num", (0.01, 0.09, 0.16, 0.45, 3),
      "Median amplitude cutoff of {u} units. Pass when below 0.1.", "amplitude", "svg"),
    F("Sorting Curation", PROC, "Sorting Curation - {u}", "curation", ("Spike sorting curation",),
      "Sorting curation for {u}"),
    F("ISI Visual Area Label", PROC, "Manual annotation of ISI visual area label - {u}", "drop",
      drop(*((a, PASS) for a in VISUAL_AREAS)),
      "Manual annotation of visual area label based on ISI imaging for {u}"),
)
ECEPHYS_DERIVED_ASSET = (
    F("Sorting summary", PROC, "Units per probe", "table", ("units",),
      "Units found and passing default QC, per probe", per_unit=False),
    F("Sync", MULTI, "Ephys-behavior alignment", "multi", (0.0, 2.5, 6.0, 40.0, 2),
      "Residual clock offset (ms) between the ephys and behavior streams after alignment. "
      "Pass when below 5 ms.", per_unit=False),
)

BEHAVIOR_RAW = (
    F("Task", RAW, "Trials completed", "int", (220, 640, 15, 180),
      "Number of trials completed. Pass when at least 200.", per_unit=False),
    F("Task", RAW, "Rig", "str", (("447_FRG_B", "447_FRG_C", "323_EPHYS1", "428_FIP_2"), ()),
      "Rig the session ran on", per_unit=False),
    F("Licks", RAW, "Lick detection", "drop",
      drop(("Clean", PASS), ("Spurious licks", FAIL), ("No licks detected", FAIL)),
      "Visual check of the lick sensor trace", "licks", per_unit=False),
    F("Licks", RAW, "Lick sensor working", "bool", (), "True when licks were detected on both spouts",
      per_unit=False),
    F("Reward", RAW, "Water consumed (mL)", "num", (0.6, 1.6, 0.0, 0.3, 2),
      "Water earned during the session. Fail below 0.3 mL (check the valve calibration).", per_unit=False),
    F("Sync", RAW, "Harp clock synchronized", "bool", (), "True when all devices share the Harp clock",
      per_unit=False),
    F("Running", RAW, "Encoder dropouts", "zero", (1, 30), "Number of running-wheel encoder dropouts",
      "running", per_unit=False),
)
BEHAVIOR_ANALYSIS = (
    F("Performance", ANALYSIS, "d-prime", "num", (1.2, 3.6, -0.3, 0.8, 2),
      "Discriminability across the session. Pass when above 1.", "performance", per_unit=False),
    F("Performance", ANALYSIS, "Hit rate", "num", (0.7, 0.98, 0.15, 0.5, 2),
      "Fraction of go trials with a response", per_unit=False),
    F("Performance", ANALYSIS, "Response time per block (s)", "list", (6, 0.2, 0.6, 0.8, 1.6, 2),
      "Median response time in each block. Fail when any block is slower than 0.75 s.", per_unit=False),
    F("Performance", ANALYSIS, "Behavior checks", "check",
      drop(("Engaged whole session", PASS), ("Side bias", FAIL), ("Disengaged early", FAIL)),
      "Reviewer checks of engagement and bias", "lick_raster", "svg", per_unit=False),
)

VIDEO_RAW = (
    F("Frames", RAW, "Dropped frames {u}", "zero", (3, 900),
      "Frames missing between the camera and Harp timestamps. Pass when 0."),
    F("Frames", RAW, "Timestamps monotonic {u}", "bool", (), "True when frame timestamps only increase"),
    F("Video", RAW, "Video quality {u}", "drop",
      drop(_GOOD, ("Out of focus", FAIL), ("Occluded", FAIL), ("Too dark", FAIL)),
      "Visual check of a sample frame from {u}", "frame"),
)

POPHYS_RAW = (
    F("Field of view", RAW, "FOV quality {u}", "drop",
      drop(_GOOD, ("Out of focus", FAIL), ("Bleached", FAIL), ("Wrong depth", FAIL)),
      "Visual check of the {u} mean projection", "fov"),
    F("Field of view", RAW, "Saturated pixels (%) {u}", "num", (0.0, 0.4, 1.2, 9.0, 2),
      "Percentage of saturated pixels in {u}. Pass below 1 %."),
    F("Field of view", RAW, "Mean intensity {u}", "num", (180.0, 900.0, 5.0, 60.0, 0),
      "Mean raw intensity of {u}. Fail when nearly dark."),
)
POPHYS_PROC = (
    F("Motion correction", PROC, "Motion correction {u}", "drop",
      drop(_GOOD, ("Residual motion", FAIL), ("Failed registration", FAIL)),
      "Visual check of registration for {u}", "motion"),
    F("Motion correction", PROC, "Residual motion (um) {u}", "num", (0.2, 1.8, 3.1, 12.0, 2),
      "RMS residual motion after registration of {u}. Pass below 3 um.", "motion"),
    F("Segmentation", PROC, "ROI count {u}", "int", (60, 640, 0, 15),
      "Number of ROIs segmented in {u}. Fail when fewer than 15."),
    F("Segmentation", PROC, "Median ROI SNR {u}", "num", (3.0, 12.0, 0.4, 1.9, 2),
      "Median signal-to-noise ratio of {u} ROIs. Pass above 2.", "snr", "svg"),
    F("Z-drift", PROC, "Z-drift per epoch (um) {u}", "list", (5, 0.0, 4.0, 6.0, 15.0, 1),
      "Estimated z-drift in each epoch of {u}. Fail when any epoch exceeds 5 um."),
)
POPHYS_DERIVED_ASSET = (
    F("Segmentation", PROC, "ROI summary", "table", ("rois",), "ROIs and SNR per plane", per_unit=False),
)

SPIM_RAW = (
    F("Acquisition", RAW, "Tiles acquired {u}", "int", (24, 24, 6, 20),
      "Tiles written for {u}; all 24 expected"),
    F("Acquisition", RAW, "Saturated voxels (%) {u}", "num", (0.0, 0.3, 0.8, 6.0, 2),
      "Percentage of saturated voxels in {u}. Pass below 0.5 %."),
    F("Stitching", RAW, "Stitching quality {u}", "drop",
      drop(_GOOD, ("Visible seams", FAIL), ("Misaligned tiles", FAIL)),
      "Visual check of the stitched {u} volume", "stitching"),
    F("Stitching", RAW, "Tile alignment error (um) {u}", "num", (0.5, 3.5, 6.0, 30.0, 2),
      "Median pairwise tile alignment error in {u}. Pass below 5 um.", "tile_alignment"),
)
SPIM_ASSET = (
    F("Specimen", RAW, "Brain intact", "bool", (), "True when no tissue damage is visible", per_unit=False),
    F("Specimen", RAW, "Imaging medium", "str", (("EasyIndex", "Ethyl cinnamate"), ()),
      "Refractive-index matching medium", per_unit=False),
)
SPIM_PROC = (
    F("Cell detection", PROC, "Detected cells {u}", "int", (40000, 900000, 0, 5000),
      "Cells detected in {u}. Fail when fewer than 5000."),
    F("Registration", PROC, "CCF registration {u}", "drop",
      drop(_GOOD, ("Misregistered", FAIL)), "Visual check of the CCF registration of {u}", "stitching"),
)

FIB_RAW = (
    F("Signal", RAW, "Baseline fluorescence {u}", "num", (2.0, 40.0, 0.0, 0.5, 2),
      "Median raw signal (a.u.) on {u}. Fail when nearly flat."),
    F("Signal", RAW, "CMOS floor {u}", "num", (0.5, 1.8, 3.0, 9.0, 2),
      "Dark-frame floor (a.u.) on {u}. Fail above 3."),
    F("Signal", RAW, "Photometry signal {u}", "drop",
      drop(_GOOD, ("Low signal", FAIL), ("Motion artifacts", FAIL), ("Photobleaching", FAIL)),
      "Visual check of the {u} signal", "photometry"),
)
FIB_PROC = (
    F("Preprocessing", PROC, "Bleaching time constant (s) {u}", "num", (300.0, 3000.0, 10.0, 120.0, 0),
      "Fitted photobleaching time constant on {u}. Fail when faster than 2 min."),
    F("Preprocessing", PROC, "Isosbestic correlation {u}", "num", (0.0, 0.45, 0.7, 0.99, 2),
      "Correlation between the {u} signal and its isosbestic control. Fail above 0.7."),
    F("Preprocessing", PROC, "dF/F review {u}", "drop",
      drop(_GOOD, ("Residual motion", FAIL), ("Bad bleaching fit", FAIL)),
      "Visual check of the {u} dF/F", "photometry"),
)

SLAP2_RAW = (
    F("Imaging", RAW, "Frame rate (Hz) {u}", "num", (180.0, 210.0, 40.0, 150.0, 1),
      "Achieved frame rate of {u}. Fail below 150 Hz."),
    F("Imaging", RAW, "Synapses detected {u}", "int", (40, 400, 0, 10), "Synaptic sites found on {u}"),
    F("Imaging", RAW, "Mean image {u}", "drop", drop(_GOOD, ("Out of focus", FAIL)),
      "Visual check of the {u} mean image", "fov"),
)
SLAP2_PROC = (
    F("Extraction", PROC, "Traces extracted {u}", "int", (40, 400, 0, 10), "Sources extracted on {u}"),
    F("Extraction", PROC, "Mean dF/F {u}", "num", (0.05, 0.6, 0.0, 0.01, 3),
      "Mean dF/F of extracted sources on {u}. Fail when flat."),
)

# fmt: on


@dataclass(frozen=True)
class ModalityQC:
    """The metric families of one modality, and how its units are named."""

    unit_key: str | None
    units: tuple[str, ...]
    raw: tuple[Family, ...]
    derived: tuple[Family, ...]
    asset_raw: tuple[Family, ...] = ()
    asset_derived: tuple[Family, ...] = ()


CATALOG: dict[str, ModalityQC] = {
    "ecephys": ModalityQC(
        "probe", tuple(f"Probe{c}" for c in "ABCDEF"), ECEPHYS_RAW, ECEPHYS_PROC, (), ECEPHYS_DERIVED_ASSET
    ),
    "behavior": ModalityQC(None, (), BEHAVIOR_RAW, BEHAVIOR_ANALYSIS),
    "behavior-videos": ModalityQC("camera", ("FaceCamera", "BodyCamera", "BottomCamera", "EyeCamera"), VIDEO_RAW, ()),
    "pophys": ModalityQC(
        "plane", tuple(f"Plane {i}" for i in range(8)), POPHYS_RAW, POPHYS_PROC, (), POPHYS_DERIVED_ASSET
    ),
    "SPIM": ModalityQC(
        "channel", ("Ex_488_Em_525", "Ex_561_Em_593", "Ex_639_Em_667"), SPIM_RAW, SPIM_PROC, SPIM_ASSET, ()
    ),
    "fib": ModalityQC("fiber", tuple(f"Fiber_{i}" for i in range(4)), FIB_RAW, FIB_PROC),
    "slap2": ModalityQC("dmd", ("DMD1", "DMD2"), SLAP2_RAW, SLAP2_PROC),
}

STATUSES = (PASS, FAIL, PENDING)
