"""The re-ingest race of issue 12, shared by bench/soak.py and tests/test_concurrency.py:
an asset folder whose quality_control.json a pipeline rewrites and re-ingests in a loop
while reviewers annotate the same asset, and the checks that nothing was lost.

The asset (`write_asset`): one metric per reviewer (`review NN`, alternated Pass/Pending
by that reviewer), filler metrics (the document's size: what an ingest's merge costs),
and `pipeline check`, whose status the file flips Pass/Fail at every rewrite, so every
ingest changes the asset's overall status and with it the `asset_counts` counters. Two
modalities, so the per-modality counters move too.

The checks (`check`), from the final database:

- every acknowledged annotation is in the final document: per (asset, metric,
  evaluator), the status entries that evaluator has in the metric's history, against
  the annotations acknowledged to it (`acknowledged`, `found`, `lost`);
- every version number handed out is unique per asset: the versions of the
  acknowledged annotations, and the audit log's writes against the final version (a
  new asset is version 1, each write adds one: `writes - (final_version - 1)` versions
  were handed out twice; when the audit detail records the version, those too);
- the overview counters (`asset_counts`) equal a recount over `assets` and
  `asset_modalities` (`counter_mismatches`: the keys whose counts differ).
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, literal, select, union_all

PIPELINE_METRIC = "pipeline check"
PROJECT = "Race"
WRITES = ("update", "annotate", "add_metrics")  # audit actions that each add one to an asset's version
_MODALITIES = ({"name": "Extracellular electrophysiology", "abbreviation": "ecephys"},
               {"name": "Behavior", "abbreviation": "behavior"})
_BASE = datetime(2025, 1, 1, tzinfo=UTC)


def review_metric(reviewer: int) -> str:
    """The metric reviewer number `reviewer` annotates."""
    return f"review {reviewer:02d}"


def _metric(name: str, status: str, modality: dict, timestamp: datetime, value) -> dict:
    return {"object_type": "QC metric", "name": name, "modality": modality, "stage": "Raw data", "value": value,
            "status_history": [{"evaluator": "Automated", "status": status, "timestamp": timestamp.isoformat()}],
            "tags": {"group": name.split()[0]}}


def quality_control(reviewers: int, filler: int, writer: str, iteration: int) -> dict:
    """The quality_control.json of rewrite `iteration` by `writer` (each one differs)."""
    metrics = [_metric(review_metric(i), "Pending", _MODALITIES[i % 2], _BASE, 0) for i in range(reviewers)]
    metrics += [_metric(f"filler {i:03d}", "Pass", _MODALITIES[i % 2], _BASE, i * 0.5) for i in range(filler)]
    # A new entry at every rewrite, later than the last (Pass/Fail in turn): the file's
    # history grows like a pipeline's that re-evaluates, and the asset's status flips.
    when = datetime.now(UTC)
    metrics.append(_metric(PIPELINE_METRIC, "Fail" if iteration % 2 else "Pass", _MODALITIES[0], when,
                           f"{writer} #{iteration}"))
    return {"object_type": "Quality control", "schema_version": "2.4.2", "metrics": metrics,
            "default_grouping": [["group"]], "allow_tag_failures": []}


def write_asset(folder: Path, *, reviewers: int, filler: int, writer: str = "setup", iteration: int = 0) -> None:
    """Write (or rewrite) the asset folder; each file is replaced atomically, so a
    concurrent ingest reads either the old file or the new one, never half of one."""
    folder.mkdir(parents=True, exist_ok=True)
    description = {"name": folder.name, "project_name": PROJECT, "subject_id": "700700", "data_level": "raw",
                   "modalities": list(_MODALITIES), "creation_time": _BASE.isoformat()}
    files = {"data_description.json": description,
             "acquisition.json": {"acquisition_start_time": (_BASE + timedelta(hours=1)).isoformat()},
             "quality_control.json": quality_control(reviewers, filler, writer, iteration)}
    for name, content in files.items():
        if name != "quality_control.json" and (folder / name).exists():
            continue
        scratch = folder / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        scratch.write_text(json.dumps(content))
        os.replace(scratch, folder / name)


def recount(connection) -> Counter:
    """asset_counts as the asset tables say it should be: (project, level, status,
    modality or '*', modality status, column) -> assets (column "n") or their Pending
    metrics (column "pending"); deleted assets count nowhere."""
    from portal.store.sql.tables import asset_modalities, assets

    project, level = func.coalesce(assets.c.project, ""), func.coalesce(assets.c.level, "")
    sums = (func.count(), func.sum(assets.c.n_pending))
    visible = assets.c.status != "Deleted"
    per_asset = select(project, level, assets.c.status, literal("*"), assets.c.status, *sums).where(
        visible).group_by(project, level, assets.c.status)
    per_modality = (
        select(project, level, assets.c.status, asset_modalities.c.modality, asset_modalities.c.status, *sums)
        .join(asset_modalities, asset_modalities.c.asset_id == assets.c.id).where(visible)
        .group_by(project, level, assets.c.status, asset_modalities.c.modality, asset_modalities.c.status))
    return _by_column(connection.execute(union_all(per_asset, per_modality)))


def counters(connection) -> Counter:
    """The non-zero entries of asset_counts, keyed as recount's."""
    from portal.store.sql.tables import asset_counts

    key = [asset_counts.c[name] for name in ("project", "level", "status", "modality", "modality_status")]
    return _by_column(connection.execute(select(*key, asset_counts.c.n, asset_counts.c.pending)))


