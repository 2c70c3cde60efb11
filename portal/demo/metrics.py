"""Generated QC metrics for the bulk stream: the values and histories of one asset.

- `asset_profile(rng, name, processed)` makes the per-asset decisions every metric
  shares (reviewed or not; clean, typical or bad; who reviewed and when);
- `draw_units(rng, modality, platform)` picks the units (probes, planes, ...);
- `build_metric(profile, family, ...)` makes one metric of a catalog family: a value
  consistent with its status (numbers, strings, lists, tables, dropdowns,
  checkboxes, curations) and its status history.

Written for speed (few RNG calls per metric, strings formatted once per asset):
see `portal.demo.bulk`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from portal.demo.catalog import CATALOG, Family
from portal.demo.documents import AUTOMATED, FAIL, LAST_TIMESTAMP, MULTI, PASS, PENDING, REVIEWERS, SPAN_END, Platform


class Profile:
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


def _fmt(dt: datetime, space: bool) -> str:
    return str(dt) if space else dt.isoformat()


def asset_profile(rng: random.Random, name: str, processed: datetime) -> Profile:
    """The decisions shared by all metrics of an asset processed at `processed`.

    Older assets are more often reviewed; reviews never fall after LAST_TIMESTAMP.
    """
    p = Profile()
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


def _pick_weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights)[0]


def draw_units(rng: random.Random, modality: str, platform: Platform) -> list[tuple[str, dict]]:
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


def _value(p: Profile, fam: Family, fail: bool):
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


def _table(p: Profile, kind: str, labels: list[str], fail: bool) -> dict:
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


def _manual_value(p: Profile, fam: Family, fail: bool):
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


def build_metric(p: Profile, fam: Family, modality: dict, label: str, tags: dict, extra: dict) -> dict:
    """One metric of `fam` for the asset of `p`: value, status history, reference, tags.

    `label` and `tags` name the unit ("" and {} for an asset-level metric); `extra` holds
    the figurl link maker, the evaluated assets and the unit labels (table rows).
    """
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
