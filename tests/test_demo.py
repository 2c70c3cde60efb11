"""The demo data generator: records (determinism, schema validity, realism, showcase) and
the asset folders written to disk (files exist, decode, are hard-linked, idempotence)."""

from __future__ import annotations

import copy
import errno
import itertools
import json
import os
import re
import statistics
import subprocess
import time
import uuid
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from aind_data_schema.core.quality_control import QualityControl
from aind_data_schema_models.modalities import Modality
from PIL import Image

from portal.demo import SHOWCASE_SIZE, build_records, figures, local_references, read_manifest, write_demo
from portal.demo.write import MANIFEST

RAW_NAME = re.compile(r"^[A-Za-z0-9-]+_\d{6}_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$")
DERIVED_NAME = re.compile(r"^(?P<raw>.+)_(sorted|processed)_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$")
KNOWN_MODALITIES = {m().abbreviation: m().name for m in Modality.ALL}


def metrics_of(qc: dict | None) -> list[dict]:
    """Metrics of a 2.x document, or of every evaluation of a 1.x one."""
    if not qc:
        return []
    if "metrics" in qc:
        return qc["metrics"]
    return [m for ev in qc["evaluations"] for m in ev["metrics"]]


def validate(qc: dict) -> QualityControl:
    # A copy: the schema's "before" validators rewrite 2.1 list tags *in the input dict*.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 2.1 list tags are converted with a warning
        return QualityControl.model_validate(copy.deepcopy(qc))


def parse_ts(value: str) -> datetime:
    dt = datetime.fromisoformat(value)
    assert dt.tzinfo is not None and dt.utcoffset().total_seconds() == 0, value
    return dt


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(build_records(400, seed=7))


@pytest.fixture(scope="module")
def showcase(records) -> list[dict]:
    return records[:SHOWCASE_SIZE]


# --- build_records ----------------------------------------------------------------------------


def test_deterministic_for_a_seed():
    assert list(build_records(120, seed=3)) == list(build_records(120, seed=3))


def test_seed_changes_bulk_but_not_showcase():
    a, b = list(build_records(60, seed=1)), list(build_records(60, seed=2))
    assert a[:SHOWCASE_SIZE] == b[:SHOWCASE_SIZE]
    assert [r["name"] for r in a[SHOWCASE_SIZE:]] != [r["name"] for r in b[SHOWCASE_SIZE:]]


@pytest.mark.parametrize("n", [0, 1, 5, SHOWCASE_SIZE, SHOWCASE_SIZE + 1, 77])
def test_yields_exactly_n(n):
    assert sum(1 for _ in build_records(n)) == n


def test_is_lazy():
    start = time.perf_counter()
    first = list(itertools.islice(build_records(10**9), SHOWCASE_SIZE + 5))
    assert len(first) == SHOWCASE_SIZE + 5
    assert time.perf_counter() - start < 5


def test_record_shape(records):
    names = [r["name"] for r in records]
    assert len(set(names)) == len(names)
    for r in records:
        assert set(r) >= {
            "_id",
            "name",
            "location",
            "data_description",
            "subject",
            "acquisition",
            "_created",
            "_last_modified",
        }
        assert str(uuid.UUID(r["_id"])) == r["_id"]
        assert r["location"] is None
        dd = r["data_description"]
        assert dd["name"] == r["name"]
        assert dd["data_level"] in ("raw", "derived")
        assert dd["subject_id"] == r["subject"]["subject_id"] == r["acquisition"]["subject_id"]
        assert re.fullmatch(r"\d{6}", r["subject"]["subject_id"])
        assert dd["modalities"]
        for m in dd["modalities"]:
            assert KNOWN_MODALITIES[m["abbreviation"]] == m["name"]
        parse_ts(r["acquisition"]["acquisition_start_time"])
        pattern = RAW_NAME if dd["data_level"] == "raw" else DERIVED_NAME
        assert pattern.match(r["name"]), r["name"]
        assert r["_created"].endswith("Z") and r["_last_modified"] >= r["_created"]