def _by_column(rows) -> Counter:
    out = Counter()
    for row in rows:
        for column, value in (("n", row[5]), ("pending", row[6])):
            if value:
                out[(*row[:5], column)] = int(value)
    return out


def check(engine, acks: list[dict]) -> dict:
    """The figures of the module docstring. `acks`: one dict per acknowledged annotation
    (`asset`, `metric`, `evaluator`, `version`: what the store or the 200 answer said)."""
    from portal.store.sql.tables import assets, audit_log

    acknowledged: Counter = Counter((a["asset"], a["metric"], a["evaluator"]) for a in acks)
    figures: dict = {"acknowledged": len(acks), "found": 0, "lost": 0, "lost_by_metric": {},
                     "duplicate_versions_answered": 0, "duplicate_versions_audit": 0, "assets": {}}
    with engine.connect() as connection:
        for asset in sorted({a["asset"] for a in acks} | set(_names(connection))):
            row = connection.execute(select(assets.c.id, assets.c.version, assets.c.document)
                                     .where((assets.c.name == asset) | (assets.c.id == asset))).one()
            document = row.document if isinstance(row.document, dict) else json.loads(row.document)
            histories = {m["name"]: m.get("status_history") or []
                         for m in (document.get("quality_control") or {}).get("metrics", [])}
            for (name, metric, evaluator), n in acknowledged.items():
                if name != asset:
                    continue
                have = sum(1 for entry in histories.get(metric, []) if entry.get("evaluator") == evaluator)
                figures["found"] += min(n, have)
                if have < n:
                    figures["lost"] += n - have
                    figures["lost_by_metric"][f"{asset} / {metric}"] = n - have
            answered = Counter(a["version"] for a in acks if a["asset"] == asset)
            twice_answered = sum(n - 1 for n in answered.values() if n > 1)
            audit = connection.execute(select(audit_log.c.action, audit_log.c.detail)
                                       .where(audit_log.c.asset_id == row.id)).all()
            writes = [detail for action, detail in audit if action in WRITES]
            recorded = Counter(_detail(d).get("version") for d in writes if _detail(d).get("version") is not None)
            twice_audited = max(len(writes) - (row.version - 1), sum(n - 1 for n in recorded.values() if n > 1))
            figures["duplicate_versions_answered"] += twice_answered
            figures["duplicate_versions_audit"] += twice_audited
            figures["assets"][asset] = {"final_version": row.version, "writes_audited": len(writes),
                                        "annotations_audited": sum(1 for action, _ in audit if action == "annotate"),
                                        "duplicate_versions_answered": twice_answered,
                                        "duplicate_versions_audit": twice_audited}
        expected, stored = recount(connection), counters(connection)
    wrong = sorted(key for key in set(expected) | set(stored) if expected[key] != stored[key])
    figures["duplicate_versions"] = max(figures["duplicate_versions_answered"], figures["duplicate_versions_audit"])
    figures["counter_mismatches"] = len(wrong)
    figures["counter_examples"] = [{"key": list(key), "asset_counts": stored[key], "recount": expected[key]}
                                   for key in wrong[:10]]
    figures["ok"] = not (figures["lost"] or figures["duplicate_versions"] or wrong)
    return figures


def _names(connection) -> list[str]:
    from portal.store.sql.tables import assets

    return list(connection.execute(select(assets.c.name).where(assets.c.project == PROJECT)).scalars())


def _detail(detail) -> dict:
    value = json.loads(detail) if isinstance(detail, str) else detail
    return value if isinstance(value, dict) else {}


def summary_line(figures: dict) -> str:
    """The check's figures in one line."""
    return (f"acknowledged {figures['acknowledged']}, found {figures['found']}, lost {figures['lost']}, "
            f"duplicate versions {figures['duplicate_versions']} (answers {figures['duplicate_versions_answered']}, "
            f"audit {figures['duplicate_versions_audit']}), counter mismatches {figures['counter_mismatches']}")
