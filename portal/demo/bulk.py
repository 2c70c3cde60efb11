"""The seeded bulk stream of demo records (everything after the showcase).

One `random.Random(seed)` drives the whole stream, so a seed always gives the same
records. Raw assets are laid out in time order over the 18-month span (sessions in
working hours); a derived asset is made from a recent raw asset (a bounded ring, so
state is O(1)). The per-asset *profile* — reviewed or not, clean/typical/bad — makes
the status mix realistic: most metrics Pass, recent assets are mostly unreviewed
(Pending), a minority fail, and some assets pass entirely.

The hot path is written for speed (few RNG calls per metric, strings formatted once
per asset): `--assets 100000` must stream at thousands of records per second.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import quote

from portal.demo.catalog import CATALOG, FIGURL, Family
from portal.demo.documents import (
    AUTOMATED,
    FAIL,
    LAST_TIMESTAMP,
    MODALITIES,
    MULTI,
    PASS,
    PENDING,
    PLATFORMS,
    PROJECTS,
    REVIEWERS,
    SPAN_END,
    SPAN_START,
    Platform,
    Project,
    asset_name,
    computed_status,
    qc_document,
    record,
    subject_id,
)

EXPERIMENTERS = ("Kara Lindgren", "Ben Adeyemi", "Marta Kowalski", "Ryo Saito", "Julia Fontaine", "Theo Grant")
_SPAN_SECONDS = (SPAN_END - SPAN_START).total_seconds()
_DAY = 86400.0
_RING = 64  # raw assets waiting for their derived asset


class _Profile:
    """Per-asset decisions shared by all its metrics (kept as attributes: fast lookups)."""

    __slots__ = (
        "rng",
        "reviewed",
        "coverage",
        "p_fail",
        "p_fail_manual",
        "auto",
        "t_proc",
        "t_rev",
        "t_rev2",
        "reviewer",
        "reviewer2",
        "name",
    )


def _pick_weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights)[0]


def _units(rng: random.Random, modality: str, platform: Platform) -> list[tuple[str, dict]]:
    """The units (probes, planes, ...) of one asset as (label, tags) pairs."""
    spec = CATALOG[modality]
    key = spec.unit_key
    if key is None:
        return [("", {})]
    if modality == "ecephys":
        n = _pick_weighted(rng, (1, 2, 3, 4, 5, 6), (8, 22, 28, 25, 10, 7))
        probes = spec.units[:n]
        if rng.random() < 0.04:  # long multi-recording sessions: the few very large documents
            recs = rng.randint(2, 4)
            return [
                (f"{p}_recording{r}", {"probe": p, "recording": f"recording{r}"})
                for r in range(1, recs + 1)
                for p in probes
            ]
        return [(p, {"probe": p}) for p in probes]
    if modality == "pophys":
        n = 1 if platform.key == "single-plane-ophys" else rng.randint(4, 8)
    elif modality == "behavior-videos":
        n = rng.randint(1, 3)
    elif modality == "SPIM":
        n = rng.randint(2, 3)
    elif modality == "fib":
        n = rng.randint(1, 4)
    else:
        n = rng.randint(1, len(spec.units))
    return [(u, {key: u}) for u in spec.units[:n]]


def _value(p: _Profile, fam: Family, fail: bool):
    """A value of `fam`'s kind that is consistent with the status (automated kinds)."""
    rng, kind, spec = p.rng, fam.kind, fam.spec
    if kind == "num" or kind == "multi":
        lo, hi = (spec[2], spec[3]) if fail else (spec[0], spec[1])
        return round(lo + (hi - lo) * rng.random(), spec[4])
    if kind == "int":
        lo, hi = (spec[2], spec[3]) if fail else (spec[0], spec[1])
        return lo + int((hi - lo + 1) * rng.random())
    if kind == "zero":
        return spec[0] + int((spec[1] - spec[0]) * rng.random()) if fail else 0
    if kind == "bool":
        return not fail
    if kind == "str":
        choices = spec[1] if fail and spec[1] else spec[0]
        return choices[int(len(choices) * rng.random())]
    if kind == "list":
        n, lo, hi, flo, fhi, digits = spec
        out = [round(lo + (hi - lo) * rng.random(), digits) for _ in range(n)]
        if fail:
            out[int(n * rng.random())] = round(flo + (fhi - flo) * rng.random(), digits)
        return out
    raise ValueError(kind)


def _table(p: _Profile, kind: str, labels: list[str], fail: bool) -> dict:
    """A dict-of-columns table value with an "index" column naming the rows."""
    rng = p.rng
    if kind == "units":
        found = [80 + int(500 * rng.random()) for _ in labels]
        good = [int(f * (0.25 + 0.5 * rng.random())) for f in found]
        if fail:
            good[0] = int(found[0] * 0.05)
        return {
            "index": labels,
            "units": found,
            "good": good,
            "fraction_good": [round(g / f, 2) for g, f in zip(good, found, strict=True)],
        }
    rois = [60 + int(600 * rng.random()) for _ in labels]
    if fail:
        rois[0] = int(15 * rng.random())
    return {"index": labels, "rois": rois, "median_snr": [round(2 + 8 * rng.random(), 2) for _ in labels]}