def test_derived_assets_name_an_earlier_raw_asset():
    seen: dict[str, dict] = {}
    derived = 0
    for r in build_records(1500, seed=9):
        dd = r["data_description"]
        if dd["data_level"] == "derived":
            derived += 1
            (source,) = dd["source_data"]
            assert source in seen, source
            assert seen[source]["data_description"]["data_level"] == "raw"
            assert DERIVED_NAME.match(r["name"]).group("raw") == source
            assert r["subject"]["subject_id"] == seen[source]["subject"]["subject_id"]
        seen[r["name"]] = r
    assert derived > 300


def test_quality_control_documents_validate(records):
    v2 = v1 = 0
    for r in records:
        qc = r.get("quality_control")
        if qc is None:
            continue
        for m in metrics_of(qc):
            assert m["status_history"], (r["name"], m["name"])  # an empty history crashes the schema
            for entry in m["status_history"]:
                parse_ts(entry["timestamp"])
        if "evaluations" in qc:
            v1 += 1
            assert qc["schema_version"].startswith("1.")
            assert all(ev["metrics"] for ev in qc["evaluations"])
            continue
        v2 += 1
        model = validate(qc)
        assert 5 <= len(model.metrics) <= 200
        if qc["schema_version"] == "2.4.2":  # the stored status is what the schema computes
            computed = {getattr(k, "value", k): v.value for k, v in model.status.items()}
            assert qc["status"] == computed, r["name"]
    assert v2 > 300 and v1 >= 3


def test_realistic_mix(records):
    projects = Counter(r["data_description"]["project_name"] for r in records)
    modalities = Counter(m["abbreviation"] for r in records for m in r["data_description"]["modalities"])
    assert len(projects) >= 5
    assert {"ecephys", "behavior", "behavior-videos", "pophys", "SPIM", "fib"} <= set(modalities)
    subjects = Counter(r["subject"]["subject_id"] for r in records)
    assert max(subjects.values()) >= 4  # subjects come back for several sessions
    times = sorted(parse_ts(r["acquisition"]["acquisition_start_time"]) for r in records)
    assert (times[-1] - times[0]).days > 450  # ~18 months
    statuses = Counter(m["status_history"][-1]["status"] for r in records for m in metrics_of(r.get("quality_control")))
    total = sum(statuses.values())
    assert statuses["Pass"] / total > 0.6
    assert 0.08 < statuses["Pending"] / total < 0.25
    assert 0.03 < statuses["Fail"] / total < 0.12
    counts = [len(metrics_of(r.get("quality_control"))) for r in records if r.get("quality_control")]
    assert 10 <= statistics.median(counts) <= 40
    assert max(counts) >= 150
    assert sum(1 for r in records if "quality_control" not in r) >= 3
    fully_pass = [
        r
        for r in records
        if r.get("quality_control")
        and all(m["status_history"][-1]["status"] == "Pass" for m in metrics_of(r["quality_control"]))
    ]
    assert len(fully_pass) >= 10


# --- showcase coverage ------------------------------------------------------------------------


def _value_kinds(metric: dict) -> set[str]:
    v = metric["value"]
    if metric.get("object_type") == "Curation metric":
        return {"curation"}
    if isinstance(v, bool):
        return {"bool"}
    if isinstance(v, int | float):
        return {"number", "zero"} if v == 0 else {"number"}
    if isinstance(v, str):
        return {"string"}
    if isinstance(v, list):
        return {"list"} if v and all(isinstance(x, int | float | str) for x in v) else set()
    if isinstance(v, dict):
        if v.get("type") == "dropdown":
            return {"dropdown chosen" if v["value"] else "dropdown pending"}
        if v.get("type") == "checkbox":
            return {"checkbox chosen" if v["value"] else "checkbox pending"}
        columns = [c for c in v.values() if isinstance(c, list)]
        if "index" in v and len(columns) == len(v) and len({len(c) for c in columns}) == 1:
            return {"table"}
    return set()


