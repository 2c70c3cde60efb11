"""The seeded bulk stream of demo records (everything after the showcase).

One `random.Random(seed)` drives the whole stream, so a seed always gives the same
records. Raw assets are laid out in time order over the 18-month span (sessions in
working hours); a derived asset is made from a recent raw asset (a bounded ring, so
state is O(1)). The per-asset *profile* — reviewed or not, clean/typical/bad — makes
the status mix realistic: most metrics Pass, recent assets are mostly unreviewed
(Pending), a minority fail, and some assets pass entirely.

The hot path is written for speed (few RNG calls per metric, strings formatted once
per asset): `--assets 100000` must stream at thousands of records per second.

This module assembles records and documents; the profile and the metric values are
made in `portal.demo.metrics`, the older layouts in `portal.demo.layouts`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import quote

from portal.demo.catalog import CATALOG, FIGURL, Family
from portal.demo.documents import (
    MODALITIES,
    PLATFORMS,
    PROJECTS,
    SPAN_END,
    SPAN_START,
    Platform,
    Project,
    asset_name,
    qc_document,
    record,
    subject_id,
)
from portal.demo.layouts import to_v1, to_v2_1
from portal.demo.metrics import asset_profile, build_metric, draw_units

EXPERIMENTERS = ("Kara Lindgren", "Ben Adeyemi", "Marta Kowalski", "Ryo Saito", "Julia Fontaine", "Theo Grant")
_SPAN_SECONDS = (SPAN_END - SPAN_START).total_seconds()
_DAY = 86400.0
_RING = 64  # raw assets waiting for their derived asset


class RawAsset:
    """A raw asset remembered until its derived asset is made."""

    __slots__ = ("name", "project", "platform", "sid", "acquired", "experimenters")

    def __init__(
        self, project: Project, platform: Platform, sid: str, acquired: datetime, experimenters: tuple[str, ...]
    ):
        self.project, self.platform, self.sid, self.acquired = project, platform, sid, acquired
        self.experimenters = experimenters
        self.name = asset_name(platform.prefix, sid, acquired)


def bulk_records(n: int, seed: int) -> Iterator[dict]:
    """Yield `n` bulk records for `seed` (see the module docstring)."""
    if n <= 0:
        return
    rng = random.Random(seed)
    n_subjects = max(3, n // (len(PROJECTS) * 12))  # ~12 sessions per subject
    weights = [p.weight for p in PROJECTS]
    ring: list[RawAsset] = []
    raw_i = 0
    for _ in range(n):
        if ring and rng.random() < 0.45:
            raw = ring.pop(int(len(ring) * rng.random()))
            yield _derived(rng, raw)
            continue
        raw = _new_raw(rng, raw_i / n, n_subjects, weights)
        raw_i += 1
        if len(ring) >= _RING:
            ring.pop(0)  # never processed: some raw assets have no derived asset
        ring.append(raw)
        yield _raw_record(rng, raw)


def _new_raw(rng: random.Random, frac: float, n_subjects: int, weights) -> RawAsset:
    project: Project = rng.choices(PROJECTS, weights)[0]
    keys = [k for k, _ in project.platforms]
    pw = [w for _, w in project.platforms]
    platform = PLATFORMS[keys[0] if len(keys) == 1 else rng.choices(keys, pw)[0]]
    # Session times: the i-th raw asset on day floor(frac * days), in working hours, so names
    # (subject + second) are unique and the stream is chronological.
    days = frac * _SPAN_SECONDS / _DAY
    day = int(days)
    within = (days - day) * 10 * 3600  # 08:00-18:00
    acquired = SPAN_START + timedelta(days=day, hours=8, seconds=int(within) + int(50 * rng.random()))
    j = min(n_subjects - 1, max(0, int(frac * n_subjects + rng.gauss(0, 1.5))))
    experimenters = tuple(rng.sample(EXPERIMENTERS, 1 + int(2 * rng.random())))
    return RawAsset(project, platform, subject_id(project, j), acquired, experimenters)


def _families(
    platform: Platform, derived: bool, rng: random.Random, with_raw: bool = False
) -> list[tuple[str, tuple[Family, ...]]]:
    """(modality, families) pairs an asset's QC covers."""
    primary = platform.modalities[0]
    spec = CATALOG[primary]
    out: list[tuple[str, tuple[Family, ...]]] = []
    if not derived:
        for mod in platform.modalities:
            out.append((mod, CATALOG[mod].raw + CATALOG[mod].asset_raw))
        return out
    if with_raw or rng.random() < 0.5:  # sorted/processed documents often carry the raw metrics along
        out.append((primary, spec.raw + spec.asset_raw))
    out.append((primary, spec.derived + spec.asset_derived))
    if "behavior" in platform.modalities and (primary == "behavior" or rng.random() < 0.6):
        out.append(("behavior", CATALOG["behavior"].derived))
    return out


