"""The reference parser: every kind, `a;b` pairs, and names that fool substring guessing."""

from __future__ import annotations

import pytest

from portal.demo import build_records
from portal.references import parse
from portal.references.parse import is_reference

NEUROGLANCER_WITH_SEMICOLONS = (
    'https://neuroglancer-demo.appspot.com/#!{"layers":[{"type":"image","source":"zarr://s3://b/x.zarr",'
    '"shader":"void main() { emitGrayscale(toNormalized(getDataValue())); }"}],"layout":"4panel"}'
)
FIGURL_SORTINGVIEW = (
    "https://figurl.org/f?v=npm://@fi-sci/figurl-sortingview@12/dist&d=sha1://4e60ff1b&label=ProbeA%20-%20x.png"
)


def kinds(reference):
    return [ref.kind for ref in parse(reference)]


@pytest.mark.parametrize(
    ("reference", "kind"),
    [
        ("qc/drift.png", "image"),
        ("qc/frame.JPG", "image"),
        ("qc/frame.jpeg", "image"),
        ("qc/eye.gif", "image"),
        ("qc/Plane 0/fov.webp", "image"),
        ("qc/psd.svg", "svg"),
        ("qc/report.pdf", "pdf"),
        ("qc/videos/FaceCamera.mp4", "video"),
        ("qc/videos/BodyCamera.webm", "video"),
        ("qc/lick_raster.vl.json", "vega"),
        ("qc/chart.vega-lite.json", "vega"),
        ("qc/chart.altair.json", "vega"),
        ("qc/reward_rate.plotly.json", "plotly"),
        ("qc/anything.json", "json"),
        ("qc/pose_v0.22.1.rrd", "rerun"),
        ("qc/pose.rrd", "rerun"),
        ("qc/ProbeA.zarr", "zarr"),
        ("qc/ProbeA.ome.zarr/0/", "zarr"),
        ("qc/table.csv", "file"),
        ("https://neuroglancer-demo.appspot.com/#!{}", "neuroglancer"),
        ("https://figurl.org/f?v=gs://figurl/spikesortingview-10&d=sha1://abc", "figurl"),
        (FIGURL_SORTINGVIEW, "sortingview"),
        ("https://sortingview.vercel.app/?x=1", "sortingview"),
        ("https://example.org/figure.png?sig=abc", "image"),
        ("https://example.org/page", "link"),
        ("https://example.org/page.html#figure.png", "link"),  # the fragment never decides
        ("s3://bucket/prefix/qc/a.png", "image"),
        ("sha1://4e60ff1b?label=traces.png", "image"),
        ("sha1://4e60ff1b", "file"),
    ],
)
def test_kind_of_each_reference(reference, kind):
    (ref,) = parse(reference)
    assert ref.kind == kind
    assert ref.target == reference


@pytest.mark.parametrize(
    ("reference", "kind"),
    [
        ("figures/shank0_sha.png", "image"),  # "sha" is not kachery
        ("probes3.png", "image"),  # "s3" is not S3
        ("http_notes.svg", "svg"),  # "http" is not a URL
        ("figurl_summary.png", "image"),
        ("neuroglancer.pdf", "pdf"),
        ("mp4_frames.png", "image"),
        ("plotly.png", "image"),
        ("data.json.png", "image"),
    ],
)
def test_tricky_names_are_files_of_their_extension(reference, kind):
    (ref,) = parse(reference)
    assert ref.kind == kind and ref.relative and ref.scheme == ""


def test_rerun_version_from_the_file_name():
    assert parse("qc/pose_v0.22.1.rrd")[0].version == "0.22.1"
    assert parse("https://x.org/rec_v1.2.3-alpha.1.rrd")[0].version == "1.2.3-alpha.1"
    assert parse("qc/pose.rrd")[0].version is None
    assert parse("qc/v0.22.1.rrd")[0].version is None  # needs `name_vX.Y.Z`


def test_swipe_pair_splits_into_two_references():
    refs = parse("qc/Record Node 101#ProbeA/drift_raw.png;qc/Record Node 101#ProbeA/drift_corrected.png")
    assert [r.kind for r in refs] == ["image", "image"]
    assert refs[0].target == "qc/Record Node 101#ProbeA/drift_raw.png"
    assert refs[1].name == "drift_corrected.png"


def test_pair_parts_are_stripped_and_may_mix_urls_and_paths():
    refs = parse("  https://example.org/a.png ; qc/b.png ")
    assert [(r.kind, r.target) for r in refs] == [("image", "https://example.org/a.png"), ("image", "qc/b.png")]


def test_neuroglancer_url_keeps_the_semicolons_of_its_fragment():
    refs = parse(NEUROGLANCER_WITH_SEMICOLONS)
    assert len(refs) == 1
    assert refs[0].kind == "neuroglancer" and refs[0].target == NEUROGLANCER_WITH_SEMICOLONS


def test_neuroglancer_url_paired_with_an_image():
    refs = parse(NEUROGLANCER_WITH_SEMICOLONS + ";qc/overview.png")
    assert [r.kind for r in refs] == ["neuroglancer", "image"]
    assert refs[0].target == NEUROGLANCER_WITH_SEMICOLONS


def test_a_semicolon_that_does_not_separate_references_stays():
    assert kinds("notes; see the figure") == ["file"]
    assert len(parse("qc/a.png;")) == 1
    assert len(parse(";qc/a.png")) == 1


@pytest.mark.parametrize("value", [None, "", "   ", 3, ["qc/a.png"], {"a": 1}])
def test_no_reference(value):
    assert parse(value) == []


def test_many_semicolons_parse_quickly():
    text = "https://neuroglancer-demo.appspot.com/#!" + ";x" * 2000
    (ref,) = parse(text)
    assert ref.kind == "neuroglancer"


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        ("qc/a.png", True),
        ("a", False),
        ('x"}', False),
        ("https://h/x", True),
        ("https://", False),
        ("s3://bucket/key.png", True),
        ("sha1://abc", True),
        ("/etc/passwd", False),
        ("ftp://h/a.png", False),
    ],
)
def test_is_reference(part, expected):
    assert is_reference(part) is expected


def test_every_demo_reference_parses_to_a_known_kind():
    seen = set()
    for record in build_records(20):
        qc = record.get("quality_control") or {}
        metrics = qc.get("metrics") or [m for e in qc.get("evaluations") or [] for m in e["metrics"]]
        for metric in metrics:
            for ref in parse(metric.get("reference")):
                seen.add(ref.kind)
    assert {"image", "svg", "pdf", "video", "vega", "plotly", "rerun", "neuroglancer", "sortingview"} <= seen
