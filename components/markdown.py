"""Markdown from documents (metric descriptions) rendered as Dash components, safely.

markdown-it-py parses the text with raw HTML turned off (an HTML tag stays literal
text), and the syntax tree becomes html.* components: nothing is ever handed to the
browser as HTML. Links and images keep only http(s) and relative URLs
(portal.security.urls.safe_url); a link to anything else (`javascript:`, `data:`, ...)
is shown as its text. Links open in a new tab without a referrer or an opener. A link
whose address holds spaces (as pipelines write them) is read as a link (spaced_links).
"""

from __future__ import annotations

import re
from functools import lru_cache

from dash import html
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from portal.security.urls import safe_url

_BLOCKS = {
    "paragraph": html.P, "blockquote": html.Blockquote, "bullet_list": html.Ul, "ordered_list": html.Ol,
    "list_item": html.Li, "em": html.Em, "strong": html.Strong, "s": html.Del, "table": html.Table,
    "thead": html.Thead, "tbody": html.Tbody, "tr": html.Tr, "th": html.Th, "td": html.Td,
}
_HEADINGS = {"h1": html.H1, "h2": html.H2, "h3": html.H3, "h4": html.H4, "h5": html.H5, "h6": html.H6}
MAX_LENGTH = 20_000  # characters of markdown rendered; longer text is cut


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # CommonMark with raw HTML off, plus GitHub's tables and strikethrough.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def markdown(text: str, className: str | None = None) -> html.Div:
    """`text` as Dash components (see the module docstring)."""
    source = text if len(text) <= MAX_LENGTH else text[:MAX_LENGTH] + "…"
    tree = SyntaxTreeNode(_parser().parse(spaced_links(source)))
    return html.Div(_children(tree), className=className)


# A link's destination, `](...)`, with at most one level of parentheses inside it.
_DESTINATION = re.compile(r"\]\((?P<dest>[^()\n]*(?:\([^()\n]*\)[^()\n]*)*)\)")
_TITLE = re.compile(r"""^(?P<url>.*?)(?P<title>\s+(?:"[^"\n]*"|'[^'\n]*'))$""")
_FENCE = ("```", "~~~")


def spaced_links(text: str) -> str:
    """`text` with spaces in link destinations written as %20.

    CommonMark ends a destination at a space, so `[traces](figs/Record Node 101/a.png)`
    (pipelines write such links) would stay literal text. A destination in `<...>`, one
    without spaces, and an optional `"title"` after it are left as they are, and so is
    code (fenced blocks and `inline code`).
    """
    if "](" not in text:
        return text
    out, fenced = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith(_FENCE):
            fenced = not fenced
        if fenced or "](" not in line:
            out.append(line)
            continue
        parts = line.split("`")
        parts[::2] = [_DESTINATION.sub(_encode_destination, part) for part in parts[::2]]
        out.append("`".join(parts))
    return "\n".join(out)


def _encode_destination(match: re.Match) -> str:
    dest = match.group("dest").strip()
    titled = _TITLE.match(dest)
    url, title = (titled.group("url"), titled.group("title")) if titled else (dest, "")
    if not url or url.startswith("<") or not any(ch.isspace() for ch in url):
        return match.group(0)
    return "](" + re.sub(r"\s+", "%20", url) + title + ")"


def _children(node: SyntaxTreeNode) -> list:
    out: list = []
    for child in node.children:
        rendered = _node(child)
        if isinstance(rendered, list):
            out.extend(rendered)
        elif rendered is not None:
            out.append(rendered)
    return out


def _node(node: SyntaxTreeNode):
    kind = node.type
    if kind == "text":
        return node.content
    if kind in ("html_inline", "html_block"):  # only reachable if HTML were on: still text
        return node.content
    if kind == "softbreak":
        return "\n"
    if kind == "hardbreak":
        return html.Br()
    if kind == "inline":
        return _children(node)
    if kind == "code_inline":
        return html.Code(node.content)
    if kind in ("code_block", "fence"):
        return html.Pre(html.Code(node.content))
    if kind == "hr":
        return html.Hr()
    if kind == "heading":
        return _HEADINGS.get(node.tag, html.H6)(_children(node))
    if kind == "paragraph" and node.hidden:  # the paragraphs of a tight list item
        return _children(node)
    if kind == "link":
        href = safe_url(node.attrs.get("href"))
        if href is None:
            return html.Span(_children(node), className="md-unsafe-link")
        return html.A(_children(node), href=href, target="_blank", rel="noopener noreferrer")
    if kind == "image":
        src = safe_url(node.attrs.get("src"))
        alt = "".join(c.content for c in node.children if c.type == "text") or node.content
        return html.Img(src=src, alt=alt, className="md-image") if src else html.Span(alt)
    if kind == "ordered_list":
        start = node.attrs.get("start")
        return html.Ol(_children(node), start=int(start)) if start else html.Ol(_children(node))
    factory = _BLOCKS.get(kind)
    if factory is not None:
        return factory(_children(node))
    return _children(node) or (node.content or None)