def _reference_kinds(ref: str | None) -> set[str]:
    if not ref:
        return {"none"}
    kinds = set()
    parts = ref.split(";")
    if len(parts) == 2 and all(p.endswith(".png") for p in parts):
        kinds.add("swipe png;png")
    for part in parts:
        lower = part.lower()
        if lower.startswith("https://neuroglancer"):
            kinds.add("neuroglancer")
        elif lower.startswith("https://figurl.org/"):
            kinds.add("figurl")
        elif lower.endswith(".vl.json"):
            kinds.add("vega-lite")
        elif lower.endswith(".plotly.json"):
            kinds.add("plotly")
        elif re.search(r"_v\d+\.\d+\.\d+\.rrd$", lower):
            kinds.add("rrd")
        else:
            kinds.add(lower.rsplit(".", 1)[-1].replace("jpeg", "jpg"))
        if " " in part and "#" in part and "://" not in part:
            kinds.add("space and #")
    return kinds


def test_showcase_has_every_value_kind(showcase):
    kinds = set().union(*(_value_kinds(m) for r in showcase for m in metrics_of(r.get("quality_control"))))
    assert kinds >= {
        "number",
        "zero",
        "string",
        "bool",
        "list",
        "table",
        "dropdown chosen",
        "dropdown pending",
        "checkbox chosen",
        "checkbox pending",
        "curation",
    }


def test_showcase_has_every_reference_kind(showcase):
    kinds = set().union(
        *(_reference_kinds(m["reference"]) for r in showcase for m in metrics_of(r.get("quality_control")))
    )
    assert kinds >= {
        "png",
        "jpg",
        "gif",
        "webp",
        "svg",
        "pdf",
        "mp4",
        "webm",
        "vega-lite",
        "plotly",
        "rrd",
        "neuroglancer",
        "figurl",
        "swipe png;png",
        "space and #",
        "none",
    }


def test_showcase_special_documents(showcase):
    names = {r["name"] for r in showcase}
    curation = [
        m for r in showcase for m in metrics_of(r.get("quality_control")) if m.get("object_type") == "Curation metric"
    ]
    assert any(
        m["curation_history"] and {"curator", "timestamp"} <= set(m["curation_history"][0]) and m["type"]
        for m in curation
    )
    multi = [m for r in showcase for m in metrics_of(r.get("quality_control")) if m.get("stage") == "Multi-asset"]
    assert multi and all(set(m["evaluated_assets"]) <= names for m in multi)

    allowed = [r["quality_control"] for r in showcase if (r.get("quality_control") or {}).get("allow_tag_failures")]
    assert allowed
    for qc in allowed:
        model = validate(qc)
        failing = [
            m
            for m in model.metrics
            if m.status.status == "Fail"
            and any(f"{k}:{v}" in qc["allow_tag_failures"] or v in qc["allow_tag_failures"] for k, v in m.tags.items())
        ]
        assert failing  # a Fail under an allowed tag, which the schema counts as Pass
        for m in failing:
            assert (
                model.evaluate_status(
                    tag=[
                        f"{k}:{v}"
                        for k, v in m.tags.items()
                        if f"{k}:{v}" in qc["allow_tag_failures"] or v in qc["allow_tag_failures"]
                    ]
                )
                != "Fail"
            )

    layouts = Counter((r.get("quality_control") or {}).get("schema_version") for r in showcase)
    assert layouts["1.2.2"] >= 2 and layouts["2.1.0"] == 1 and None in layouts  # None: an asset without QC
    v21 = next(
        r["quality_control"] for r in showcase if (r.get("quality_control") or {}).get("schema_version") == "2.1.0"
    )
    assert all(isinstance(m["tags"], list) for m in v21["metrics"])

    histories = Counter(len(m["status_history"]) for r in showcase for m in metrics_of(r.get("quality_control")))
    assert {1, 2, 3} <= set(histories)
    entries = [e for r in showcase for m in metrics_of(r.get("quality_control")) for e in m["status_history"]]
    assert any(e["evaluator"] == "" for e in entries)
    assert any(e["evaluator"] == "Automated" for e in entries)
    assert any(" " in e["timestamp"] and "T" not in e["timestamp"] for e in entries)
    assert any(
        "[Sortingview link](https://figurl.org/" in (m["description"] or "")
        for r in showcase
        for m in metrics_of(r.get("quality_control"))
    )
    assert any(
        isinstance(g, list) and len(g) == 1
        for r in showcase
        for g in (r.get("quality_control") or {}).get("default_grouping", [])
    )
    assert any(
        r.get("quality_control")
        and all(m["status_history"][-1]["status"] == "Pass" for m in metrics_of(r["quality_control"]))
        for r in showcase
    )