def generated_qc(
    rng: random.Random,
    raw: RawAsset,
    name: str,
    derived: bool,
    processed: datetime,
    evaluated: list[str] | None,
    units: dict[str, list[tuple[str, dict]]] | None = None,
    cap_references: bool = True,
    with_raw: bool = False,
) -> tuple[dict, datetime]:
    """A 2.x QC document for one asset of `raw`'s platform (and when it was last changed).

    `units` fixes the units per modality (the showcase uses it); otherwise they are drawn.
    """
    p = asset_profile(rng, name, processed)
    platform = raw.platform
    metrics: list[dict] = []
    unit_cache: dict[str, list[tuple[str, dict]]] = dict(units or {})

    def figurl(label: str) -> str:
        sha = f"{rng.getrandbits(160):040x}"
        return f"{FIGURL}&d=sha1://{sha}&label={quote(f'{raw.name} - {label}')}&zone=aind"

    present: list[str] = []  # modalities with metrics, in order
    for mod, fams in _families(platform, derived, rng, with_raw):
        mod_units = unit_cache.get(mod)
        if mod_units is None:
            mod_units = unit_cache[mod] = draw_units(rng, mod, platform)
        if mod not in present:
            present.append(mod)
        modality_dict = MODALITIES[mod]
        extra = {"figurl": figurl, "evaluated": evaluated, "labels": [u for u, _ in mod_units]}
        for fam in fams:
            if fam.per_unit:
                for label, tags in mod_units:
                    metrics.append(build_metric(p, fam, modality_dict, label, tags, extra))
            else:
                metrics.append(build_metric(p, fam, modality_dict, "", {}, extra))
    if len(metrics) < 5 and derived and not with_raw:  # small processed documents carry the raw metrics along
        return generated_qc(rng, raw, name, derived, processed, evaluated, unit_cache, cap_references, with_raw=True)
    if len(metrics) > 200:
        metrics = metrics[:200]
    if cap_references:
        _cap_references(rng, metrics)
    # Group by the unit (probe, plane, ...) then by metric group; with several kinds of unit,
    # by modality first (the pseudo-key aind-data-schema itself uses for old documents).
    keys = [CATALOG[m].unit_key for m in present if CATALOG[m].unit_key]
    if not keys:
        grouping: list = ["group"]
    elif len(keys) == 1:
        grouping = [[keys[0]], ["group"]]
    else:
        grouping = [["modality"], keys, ["group"]]
    last = processed
    if p.reviewed:
        last = datetime.fromisoformat(p.t_rev2 or p.t_rev)
    doc = qc_document(metrics, grouping, key_experimenters=[p.reviewer] if p.reviewed else None)
    return doc, last


def _cap_references(rng: random.Random, metrics: list[dict]) -> None:
    """Keep 2-6 distinct figure files per asset (a few assets up to 12): disk stays small at 100k."""
    refs: dict[str, None] = {}
    for m in metrics:
        if m["reference"]:
            refs[m["reference"]] = None
    cap = 2 + int(5 * rng.random()) if rng.random() < 0.9 else 7 + int(6 * rng.random())
    if len(refs) <= cap:
        return
    keep = set(rng.sample(list(refs), cap))
    for m in metrics:
        if m["reference"] and m["reference"] not in keep:
            m["reference"] = None


def _raw_record(rng: random.Random, raw: RawAsset) -> dict:
    processed = raw.acquired + timedelta(hours=raw.platform.hours + 0.5 + 6 * rng.random())
    qc, modified = _document_for(rng, raw, raw.name, False, processed, None)
    return record(
        name=raw.name,
        project=raw.project,
        platform=raw.platform,
        sid=raw.sid,
        acquired=raw.acquired,
        created=raw.acquired + timedelta(hours=raw.platform.hours),
        level="raw",
        quality_control=qc,
        experimenters=raw.experimenters,
        modified=modified,
    )


def _derived(rng: random.Random, raw: RawAsset) -> dict:
    created = raw.acquired + timedelta(days=0.5 + 14 * rng.random() ** 2)
    name = f"{raw.name}_{raw.platform.derived}_{created:%Y-%m-%d_%H-%M-%S}"
    processed = created + timedelta(minutes=10 + 50 * rng.random())
    qc, modified = _document_for(rng, raw, name, True, processed, [raw.name])
    return record(
        name=name,
        project=raw.project,
        platform=raw.platform,
        sid=raw.sid,
        acquired=raw.acquired,
        created=created,
        level="derived",
        quality_control=qc,
        source_data=[raw.name],
        experimenters=raw.experimenters,
        modified=modified,
    )


def _document_for(rng, raw: RawAsset, name: str, derived: bool, processed: datetime, evaluated):
    """The QC document in the layout of its era (or None: no QC yet)."""
    age_days = (processed - SPAN_START).days
    recent = (SPAN_END - processed).days < 30
    if rng.random() < (0.12 if recent else 0.025):
        return None, None
    doc, modified = generated_qc(rng, raw, name, derived, processed, evaluated)
    if age_days < 110 and rng.random() < 0.15:
        return to_v1(doc, processed), modified
    if 150 < age_days < 330 and rng.random() < 0.06:
        return to_v2_1(doc), modified
    return doc, modified
