"""Walking Dash component trees in tests (assert on structure, not on strings of HTML)."""

from __future__ import annotations


class Lite:
    """A lite element (components/lite.py: Dash's JSON as a dict) seen like a component: its props
    as attributes, `_type` its tag."""

    def __init__(self, element: dict):
        self.__dict__.update(element["props"])
        self._type = element["type"]


def iter_tree(node):
    """Every component, lite element (as a Lite) and string in a tree, depth first."""
    if isinstance(node, dict) and "props" in node and "type" in node:
        node = Lite(node)
    yield node
    children = getattr(node, "children", None) if not isinstance(node, (str, int, float)) else None
    if children is None:
        return
    if not isinstance(children, (list, tuple)):
        children = [children]
    for child in children:
        yield from iter_tree(child)


def find_by_id(tree, component_id, attr: str = "id") -> list:
    """Components whose `attr` equals component_id (or is set at all when component_id is None)."""
    found = []
    for node in iter_tree(tree):
        value = getattr(node, attr, None) if attr.isidentifier() else getattr(node, "__dict__", {}).get(attr)
        if value is not None and (component_id is None or value == component_id):
            found.append(node)
    return found


def texts(tree) -> str:
    """All text in a tree, space-joined."""
    return " ".join(str(n) for n in iter_tree(tree) if isinstance(n, (str, int, float)))