def test_showcase_fits_in_twenty():
    assert SHOWCASE_SIZE <= 20


# --- figures -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "prefix"),
    [
        ("qc/Record Node 101#ProbeA/traces.png", "traces-"),
        ("qc/ProbeB_drift_map.png", "drift_map-"),
        ("qc/Record Node 101#ProbeA/drift_map_raw.png", "drift_map-"),
        ("qc/Plane 0_fov.webp", "fov-"),
        ("qc/lick_raster.vl.json", "lick_raster.vl.json"),
        ("qc/reward_rate.plotly.json", "reward_rate.plotly.json"),
        ("qc/pose_v0.22.1.rrd", "recording.rrd"),
        ("qc/something_new.png", "generic-"),
    ],
)
def test_pool_name(reference, prefix):
    name = figures.pool_name(reference, "asset")
    assert name.startswith(prefix)
    assert name == figures.pool_name(reference, "asset")


def test_pool_name_rejects_unknown_kinds():
    with pytest.raises(ValueError):
        figures.pool_name("qc/data.zarr", "asset")


# --- write_demo -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, list[int]]:
    calls: list[int] = []
    folder = write_demo(tmp_path_factory.mktemp("data"), 30, seed=7, progress=calls.append)
    return folder, calls


def _asset_folders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def test_writes_one_folder_per_record(demo):
    folder, calls = demo
    assert folder.name == "demo-assets"
    assert calls == list(range(1, 31))
    recs = {r["name"]: r for r in build_records(30, seed=7)}
    assert {p.name for p in _asset_folders(folder)} == set(recs)
    for name, rec in recs.items():
        asset = folder / name
        for filename, key in (
            ("data_description.json", "data_description"),
            ("subject.json", "subject"),
            ("acquisition.json", "acquisition"),
            ("quality_control.json", "quality_control"),
        ):
            path = asset / filename
            if key in rec:
                assert json.loads(path.read_text()) == rec[key]
            else:
                assert not path.exists()
    manifest = read_manifest(folder)
    assert manifest["n_assets"] == 30 and manifest["seed"] == 7 and manifest["assets"] == 30


def test_every_relative_reference_is_a_file(demo):
    folder, _ = demo
    checked = 0
    for asset in _asset_folders(folder):
        qc_path = asset / "quality_control.json"
        if not qc_path.exists():
            continue
        for ref in local_references(json.loads(qc_path.read_text())):
            path = asset / ref
            assert path.is_file() and not path.is_symlink(), f"{asset.name}: {ref}"
            assert path.resolve().is_relative_to(asset.resolve())
            assert path.stat().st_size > 0
            checked += 1
    assert checked > 50


def test_no_symlinks_anywhere(demo):
    folder, _ = demo
    assert not [p for p in folder.rglob("*") if p.is_symlink()]


def test_reference_files_are_hard_links_into_the_pool(demo):
    folder, _ = demo
    pool = {p.stat().st_ino for p in (folder / ".pool").iterdir()}
    png = next(folder.glob("*/qc/Record Node 101#ProbeA/traces.png"))
    assert png.stat().st_ino in pool and png.stat().st_nlink >= 2


def _files(folder: Path, *suffixes: str) -> list[Path]:
    return [
        p for p in folder.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes) and ".pool" not in p.parts
    ]


def test_images_decode(demo):
    folder, _ = demo
    formats = Counter()
    for path in _files(folder, ".png", ".jpg", ".jpeg", ".gif", ".webp"):
        with Image.open(path) as img:
            img.load()
            assert img.width > 0 and img.height > 0
            formats[img.format] += 1
    assert {"PNG", "JPEG", "GIF", "WEBP"} <= set(formats)


