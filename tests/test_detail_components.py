"""Asset page components, by walking their trees: every value widget, every viewer, the card."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dash
import dash_bootstrap_components as dbc
import pytest
from dash import dcc, html

from components.asset.cards import metric_card, status_control
from components.asset.values import value_widget
from components.asset.viewers import group_viewers, viewer
from components.ids import detail_ids
from portal.references import parse
from portal.views.asset.model import Curation, HistoryEntry, MetricView
from portal.views.asset.viewers import ReferenceGroup, Viewer
from tests.walk import find_by_id, iter_tree, texts


@pytest.fixture(autouse=True)
def _dash_app():
    # dash.get_relative_path needs an app; any app will do for pure components.
    app = dash.Dash(__name__)
    yield app


def view(value, kind, *, name="m", choice=False, curation=None, assets=(), status="Pending", description=None,
         reference=None, history=None, key=None):
    return MetricView(
        index=3, name=name, description=description, modality="ecephys", modality_name="Extracellular",
        stage="Raw data", tags={"probe": "ProbeA"}, value=value, kind=kind, status=status, effective=status,
        history=history or (HistoryEntry("Ann", status, datetime(2025, 1, 2, 3, 4, tzinfo=UTC)),),
        reference=reference, references=tuple(parse(reference)), choice_sets_status=choice,
        evaluated_assets=tuple(assets), curation=curation, key=key or f"{name} [ecephys, Raw data, probe=ProbeA]",
    )


def widget(metric, *, can_edit=True, allow_edits=False):
    return value_widget(metric, can_edit=can_edit, allow_edits=allow_edits)


def test_number_zero_stays_a_number_and_a_set_value_is_read_only():
    locked = widget(view(0, "number"))
    (w,) = find_by_id(locked, detail_ids.value(3))
    assert isinstance(w, dbc.Input) and w.type == "number"
    assert w.value == 0 and w.value is not False and not isinstance(w.value, str)
    assert w.disabled is True  # set: read-only...
    # ...and it says so, with the way to change it (an annotator's greyed input is no riddle).
    assert "Already set" in texts(locked) and find_by_id(locked, detail_ids.allow_edits(3))
    assert not find_by_id(widget(view(0, "number"), can_edit=False), detail_ids.allow_edits(3))
    assert widget(view(0, "number"), allow_edits=True).disabled is False  # ...unless "allow edits"
    assert widget(view(None, "number")).disabled is False


def test_text_and_bool_widgets():
    text = widget(view("VISp", "string"), allow_edits=True)
    assert isinstance(text, dbc.Input) and text.type == "text" and text.value == "VISp"
    switch = widget(view(False, "bool"), allow_edits=True)
    assert isinstance(switch, dbc.Switch) and switch.value is False and switch.disabled is False


def test_list_of_scalars_is_a_list():
    w = widget(view([0.31, 0.28, 0], "list"))
    assert isinstance(w, html.Ul)
    assert [texts(li) for li in w.children] == ["0.31", "0.28", "0"]


def test_table_has_index_rows():
    value = {"index": ["ProbeA", "ProbeB"], "units": [412, 388], "good": [201, 176]}
    w = widget(view(value, "table"))
    assert isinstance(w, dbc.Table)
    header = [texts(th) for th in w.children[0].children.children]
    assert header == ["", "units", "good"]
    rows = w.children[1].children
    assert texts(rows[0]) == "ProbeA 412 201"
    assert isinstance(rows[1].children[0], html.Th)


def test_other_dicts_are_read_only_json():
    w = widget(view({"a": {"b": [1, 2]}}, "json"))
    assert isinstance(w, html.Pre) and '"b"' in w.children


def test_dropdown_lists_options_with_their_status():
    value = {"value": "", "options": ["Normal", "Noisy"], "status": ["Pass", "Fail"], "type": "dropdown"}
    w = widget(view(value, "dropdown", choice=True))
    assert isinstance(w, dcc.Dropdown)
    assert w.value is None and w.disabled is False  # nothing chosen yet: editable
    assert [o["value"] for o in w.options] == ["Normal", "Noisy"]
    assert "Fail" in w.options[1]["label"]
    (chosen,) = find_by_id(widget(view({**value, "value": "Noisy"}, "dropdown", choice=True)), detail_ids.value(3))
    assert chosen.value == "Noisy" and chosen.disabled is True


def test_checkbox_widget():
    value = {"value": ["A"], "options": ["A", "B"], "status": ["Pass", "Fail"], "type": "checkbox"}
    w = widget(view(value, "checkbox", choice=True), allow_edits=True)
    assert isinstance(w, dcc.Checklist) and w.value == ["A"]
    assert [o["value"] for o in w.options] == ["A", "B"]
    assert not any(o["disabled"] for o in w.options)


@pytest.mark.parametrize(("kind", "stored", "starts", "note"), [
    ("checkbox", "", [], "stored value: '' — not a list of options; unchanged unless you choose"),
    ("checkbox", "B", ["B"], "stored value: 'B' — not a list of options; unchanged unless you choose"),
    ("dropdown", "Legacy", None, "stored value: 'Legacy' — not one of the options; unchanged unless you choose"),
])
def test_a_value_the_widget_cannot_show_is_written_beside_it(kind, stored, starts, note):
    value = {"value": stored, "options": ["A", "B"], "status": ["Pass", "Fail"], "type": kind}
    metric = view(value, kind, choice=True)
    w = widget(metric, allow_edits=True)
    assert find_by_id(w, detail_ids.value(3))[0].value == starts  # never a value outside the options
    assert note in texts(w)
    card = metric_card(metric, can_edit=True, allow_edits=False, version=1)
    assert find_by_id(card, detail_ids.base(3))[0].data["shown"] == starts


def test_curations_stored_as_json_text_are_shown_decoded_and_said_so():
    text = '{"labelsByUnit": {"3": ["noise"]}}'
    curation = Curation("Spike sorting curation", text, 1, ())
    w = widget(view([text], "curation", curation=curation))
    assert "stored as JSON text" in texts(w)
    assert any(isinstance(n, html.Pre) and '"noise"' in n.children and "\\" not in n.children
               for n in iter_tree(w))


def test_curation_shows_latest_and_history():
    curation = Curation("Spike sorting curation", {"labelsByUnit": {"17": ["noise"]}}, 2,
                        (("Priya", datetime(2025, 6, 22, 3, 29, tzinfo=UTC)),))
    w = widget(view([{}, {"labelsByUnit": {}}], "curation", curation=curation))
    text = texts(w)
    assert "Spike sorting curation" in text and "2 versions" in text
    assert "Priya" in text and "2025-06-22 03:29 UTC" in text
    assert any(isinstance(n, html.Pre) and "noise" in n.children for n in iter_tree(w))


def test_every_curation_version_can_be_opened_newest_first_decoded():
    texts_stored = ['{"labelsByUnit": {"1": ["good"]}}', json.dumps('{"labelsByUnit": {"1": ["noise"]}}'),
                    '{"labelsByUnit": {"1": ["mua"]}}']
    history = (("Ann", datetime(2025, 3, 1, tzinfo=UTC)), ("Bo", datetime(2025, 2, 1, tzinfo=UTC)))
    curation = Curation("Spike sorting curation", texts_stored[-1], 3, history)
    w = widget(view(texts_stored, "curation", curation=curation))
    listed = [n for n in iter_tree(w) if getattr(n, "className", "") == "curation-version"]
    assert len(listed) == 3
    summaries = [texts(d.children[0]) for d in listed]
    assert summaries[0].startswith("Version 3") and "(latest)" in summaries[0] and "Ann" in summaries[0]
    assert summaries[1].startswith("Version 2") and "Bo" in summaries[1]
    assert summaries[2].startswith("Version 1") and "not recorded" in summaries[2]  # older than the history
    # Each version's content as data: JSON text (even JSON text of JSON text) is decoded, never shown escaped.
    bodies = [next(n for n in iter_tree(d) if isinstance(n, html.Pre)).children for d in listed]
    assert '"mua"' in bodies[0] and '"noise"' in bodies[1] and '"good"' in bodies[2]
    assert not any("\\" in body for body in bodies)


def test_none_value():
    assert "no value" in texts(widget(view(None, "none")))


def test_without_the_right_to_annotate_everything_is_disabled():
    for metric in (view(None, "number"), view("", "string"), view(False, "bool")):
        assert widget(metric, can_edit=False, allow_edits=True).disabled is True
    control = status_control(view(1, "number"), "Pass", disabled=True)
    assert all(option["disabled"] for option in control.options)


def test_card_carries_name_and_status_and_renders_markdown_safely():
    metric = view(1.5, "number", name="Probe drift", status="Fail",
                  description="Pass below 40. <script>alert(1)</script> [link](https://figurl.org/x)",
                  assets=("other_asset",))
    card = metric_card(metric, can_edit=True, allow_edits=False, version=4)
    attrs = card["props"]  # the card is a lite element (components/lite.py)
    assert attrs["data-metric"] == "Probe drift" and attrs["data-status"] == "Fail"
    assert attrs["data-metric-key"] == "Probe drift [ecephys, Raw data, probe=ProbeA]"
    # Markdown becomes components: the script tag is literal text, the link a plain <a>.
    assert not [n for n in iter_tree(card) if isinstance(n, (dcc.Markdown, html.Script))]
    assert "<script>alert(1)</script>" in texts(card)
    assert [n.href for n in iter_tree(card) if isinstance(n, html.A)] == ["https://figurl.org/x"]
    base = find_by_id(card, detail_ids.base(3))[0]
    assert base.data["name"] == "Probe drift" and base.data["n"] == 1 and base.data["version"] == 4
    assert base.data["key"] == attrs["data-metric-key"] and base.data["shown"] == 1.5
    links = [n for n in iter_tree(card) if isinstance(n, dcc.Link)]
    assert links[0].href == "/asset/other_asset"
    assert "Ann" in texts(card) and "2025-01-02 03:04 UTC" in texts(card)
    status = find_by_id(card, detail_ids.status(3))[0]
    assert status.value == "Fail"


def test_card_shows_an_unsaved_edit():
    card = metric_card(view(None, "number", status="Pending"), can_edit=True, allow_edits=False, version=1,
                       edit={"status": "Fail", "value": 7})
    assert find_by_id(card, detail_ids.status(3))[0].value == "Fail"
    assert find_by_id(card, detail_ids.value(3))[0].value == 7


def test_a_choice_with_option_statuses_drives_the_status_control():
    value = {"value": "", "options": ["a"], "status": ["Pass"], "type": "dropdown"}
    card = metric_card(view(value, "dropdown", choice=True), can_edit=True, allow_edits=False, version=1)
    control = find_by_id(card, detail_ids.status(3))[0]
    assert all(option["disabled"] for option in control.options)
    assert "follows the choice" in texts(card)


def v(kind, url="/references/a/qc/x", **kw):
    return Viewer(kind=kind, key="3-0", name="x", target="qc/x", url=url, **kw)


@pytest.mark.parametrize(
    ("kind", "component"),
    [("image", html.Img), ("svg", html.Img), ("video", html.Video), ("pdf", html.ObjectEl),
     ("link", html.A), ("file", html.A)],
)
def test_viewer_per_kind(kind, component):
    tree = viewer(v(kind))
    found = [n for n in iter_tree(tree) if isinstance(n, component)]
    assert found
    assert tree.__dict__["data-kind"] == kind


def test_video_preloads_metadata_only():
    video = next(n for n in iter_tree(viewer(v("video"))) if isinstance(n, html.Video))
    assert video.preload == "metadata" and video.controls


@pytest.mark.parametrize("kind", ["vega", "plotly", "json"])
def test_spec_viewers_fetch_their_spec_in_the_browser(kind):
    tree = viewer(v(kind))
    store = find_by_id(tree, detail_ids.spec("3-0"))[0]
    assert store.data == {"url": "/references/a/qc/x", "kind": kind}
    assert find_by_id(tree, detail_ids.spec_graph("3-0")) and find_by_id(tree, detail_ids.spec_vega("3-0"))


@pytest.mark.parametrize("kind", ["neuroglancer", "figurl", "sortingview"])
def test_external_viewers_are_sandboxed_iframes_with_full_screen(kind):
    url = "https://neuroglancer-demo.appspot.com/#!{}"
    tree = viewer(v(kind, url=url, embed=url))
    frame = next(n for n in iter_tree(tree) if isinstance(n, html.Iframe))
    assert frame.sandbox and "allow-top-navigation" not in frame.sandbox
    assert any(isinstance(n, html.Button) and "Full screen" in texts(n) for n in iter_tree(tree))
    # Without `embed` (a host not allowed in frames) it is a link, never an iframe.
    plain = viewer(v(kind, url=url))
    assert not [n for n in iter_tree(plain) if isinstance(n, html.Iframe)]
    assert [n.href for n in iter_tree(plain) if isinstance(n, html.A)][0] == url


def test_rerun_embeds_the_viewer_of_its_version():
    tree = viewer(v("rerun", version="0.22.1", embed="https://app.rerun.io/version/0.22.1/?url=x"))
    frame = next(n for n in iter_tree(tree) if isinstance(n, html.Iframe))
    assert frame.src.startswith("https://app.rerun.io/version/0.22.1/")
    assert "names no viewer version" in texts(viewer(v("rerun")))


def test_missing_reference_shows_its_path():
    tree = viewer(v("image", url=None, error="reference not found: qc/x.png"))
    assert "reference not found: qc/x.png" in texts(tree)
    assert not [n for n in iter_tree(tree) if isinstance(n, html.Img)]


def test_an_image_pair_is_a_swipe():
    group = ReferenceGroup("a.png;b.png", (v("image", url="/a"), v("image", url="/b")), ())
    tree = group_viewers(group)
    assert tree.__dict__["data-kind"] == "swipe"
    assert [n.src for n in iter_tree(tree) if isinstance(n, html.Img)] == ["/a", "/b"]
    assert any(isinstance(n, dcc.Input) and n.type == "range" for n in iter_tree(tree))
    mixed = ReferenceGroup("a.png;b.pdf", (v("image", url="/a"), v("pdf", url="/b")), ())
    assert not mixed.swipe


def test_markdown_links_with_spaces_in_their_address_are_links():
    from components.markdown import markdown, spaced_links

    tree = markdown("Open [the traces](https://example.org/Record Node 101/traces raw.png) or "
                    "[docs](https://example.org/a b \"Docs\") but not `[code](a b)`.")
    links = [n for n in iter_tree(tree) if isinstance(n, html.A)]
    assert [link.href for link in links] == ["https://example.org/Record%20Node%20101/traces%20raw.png",
                                             "https://example.org/a%20b"]
    assert "[the traces]" not in texts(tree) and "`" not in texts(tree)
    assert spaced_links("[x](<a b>) [y](javascript:alert 1)") == "[x](<a b>) [y](javascript:alert%201)"
    unsafe = markdown("[y](javascript:alert 1)")
    assert not [n for n in iter_tree(unsafe) if isinstance(n, html.A)]  # still refused: only http(s) and relative
