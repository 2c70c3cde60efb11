"""References as pipelines write them: URL-encoded links with `{derived_asset_location}` /
`{raw_asset_location}` placeholders, and `__empty__N` ("no reference"); unit and asset page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from portal import create_app
from portal.references import AssetLocation, ReferenceResolvers, parse
from portal.references.parse import FILE, LINK
from portal.references.placeholders import ReferenceContext, reference_context
from portal.settings import load_settings
from tests.records import metric, record
from tests.walk import iter_tree

GUI = "ephys.allenneuraldynamics.org"
# As the ephys pipeline writes it: `urllib.parse.quote(url)` of a URL with placeholders.
ENCODED = (
    f"https%3A//{GUI}/ephys_gui_app%3Fanalyzer_path%3D%7Bderived_asset_location%7D/postprocessed/"
    "experiment1_Record%20Node%20101%23Neuropix-PXI-100.ProbeA-AP_recording1.zarr%26recording_path%3D"
    "%7Braw_asset_location%7D/ecephys/ecephys_compressed/experiment1_Record%20Node%20101%23Neuropix-PXI-100.ProbeA-AP.zarr"
)
# The spelling with `?`, `=` and `&` left as they are.
HALF_ENCODED = (
    f"https%3A//{GUI}/ephys_gui_app?analyzer_path=%7Bderived_asset_location%7D/postprocessed/"
    "experiment1_Record%20Node%20104%23Neuropix-PXI-100.ProbeA.zarr&recording_path=%7Braw_asset_location%7D/ecephys/"
    "ecephys_compressed/experiment1_Record%20Node%20104%23Neuropix-PXI-100.ProbeA.zarr"
)
CONTEXT = ReferenceContext("s3://aind-open-data/ecephys_1_sorted", "s3://aind-open-data/ecephys_1")


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize("written", [ENCODED, HALF_ENCODED])
def test_an_encoded_gui_link_is_decoded_and_its_placeholders_filled(written):
    (ref,) = parse(written, CONTEXT)
    assert ref.kind == LINK and ref.web and ref.problem is None
    assert ref.written == written
    parts = urlsplit(ref.target)
    assert (parts.scheme, parts.hostname, parts.path, parts.fragment) == ("https", GUI, "/ephys_gui_app", "")
    query = _query(ref.target)
    # The `#` and spaces of the probe's file name are data, not a fragment: still there, encoded.
    node = "104" if written is HALF_ENCODED else "101"
    assert query["analyzer_path"].startswith(
        f"s3://aind-open-data/ecephys_1_sorted/postprocessed/experiment1_Record Node {node}#Neuropix-PXI-100.ProbeA")
    assert query["recording_path"].startswith(
        f"s3://aind-open-data/ecephys_1/ecephys/ecephys_compressed/experiment1_Record Node {node}#Neuropix")
    assert "#" not in ref.target and " " not in ref.target


def test_placeholders_in_a_plain_url_are_filled_with_encoded_values():
    (ref,) = parse(f"https://{GUI}/app?path={{derived_asset_location}}/x.zarr", ReferenceContext("/data/my assets/a"))
    assert ref.target == f"https://{GUI}/app?path=/data/my%20assets/a/x.zarr" and ref.problem is None


def test_a_placeholder_that_cannot_be_filled_is_a_problem_shown_instead_of_the_viewer():
    (ref,) = parse(ENCODED, ReferenceContext("s3://b/derived", None))
    assert ref.problem == "cannot fill {raw_asset_location}: the raw asset's location is not known"
    (bare,) = parse(ENCODED)
    assert bare.problem == "cannot fill {derived_asset_location}: no asset to fill it from"
    resolved = ReferenceResolvers().resolve(AssetLocation("a", "s3://b/derived"), ref)
    assert resolved.url is None and resolved.error == ref.problem


def test_other_braces_are_left_alone():
    url = 'https://neuroglancer-demo.appspot.com/#!{"layers":[{"source":"zarr://s3://b/x.zarr"}]}'
    (ref,) = parse(url, CONTEXT)
    assert ref.target == url and ref.kind == "neuroglancer" and ref.problem is None


@pytest.mark.parametrize("written", ["__empty__", "__empty__3", "__empty__12", "  __empty__0 "])
def test_empty_placeholders_name_no_reference(written):
    assert parse(written) == []


def test_empty_placeholders_beside_a_reference_and_look_alikes():
    assert [r.target for r in parse("qc/a.png;__empty__2")] == ["qc/a.png"]
    assert [r.kind for r in parse("__empty__x")] == [FILE]  # not the placeholder: a (missing) file
    assert [r.kind for r in parse("__empty__.png")] == ["image"]


def test_encoded_urls_split_at_semicolons_like_any_reference():
    refs = parse(f"qc/a.png;{ENCODED}", CONTEXT)
    assert [r.kind for r in refs] == ["image", LINK]


def test_the_raw_location_is_looked_up_once_and_only_when_asked(settings):
    calls = []

    class Store:
        def get(self, key):
            calls.append(key)
            return self.raw if key == "ecephys_1" else None

    store = Store()
    app = create_app(settings)
    real = app.server.extensions["qc_portal"].store
    real.upsert_many([
        {**record("ecephys_1", level="raw"), "location": "s3://b/ecephys_1"},
        {**record("sorted_1", level="derived", source=["ecephys_1"]), "location": "s3://b/sorted_1"},
        {**record("orphan", level="derived", source=["gone"]), "location": "s3://b/orphan"},
    ])
    store.raw = real.get("ecephys_1")
    context = reference_context(store, real.get("sorted_1"))
    assert context.lookup("derived_asset_location") == ("s3://b/sorted_1", None)
    assert calls == []
    assert context.lookup("raw_asset_location") == ("s3://b/ecephys_1", None)
    assert context.lookup("raw_asset_location") == ("s3://b/ecephys_1", None)
    assert calls == ["ecephys_1"]
    raw_context = reference_context(store, store.raw)  # a raw asset is its own raw source
    assert raw_context.lookup("raw_asset_location") == ("s3://b/ecephys_1", None)
    orphan = reference_context(real, real.get("orphan"))
    assert orphan.lookup("raw_asset_location") == (None, "its raw asset gone is not in the portal")


# -- the asset page ---------------------------------------------------------------------------------


def _app(tmp_path, *, frame_gui: bool):
    hosts = f"neuroglancer-demo.appspot.com,{GUI}" if frame_gui else "neuroglancer-demo.appspot.com"
    app = create_app(load_settings(data_dir=tmp_path / "data", secret_key="test-secret", iframe_hosts=hosts))
    app.server.extensions["qc_portal"].store.upsert_many([
        {**record("ecephys_1", level="raw"), "location": "s3://aind-open-data/ecephys_1"},
        {**record("ecephys_1_sorted", level="derived", source=["ecephys_1"], metrics=[
            metric("Sorting curation", "Pending", reference=ENCODED),
            metric("Unit yield", "Pass", reference="__empty__3"),
            metric("Drift", "Pass", reference="__empty__"),
        ]), "location": "s3://aind-open-data/ecephys_1_sorted"},
    ])
    return app


def _page(app, name="ecephys_1_sorted"):
    from callbacks.asset.page import layout

    with app.server.test_request_context(f"/asset/{name}"):
        return layout(name=name, group="none")


def _nodes(tree, component: str) -> list:
    return [n for n in iter_tree(tree) if type(n).__name__ == component]


def test_the_asset_page_embeds_the_filled_gui_link_and_shows_nothing_for_empty(tmp_path):
    tree = _page(_app(tmp_path, frame_gui=True))
    (frame,) = _nodes(tree, "Iframe")
    query = _query(frame.src)
    assert urlsplit(frame.src).hostname == GUI
    assert query["analyzer_path"].startswith("s3://aind-open-data/ecephys_1_sorted/postprocessed/")
    assert query["recording_path"].startswith("s3://aind-open-data/ecephys_1/ecephys/")
    missing = [n for n in iter_tree(tree) if "ref-missing" in str(getattr(n, "className", "") or "")]
    assert missing == []  # no "reference not found" for __empty__3 / __empty__
    cards = {n.__dict__["data-metric"] for n in iter_tree(tree) if "data-metric" in getattr(n, "__dict__", {})}
    assert {"Sorting curation", "Unit yield", "Drift"} <= cards


def test_the_gui_link_is_a_link_when_its_host_may_not_be_framed(tmp_path):
    tree = _page(_app(tmp_path, frame_gui=False))
    assert _nodes(tree, "Iframe") == []
    links = [n for n in _nodes(tree, "A") if "ref-link" in str(getattr(n, "className", "") or "")]
    assert len(links) == 1 and urlsplit(links[0].href).hostname == GUI
    assert _query(links[0].href)["recording_path"].startswith("s3://aind-open-data/ecephys_1/ecephys/")