def _manual_value(p: _Profile, fam: Family, fail: bool):
    rng = p.rng
    if fam.kind == "none":
        return None
    # Fresh lists per record: the catalog's must never be shared with (and mutated by) a consumer.
    options, statuses = list(fam.spec[0]), list(fam.spec[1])
    idx = fam.fail_idx if fail and fam.fail_idx else fam.pass_idx
    chosen = options[idx[int(len(idx) * rng.random())]]
    if fam.kind == "drop":
        return {"value": chosen, "options": options, "status": statuses, "type": "dropdown"}
    values = [chosen] if not fail else [options[fam.pass_idx[0]], chosen] if rng.random() < 0.3 else [chosen]
    return {"value": values, "options": options, "status": statuses, "type": "checkbox"}


def _pending_value(fam: Family):
    if fam.kind == "drop":
        return {"value": "", "options": list(fam.spec[0]), "status": list(fam.spec[1]), "type": "dropdown"}
    if fam.kind == "check":
        return {"value": [], "options": list(fam.spec[0]), "status": list(fam.spec[1]), "type": "checkbox"}
    return None


def _hist(evaluator: str, value: str, when: str) -> dict:
    return {"object_type": "QC status", "evaluator": evaluator, "status": value, "timestamp": when}


def _metric(p: _Profile, fam: Family, modality: dict, label: str, tags: dict, extra: dict) -> dict:
    rng = p.rng
    kind = fam.kind
    if fam.manual:
        if p.reviewed and rng.random() < p.coverage:
            # Options that all pass (e.g. a brain-area label) cannot fail.
            fail = bool(fam.fail_idx or kind == "none") and rng.random() < p.p_fail_manual
            value = _manual_value(p, fam, fail)
            final = FAIL if fail else PASS
            history = [_hist("", PENDING, p.t_proc), _hist(p.reviewer, final, p.t_rev)]
            if p.t_rev2 and rng.random() < 0.08:  # a second opinion that passes it (overturning a Fail)
                history.append(_hist(p.reviewer2, PASS, p.t_rev2))
                if fail and kind != "none":
                    value = _manual_value(p, fam, False)
        else:
            value = _pending_value(fam)
            history = [_hist("", PENDING, p.t_proc)]
    elif kind == "curation":
        if p.reviewed and rng.random() < p.coverage:
            value = [
                {
                    "curation_version": "1",
                    "labelsByUnit": {
                        str(int(400 * rng.random())): [rng.choice(("noise", "mua", "good"))] for _ in range(3)
                    },
                    "mergeGroups": [[int(100 * rng.random()), 100 + int(100 * rng.random())]],
                }
            ]
            cur = [{"object_type": "Curation history", "curator": p.reviewer, "timestamp": p.t_rev}]
            history = [_hist(p.auto, PASS, p.t_proc), _hist(p.reviewer, PASS, p.t_rev)]
        else:
            value, cur = [], []
            history = [_hist(p.auto, PASS, p.t_proc)]
        m = _base(fam, modality, label, tags, value, history, extra)
        m["object_type"] = "Curation metric"
        m["type"] = fam.spec[0]
        m["curation_history"] = cur
        return m
    else:
        # A string metric without failing values (e.g. the rig name) is informational: always Pass.
        fail = rng.random() < p.p_fail and not (kind == "str" and not fam.spec[1])
        if kind == "table":
            value = _table(p, fam.spec[0], list(extra["labels"]), fail)
        else:
            value = _value(p, fam, fail)
        history = [_hist(p.auto, FAIL if fail else PASS, p.t_proc)]
        if fail and p.reviewed and rng.random() < 0.25:  # reviewer accepts a borderline automated fail
            history.append(_hist(p.reviewer, PASS, p.t_rev))
    return _base(fam, modality, label, tags, value, history, extra)


def _base(fam: Family, modality: dict, label: str, tags: dict, value, history, extra: dict) -> dict:
    if label:
        name = fam.name.replace("{u}", label)
        # One flat qc/ folder per asset: a sub-folder per unit would cost a 4 KiB block each.
        ref = f"qc/{label}_{fam.fig}.{fam.ext}" if fam.fig else None
    else:
        name = fam.name
        ref = f"qc/{fam.fig}.{fam.ext}" if fam.fig else None
    desc = fam.desc
    if desc is not None:
        desc = desc.replace("{u}", label)
        if "{figurl}" in desc:
            desc = desc.replace("{figurl}", extra["figurl"](label))
    return {
        "object_type": "QC metric",
        "name": name,
        "modality": dict(modality),
        "stage": fam.stage,
        "value": value,
        "status_history": history,
        "description": desc,
        "reference": ref,
        "tags": {**tags, "group": fam.group},
        "evaluated_assets": list(extra["evaluated"]) if fam.stage == MULTI else None,
    }