def test_svg_and_pdf_are_real(demo):
    folder, _ = demo
    svgs = _files(folder, ".svg")
    assert svgs
    for svg in svgs:
        assert ET.parse(svg).getroot().tag.endswith("svg")
    pdfs = _files(folder, ".pdf")
    assert pdfs and all(p.read_bytes().startswith(b"%PDF-") and b"%%EOF" in p.read_bytes()[-32:] for p in pdfs)


def test_videos_have_the_right_container_and_codec(demo):
    folder, _ = demo
    (mp4,) = _files(folder, ".mp4")
    (webm,) = _files(folder, ".webm")
    assert mp4.read_bytes()[4:8] == b"ftyp"
    assert webm.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    for path, codec in ((mp4, "h264"), (webm, "vp9")):
        info = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
        ).stderr
        assert f"Video: {codec}" in info and "yuv420p" in info


def test_viewer_specs_load(demo):
    import plotly.io as pio

    folder, _ = demo
    (plotly_json,) = _files(folder, ".plotly.json")
    fig = pio.from_json(plotly_json.read_text())
    assert fig.data
    (vl,) = _files(folder, ".vl.json")
    spec = json.loads(vl.read_text())
    assert "vega-lite" in spec["$schema"] and spec["data"]["values"]
    (rrd,) = _files(folder, ".rrd")
    assert re.search(r"_v\d+\.\d+\.\d+\.rrd$", rrd.name)


def test_rerun_is_a_no_op(demo):
    folder, _ = demo
    manifest = folder / MANIFEST
    before = (folder.stat().st_mtime_ns, manifest.stat().st_mtime_ns)
    calls: list[int] = []
    assert write_demo(folder.parent, 30, seed=7, progress=calls.append) == folder
    assert calls == []
    assert (folder.stat().st_mtime_ns, manifest.stat().st_mtime_ns) == before


def test_other_parameters_rebuild_and_clean_up(tmp_path):
    folder = write_demo(tmp_path, 18, seed=7)
    (tmp_path / ".demo-assets.partial-424242").mkdir()  # left behind by a crashed run
    folder = write_demo(tmp_path, 16, seed=8)
    assert len(_asset_folders(folder)) == 16
    assert read_manifest(folder)["seed"] == 8
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".demo-assets.lock") == ["demo-assets"]


def test_interrupted_run_leaves_no_manifest(tmp_path):
    def boom(k: int) -> None:
        if k == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_demo(tmp_path, 10, progress=boom)
    assert read_manifest(tmp_path / "demo-assets") is None
    folder = write_demo(tmp_path, 10)
    assert len(_asset_folders(folder)) == 10
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
    assert os.listdir(folder / ".pool")


def test_too_many_links_start_a_fresh_pool_copy(tmp_path, monkeypatch):
    real_link = os.link
    refused: list[str] = []

    def link(src, dst, *args, **kwargs):
        # ext4 refuses a 65 001st link to one inode; simulate it once per pool file.
        if ".pool" in str(src) and not re.search(r"\.\d+$", str(src)) and str(src) not in refused:
            refused.append(str(src))
            raise OSError(errno.EMLINK, "Too many links")
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)
    folder = write_demo(tmp_path, 16)
    assert refused
    fresh = [p for p in (folder / ".pool").iterdir() if re.search(r"\.\d+$", p.name)]
    assert len(fresh) == len(refused) and all(p.stat().st_nlink >= 2 for p in fresh)
    png = next(folder.glob("*/qc/Record Node 101#ProbeA/traces.png"))
    assert png.stat().st_nlink >= 2


def test_copies_where_hard_links_are_impossible(tmp_path, monkeypatch):
    def no_link(src, dst, *args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    folder = write_demo(tmp_path, 16)
    png = next(folder.glob("*/qc/Record Node 101#ProbeA/traces.png"))
    assert png.stat().st_nlink == 1 and png.stat().st_size > 0
