"""Building blocks of the demo records: vocabularies and document builders.

Projects, platforms, modalities and people of the demo world, and small functions
that build the pieces of a DocDB record (`metric`, `status`, `qc_document`,
`record`) in the shape aind-data-schema dumps them. `showcase` and `bulk` use them;
`records.build_records` is the public entry point.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aind_data_schema_models.modalities import Modality

from portal.demo.rigs import rig

# The span of acquisitions. Fixed (not relative to "now") so the data set is the same
# whenever it is built; it ends before any plausible clock so no timestamp is in the future.
SPAN_START = datetime(2024, 5, 1, tzinfo=UTC)
SPAN_END = datetime(2025, 10, 31, tzinfo=UTC)
LAST_TIMESTAMP = datetime(2025, 11, 15, tzinfo=UTC)

QC_SCHEMA_VERSION = "2.4.2"
QC_DESCRIBED_BY = (
    "https://raw.githubusercontent.com/AllenNeuralDynamics/aind-data-schema/main/src/"
    "aind_data_schema/core/quality_control.py"
)
# Record ids are uuid5(name) so a consumer can recompute an asset's id from its folder name.
ID_NAMESPACE = uuid.UUID("9b5f3c4e-6a0d-4e8c-9d3f-2a7c1e0b5d11")

PASS, FAIL, PENDING = "Pass", "Fail", "Pending"
RAW, PROC, ANALYSIS, MULTI = "Raw data", "Processing", "Analysis", "Multi-asset"


def _modality(m) -> dict:
    return {"name": m.name, "abbreviation": m.abbreviation}


MODALITIES: dict[str, dict] = {
    m.abbreviation: _modality(m)
    for m in (
        Modality.ECEPHYS,
        Modality.BEHAVIOR,
        Modality.BEHAVIOR_VIDEOS,
        Modality.POPHYS,
        Modality.SPIM,
        Modality.FIB,
        Modality.SLAP2,
    )
}

# Fictional people: the demo must not attribute made-up reviews to real colleagues.
REVIEWERS = (
    "Maya Thompson",
    "Daniel Okafor",
    "Priya Raman",
    "Lucas Moreau",
    "Hannah Kim",
    "Sofia Alvarez",
    "Tomas Silva",
    "Emily Chen",
    "Jonah Weiss",
    "Aiko Tanaka",
)
AUTOMATED = "Automated"


@dataclass(frozen=True)
class Platform:
    """How one kind of rig names and describes its assets."""

    key: str
    prefix: str  # raw asset name prefix, e.g. "ecephys" in ecephys_<subject>_<time>
    modalities: tuple[str, ...]  # abbreviations, primary first
    derived: str  # "sorted" for spike sorting, "processed" otherwise
    instrument: str
    acquisition_type: str
    hours: float  # typical session length


PLATFORMS: dict[str, Platform] = {
    p.key: p
    for p in (
        Platform(
            "ecephys",
            "ecephys",
            ("ecephys", "behavior", "behavior-videos"),
            "sorted",
            "323_EPHYS1",
            "Optotagging and dynamic foraging",
            1.6,
        ),
        Platform(
            "behavior", "behavior", ("behavior", "behavior-videos"), "processed", "447_FRG_B", "Behavior training", 1.0
        ),
        Platform(
            "multiplane-ophys",
            "multiplane-ophys",
            ("pophys", "behavior", "behavior-videos"),
            "processed",
            "MESO.1",
            "Multiplane imaging during change detection",
            1.2,
        ),
        Platform(
            "single-plane-ophys",
            "single-plane-ophys",
            ("pophys", "behavior", "behavior-videos"),
            "processed",
            "BCI.2",
            "BCI conditioning",
            1.4,
        ),
        Platform("SmartSPIM", "SmartSPIM", ("SPIM",), "processed", "SmartSPIM-id-3", "Whole-brain light sheet", 9.0),
        Platform(
            "FIP",
            "behavior",
            ("fib", "behavior", "behavior-videos"),
            "processed",
            "428_FIP_2",
            "Fiber photometry during patch foraging",
            1.1,
        ),
        Platform("slap2", "slap2", ("slap2", "behavior"), "processed", "SLAP2-1", "Dendritic imaging", 1.3),
    )
}


@dataclass(frozen=True)
class Project:
    """A project, the platforms it acquires with (weighted) and who runs it."""

    index: int
    name: str
    weight: float
    platforms: tuple[tuple[str, float], ...]
    investigators: tuple[str, ...]


PROJECTS: tuple[Project, ...] = (
    Project(0, "Cell Type Lookup Table", 14, (("ecephys", 1.0),), ("Rosa Lindqvist", "Omar Haddad")),
    Project(1, "Dynamic Routing", 18, (("ecephys", 0.45), ("behavior", 0.55)), ("Grace Whitfield",)),
    Project(
        2,
        "Thalamus in the middle",
        12,
        (("multiplane-ophys", 0.6), ("SmartSPIM", 0.4)),
        ("Victor Nakamura", "Ines Duarte"),
    ),
    Project(3, "Learning mFISH-V1omFISH", 12, (("multiplane-ophys", 1.0),), ("Leah Brennan",)),
    Project(4, "Brain Computer Interface", 12, (("single-plane-ophys", 1.0),), ("Arjun Mehta",)),
    Project(
        5,
        "Cognitive flexibility in patch foraging",
        16,
        (("FIP", 0.65), ("behavior", 0.35)),
        ("Nadia Petrova", "Samuel Osei"),
    ),
    Project(6, "Molecular Anatomy Cell Types", 8, (("SmartSPIM", 1.0),), ("Clara Jensen",)),
    Project(7, "SLAP2 dendritic integration", 5, (("slap2", 1.0),), ("Felix Bauer",)),
)


def subject_id(project: Project, j: int) -> str:
    """The j-th subject of a project: 6 digits, distinct across projects and within one."""
    return str(600000 + project.index * 30000 + (j * 7907 + 4111) % 30000)


def _subject_details(sid: str) -> dict:
    # Derived from the id, so every asset of one subject agrees on sex, birth date and genotype.
    h = int(sid) * 2654435761 % 2**32
    genotypes = (
        "wt/wt",
        "Sst-IRES-Cre/wt;Ai32(RCL-ChR2(H134R)_EYFP)/wt",
        "Vip-IRES-Cre/wt;Ai14(RCL-tdT)/wt",
        "Slc17a7-IRES2-Cre/wt;Camk2a-tTA/wt;Ai93(TITL-GCaMP6f)/wt",
        "Drd1a-Cre/wt;Adora2a-T2A-FlpO/wt",
    )
    born = datetime(2023, 11, 1, tzinfo=UTC) + timedelta(days=h % 540)
    return {
        "object_type": "Mouse subject",
        "sex": "Female" if h & 1 else "Male",
        "date_of_birth": born.date().isoformat(),
        "genotype": genotypes[(h >> 3) % len(genotypes)],
    }


# --- small document builders -------------------------------------------------------------------


def ts(dt: datetime, space: bool = False) -> str:
    """An ISO timestamp in UTC; `space=True` writes it the way some pipelines do (`str(dt)`)."""
    return str(dt) if space else dt.isoformat()


def status(evaluator: str, value: str, when: str) -> dict:
    """One `status_history` entry."""
    return {"object_type": "QC status", "evaluator": evaluator, "status": value, "timestamp": when}


def metric(
    name: str,
    modality: str,
    stage: str,
    value,
    history: list[dict],
    description: str | None = None,
    reference: str | None = None,
    tags: dict | list | None = None,
    evaluated_assets: list[str] | None = None,
) -> dict:
    """A "QC metric" dict (the keys in the order aind-data-schema dumps them)."""
    return {
        "object_type": "QC metric",
        "name": name,
        "modality": dict(MODALITIES[modality]),
        "stage": stage,
        "value": value,
        "status_history": history,
        "description": description,
        "reference": reference,
        "tags": {} if tags is None else tags,
        "evaluated_assets": evaluated_assets,
    }


def curation_metric(
    name: str,
    modality: str,
    stage: str,
    value: list,
    history: list[dict],
    curation_type: str,
    curation_history: list[dict],
    description: str | None = None,
    reference: str | None = None,
    tags: dict | None = None,
) -> dict:
    """A "Curation metric" dict."""
    out = metric(name, modality, stage, value, history, description, reference, tags)
    out["object_type"] = "Curation metric"
    out["type"] = curation_type
    out["curation_history"] = curation_history
    return out


_RANK = {PASS: 0, PENDING: 1, FAIL: 2}
_BY_RANK = (PASS, PENDING, FAIL)


def computed_status(metrics: list[dict], allow_tag_failures: list[str]) -> dict:
    """The `status` dict aind-data-schema computes, for histories in chronological order.

    Keys are `key:value` tag pairs, modality abbreviations and stages; a Fail under an
    allowed tag (value or `key:value`) counts as Pass, as in `evaluate_status`.
    """
    allowed = set(allow_tag_failures)
    out: dict[str, int] = {}
    get = out.get
    for m in metrics:
        s = _RANK[m["status_history"][-1]["status"]]
        tags = m["tags"]
        if s == 2 and allowed and any(f"{k}:{v}" in allowed or v in allowed for k, v in tags.items()):
            s = 0
        for k, v in tags.items():
            key = k + ":" + v
            if get(key, -1) < s:
                out[key] = s
        key = m["modality"]["abbreviation"]
        if get(key, -1) < s:
            out[key] = s
        key = m["stage"]
        if get(key, -1) < s:
            out[key] = s
    return {k: _BY_RANK[v] for k, v in out.items()}


def qc_document(
    metrics: list[dict],
    default_grouping: list,
    allow_tag_failures: list[str] | None = None,
    key_experimenters: list[str] | None = None,
    notes: str | None = None,
) -> dict:
    """A 2.x `quality_control` document with its computed `status`, as the schema dumps it."""
    allow = allow_tag_failures or []
    return {
        "object_type": "Quality control",
        "describedBy": QC_DESCRIBED_BY,
        "schema_version": QC_SCHEMA_VERSION,
        "metrics": metrics,
        "key_experimenters": key_experimenters,
        "notes": notes,
        "default_grouping": default_grouping,
        "allow_tag_failures": allow,
        "status": computed_status(metrics, allow),
    }


def _docdb_time(dt: datetime) -> str:
    # DocDB's own bookkeeping fields use millisecond "Z" timestamps.
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def asset_name(prefix: str, sid: str, when: datetime) -> str:
    """AIND raw asset name: `<platform>_<subject>_<YYYY-MM-DD_HH-MM-SS>`."""
    return f"{prefix}_{sid}_{when:%Y-%m-%d_%H-%M-%S}"


def record(
    *,
    name: str,
    project: Project,
    platform: Platform,
    sid: str,
    acquired: datetime,
    created: datetime,
    level: str,
    quality_control: dict | None,
    source_data: list[str] | None = None,
    experimenters: tuple[str, ...] = (),
    modalities: tuple[str, ...] | None = None,
    modified: datetime | None = None,
) -> dict:
    """Assemble a DocDB-shaped metadata record (no `quality_control` key when it is None).

    `_last_modified` follows the latest status timestamp unless `modified` is given.
    """
    mods = modalities or platform.modalities
    dd = {
        "object_type": "Data description",
        "schema_version": "2.2.0",
        "license": "CC-BY-4.0",
        "name": name,
        "subject_id": sid,
        "creation_time": ts(created),
        "institution": {"name": "Allen Institute for Neural Dynamics", "abbreviation": "AIND"},
        "data_level": level,
        "investigators": [{"object_type": "Person", "name": n} for n in project.investigators],
        "project_name": project.name,
        "modalities": [dict(MODALITIES[m]) for m in mods],
        "source_data": source_data,
    }
    end = acquired + timedelta(hours=platform.hours)
    out = {
        "_id": str(uuid.uuid5(ID_NAMESPACE, name)),
        "name": name,
        "location": None,
        "data_description": dd,
        "subject": {
            "object_type": "Subject",
            "schema_version": "2.0.13",
            "subject_id": sid,
            "subject_details": _subject_details(sid),
        },
        "acquisition": {
            "object_type": "Acquisition",
            "schema_version": "2.1.0",
            "subject_id": sid,
            "acquisition_start_time": ts(acquired),
            "acquisition_end_time": ts(end),
            "experimenters": list(experimenters),
            "instrument_id": f"{rig(platform.key, platform.instrument, sid)}_{acquired:%Y%m}01",
            "acquisition_type": platform.acquisition_type,
        },
    }
    last = created + timedelta(minutes=7)
    if quality_control is not None:
        out["quality_control"] = quality_control
    if modified is not None:
        last = max(last, modified)
    elif quality_control is not None:
        for m in quality_control.get("metrics") or []:
            for e in m["status_history"]:
                last = max(last, datetime.fromisoformat(e["timestamp"]))
        for ev in quality_control.get("evaluations") or []:
            for m in ev["metrics"]:
                for e in m["status_history"]:
                    last = max(last, datetime.fromisoformat(e["timestamp"]))
    out["_created"] = _docdb_time(created + timedelta(minutes=5))
    out["_last_modified"] = _docdb_time(last + timedelta(seconds=2))
    return out