def _fmt(dt: datetime, space: bool) -> str:
    return str(dt) if space else dt.isoformat()


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


def _profile(rng: random.Random, name: str, processed: datetime) -> _Profile:
    p = _Profile()
    p.rng, p.name = rng, name
    age = (SPAN_END - processed).days
    p_reviewed = 0.1 if age < 30 else 0.4 if age < 100 else 0.72
    t_rev = processed + timedelta(days=0.3 + 20 * rng.random() ** 2)
    p.reviewed = rng.random() < p_reviewed and t_rev < LAST_TIMESTAMP
    p.coverage = 1.0 if rng.random() < 0.65 else 0.3 + 0.6 * rng.random()
    q = rng.random()  # clean / typical / bad asset
    p.p_fail = 0.0 if q < 0.3 else 0.05 if q < 0.85 else 0.25
    p.p_fail_manual = 0.0 if q < 0.3 else 0.12 if q < 0.85 else 0.4
    space = rng.random() < 0.08  # some pipelines write `str(datetime)`: a space, not a T
    p.auto = AUTOMATED if rng.random() < 0.7 else ""
    p.t_proc = _fmt(processed, space)
    p.t_rev = _fmt(t_rev, space)
    t_rev2 = t_rev + timedelta(days=0.5 + 6 * rng.random())
    p.t_rev2 = _fmt(t_rev2, space) if t_rev2 < LAST_TIMESTAMP else None
    p.reviewer = REVIEWERS[int(len(REVIEWERS) * rng.random())]
    p.reviewer2 = REVIEWERS[(REVIEWERS.index(p.reviewer) + 1 + int(3 * rng.random())) % len(REVIEWERS)]
    return p


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
    p = _profile(rng, name, processed)
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
            mod_units = unit_cache[mod] = _units(rng, mod, platform)
        if mod not in present:
            present.append(mod)
        modality_dict = MODALITIES[mod]
        extra = {"figurl": figurl, "evaluated": evaluated, "labels": [u for u, _ in mod_units]}
        for fam in fams:
            if fam.per_unit:
                for label, tags in mod_units:
                    metrics.append(_metric(p, fam, modality_dict, label, tags, extra))
            else:
                metrics.append(_metric(p, fam, modality_dict, "", {}, extra))
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


# --- older layouts -----------------------------------------------------------------------------


def to_v1(doc: dict, created: datetime) -> dict:
    """Rewrite a 2.x document in the 1.x layout: evaluations (one per modality/stage/group) -> metrics.

    Curation and multi-asset metrics did not exist in 1.x and are dropped.
    """
    evaluations: dict[tuple[str, str, str], dict] = {}
    for m in doc["metrics"]:
        if m["object_type"] != "QC metric" or m["stage"] == MULTI:
            continue
        group = m["tags"].get("group", m["stage"])
        key = (m["modality"]["abbreviation"], m["stage"], group)
        ev = evaluations.get(key)
        if ev is None:
            ev = evaluations[key] = {
                "modality": m["modality"],
                "stage": m["stage"],
                "name": group,
                "description": None,
                "metrics": [],
                "tags": None,
                "notes": "",
                "allow_failed_metrics": False,
                "latest_status": PASS,
                "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ev["metrics"].append(
            {
                "name": m["name"],
                "value": m["value"],
                "status_history": [
                    {
                        "evaluator": s["evaluator"],
                        "status": s["status"],
                        "timestamp": datetime.fromisoformat(s["timestamp"]).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                    for s in m["status_history"]
                ],
                "description": m["description"],
                "reference": m["reference"],
                "evaluated_assets": None,
            }
        )
        latest = m["status_history"][-1]["status"]
        if latest == FAIL or (latest == PENDING and ev["latest_status"] == PASS):
            ev["latest_status"] = latest
    return {
        "describedBy": doc["describedBy"],
        "schema_version": "1.2.2",
        "evaluations": list(evaluations.values()),
        "notes": None,
    }


def to_v2_1(doc: dict) -> dict:
    """Rewrite a 2.x document the way aind-data-schema 2.1 stored it: tags as a list of values,
    `default_grouping` a list of tag values, and a stored `status` keyed by tag value that is
    stale (computed from the first status entries), so readers must recompute it.
    """
    metrics = []
    for m in doc["metrics"]:
        m = dict(m)
        m["tags"] = list(m["tags"].values())
        metrics.append(m)
    first = [
        {**m, "tags": {str(i): v for i, v in enumerate(m["tags"])}, "status_history": m["status_history"][:1]}
        for m in metrics
    ]
    stale = {k.split(":", 1)[1] if ":" in k else k: v for k, v in computed_status(first, []).items()}
    values = sorted({v for m in metrics for v in m["tags"]})
    return {
        **doc,
        "schema_version": "2.1.0",
        "metrics": metrics,
        "default_grouping": values,
        "allow_tag_failures": [],
        "status": stale,
    }
