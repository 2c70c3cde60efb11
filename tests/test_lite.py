"""Lite elements (components/lite.py) are exactly the JSON Dash sends for its own components."""

from __future__ import annotations

import json

import pytest
from dash import html
from plotly.utils import PlotlyJSONEncoder

from components.lite import el
from components.status import status_badge, status_pill


def _wire(tree) -> object:
    return json.loads(json.dumps(tree, cls=PlotlyJSONEncoder))


def test_an_element_serialises_like_the_dash_component():
    lite = el("Tr", [el("Td", el("A", "m<b>", href="/?metric=m", title="t"), className="metric-name"),
                     el("Td", "3", style={"minWidth": "110px"}, **{"data-worst": "Fail"})],
              className="few-decided", **{"data-metric": "m"})
    dash_tree = html.Tr([html.Td(html.A("m<b>", href="/?metric=m", title="t"), className="metric-name"),
                         html.Td("3", style={"minWidth": "110px"}, **{"data-worst": "Fail"})],
                        className="few-decided", **{"data-metric": "m"})
    assert _wire(lite) == _wire(dash_tree)


def test_an_element_inside_a_component_reaches_the_wire_unchanged():
    tree = html.Tbody([el("Tr", el("Td", "x"))])
    assert _wire(tree) == _wire(html.Tbody([html.Tr(html.Td("x"))]))


def test_the_lite_pill_is_the_badge():
    assert _wire(status_pill("Fail")) == _wire(status_badge("Fail"))


def test_an_element_takes_no_id():
    with pytest.raises(ValueError, match="no id"):
        el("Td", "x", id="cell")
