"""Parsing a metric's `reference` string into typed references.

A reference is a relative path (resolved against the asset's location), an absolute
URL (`https://`, `s3://`, `sha1://`, ...) or two of those joined by `;` (a swipe
comparison). The kind of each part is decided from its parsed form, never by
substring guessing:

- URLs by scheme, then host (an allow-list for the embeddable viewers), then the
  extension of the URL's *path* (a query or fragment never decides);
- relative paths by the extension of their last segment (`figures/shank0_sha.png` is
  an image, `probes3.png` is not an S3 URI, `http_notes.svg` is not a URL);
- `a;b` is split only where *both* sides are references on their own: a Neuroglancer
  URL keeps the `;` inside its JSON fragment;
- `__empty__` and `__empty__<digits>` (pipelines' "no reference") name nothing;
- a URL written percent-encoded, scheme separator included (`https%3A//host/app?x=%7B..`,
  as pipelines write `urllib.parse.quote(url)`), is decoded; a `#` or space it decodes to
  belongs to a value (a file name), so the URL is re-encoded with those escaped;
- `{derived_asset_location}` and `{raw_asset_location}` in a URL are filled from a
  `ReferenceContext` (placeholders.py); one that cannot be filled leaves the reference
  with a `problem`, shown instead of its viewer.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from urllib.parse import parse_qs, quote, unquote, urlsplit

from portal.references.placeholders import PLACEHOLDER, ReferenceContext

IMAGE = "image"
SVG = "svg"
PDF = "pdf"
VIDEO = "video"
VEGA = "vega"
PLOTLY = "plotly"
JSON = "json"  # a JSON file that is neither named vega nor plotly: its content decides
RERUN = "rerun"
NEUROGLANCER = "neuroglancer"
FIGURL = "figurl"
SORTINGVIEW = "sortingview"
LINK = "link"
ZARR = "zarr"
FILE = "file"

KINDS = (IMAGE, SVG, PDF, VIDEO, VEGA, PLOTLY, JSON, RERUN, NEUROGLANCER, FIGURL, SORTINGVIEW, LINK, ZARR, FILE)
IFRAME_KINDS = frozenset({NEUROGLANCER, FIGURL, SORTINGVIEW})
# The hosted Rerun web viewer: a `name_vX.Y.Z.rrd` opens in its version there, and it
# fetches the recording itself from this origin (the references route allows it: CORS).
RERUN_ORIGIN = "https://app.rerun.io"
SPEC_KINDS = frozenset({VEGA, PLOTLY, JSON})

_IMAGE_EXT = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})
_VIDEO_EXT = frozenset({".mp4", ".webm"})
# Compound suffixes naming what a JSON file holds (`chart.vl.json`, `fig.plotly.json`).
_VEGA_SUFFIXES = (".vl.json", ".vg.json", ".vega.json", ".vegalite.json", ".vega-lite.json", ".altair.json")
_PLOTLY_SUFFIXES = (".plotly.json",)
_RERUN_VERSION = re.compile(r"_v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\.rrd$", re.IGNORECASE)

# Hosts whose pages are embedded in a sandboxed iframe; everything else is a link.
NEUROGLANCER_HOSTS = frozenset({
    "neuroglancer-demo.appspot.com",
    "neuroglancer.allenneuraldynamics.org",
    "aind-neuroglancer-sauujisjxq-uw.a.run.app",
    "neuroglancer.github.io",
})
FIGURL_HOSTS = frozenset({"figurl.org", "www.figurl.org"})
SORTINGVIEW_HOSTS = frozenset({"sortingview.vercel.app"})

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# Schemes a reference may use; "file" only for local files on the portal's machine.
_WEB_SCHEMES = frozenset({"http", "https"})
_STORAGE_SCHEMES = frozenset({"s3", "gs", "sha1", "file"})
# Characters that never occur in a relative file reference (they do in JSON fragments).
_NOT_IN_PATHS = frozenset('{}"<>|;\\\x00\n\r\t')
_EXTENSION = re.compile(r"\.[A-Za-z0-9][A-Za-z0-9-]{0,9}$")
# A whole URL percent-encoded by `quote(url)`: its scheme separator is `%3A//`.
_ENCODED_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)%3A//", re.IGNORECASE)
# "No reference", as pipelines write it.
_EMPTY = re.compile(r"__empty__\d*")
# What stays literal when a decoded URL is re-encoded: RFC 3986's delimiters but `#`
# (pipelines encode file names holding `#` and spaces; decoded, they are data).
_URL_SAFE = ":/?&=!$'()*+,;@"


@dataclass(frozen=True)
class Reference:
    """One parsed reference.

    `target` is the reference to use (stripped; a percent-encoded URL decoded and its
    placeholders filled); `written` is the part as the document has it; `scheme` is ""
    for a relative path; `path` is the file path (relative path, or the URL's path);
    `name` the last path segment (the label shown); `version` the rerun viewer version,
    if any; `problem` why it cannot be shown (a placeholder that cannot be filled).
    """

    kind: str
    target: str
    scheme: str = ""
    path: str = ""
    name: str = ""
    version: str | None = None
    written: str = ""
    problem: str | None = None

    @property
    def relative(self) -> bool:
        """True for a path relative to the asset's location."""
        return not self.scheme

    @property
    def web(self) -> bool:
        """True for an http(s) URL, used as it is."""
        return self.scheme in _WEB_SCHEMES


def parse(reference: object, context: ReferenceContext | None = None) -> list[Reference]:
    """The references a metric's `reference` field names, in order.

    Empty or non-string input and `__empty__`/`__empty__N` give []; one reference gives
    one item; `a;b` gives two (shown as a swipe comparison) when both sides are
    references. `context` fills `{derived_asset_location}` / `{raw_asset_location}`;
    without it such a reference has a `problem`.
    """
    if not isinstance(reference, str):
        return []
    text = reference.strip()
    if not text:
        return []
    if "{" not in unquote(text):  # no placeholder (encoded either): the same for every asset
        return list(_parse_plain(text))
    return [_classify(part, context) for part in _split(text) if not _EMPTY.fullmatch(part)]


@functools.lru_cache(maxsize=16_384)
def _parse_plain(text: str) -> tuple[Reference, ...]:
    # Reference is frozen, so the cached tuple can be shared; 500 metrics' references cost
    # ~40 ms to classify (pathlib), about a fifth of an asset page.
    return tuple(_classify(part, None) for part in _split(text) if not _EMPTY.fullmatch(part))


def _split(text: str) -> list[str]:
    """Split at `;` only where every part is a reference on its own; else keep it whole.

    Of the ways to split, the one with the shortest first part wins, then the same
    for the rest (memoised: a URL with many `;` in its fragment stays linear-ish).
    """
    cuts = [index for index, char in enumerate(text) if char == ";"]
    if not cuts:
        return [text]
    memo: dict[int, list[str] | None] = {}

    def split_from(start: int) -> list[str] | None:
        if start in memo:
            return memo[start]
        found = None
        for cut in cuts:
            if cut < start:
                continue
            left = text[start:cut].strip()
            if is_reference(left):
                rest = split_from(cut + 1)
                if rest is not None:
                    found = [left, *rest]
                    break
        if found is None:
            tail = text[start:].strip()
            found = [tail] if is_reference(tail) else None
        memo[start] = found
        return found

    parts = split_from(0)
    return parts if parts is not None and len(parts) > 1 else [text]


def is_reference(part: str) -> bool:
    """Whether `part` stands on its own as a reference: a URL of a known scheme, or a
    relative file path (no JSON/HTML characters, a last segment with an extension)."""
    if not part or part != part.strip():
        return False
    if _EMPTY.fullmatch(part):
        return True
    if _ENCODED_SCHEME.match(part):
        part = unquote(part)
    match = _SCHEME.match(part)
    if match:
        scheme = match.group(1).lower()
        if scheme in _WEB_SCHEMES or scheme in ("s3", "gs"):
            return bool(urlsplit(part).netloc)
        return scheme in _STORAGE_SCHEMES and len(part) > len(match.group(0))
    if any(char in _NOT_IN_PATHS for char in part) or part.startswith("/"):
        return False
    last = part.rstrip("/").rsplit("/", 1)[-1]
    return bool(_EXTENSION.search(last))


def _classify(written: str, context: ReferenceContext | None) -> Reference:
    text, problem = written, None
    if _ENCODED_SCHEME.match(written):
        filled, problem = _fill(unquote(written), context, quote_values=False)
        text = quote(filled, safe=_URL_SAFE)
    elif _SCHEME.match(written) and PLACEHOLDER.search(written):
        text, problem = _fill(written, context, quote_values=True)
    ref = _classify_url(text) if _SCHEME.match(text) else _classify_path(text)
    return replace(ref, written=written, problem=problem)


def _fill(text: str, context: ReferenceContext | None, *, quote_values: bool) -> tuple[str, str | None]:
    """`text` with its placeholders filled, and the first reason one could not be."""
    problems: list[str] = []

    def value(match: re.Match) -> str:
        found, why = context.lookup(match.group(1)) if context is not None else (None, "no asset to fill it from")
        if found is None:
            problems.append(f"cannot fill {match.group(0)}: {why}")
            return match.group(0)
        return quote(found, safe="/:") if quote_values else found

    filled = PLACEHOLDER.sub(value, text)
    return filled, (problems[0] if problems else None)


def _classify_path(text: str) -> Reference:
    path = text.rstrip("/") if _is_zarr(text) else text
    return Reference(_kind_by_path(path), text, "", path, _name(path), _rerun_version(path))


def _classify_url(text: str) -> Reference:
    match = _SCHEME.match(text)
    scheme = match.group(1).lower()
    parts = urlsplit(text)
    if scheme == "sha1":
        # kachery: sha1://<hash>?label=<file name>; the label names the kind.
        label = (parse_qs(parts.query).get("label") or [""])[0]
        kind = _kind_by_path(label) if label else FILE
        return Reference(kind, text, scheme, label, label or parts.netloc, _rerun_version(label))
    path = parts.path
    name = _name(path)
    if scheme in _WEB_SCHEMES:
        host = (parts.hostname or "").lower()
        if host in NEUROGLANCER_HOSTS:
            return Reference(NEUROGLANCER, text, scheme, path, host)
        if host in SORTINGVIEW_HOSTS or (host in FIGURL_HOSTS and _is_sortingview(parts.query)):
            return Reference(SORTINGVIEW, text, scheme, path, host)
        if host in FIGURL_HOSTS:
            return Reference(FIGURL, text, scheme, path, host)
        kind = _kind_by_path(path)
        return Reference(LINK if kind == FILE else kind, text, scheme, path, name or host, _rerun_version(path))
    return Reference(_kind_by_path(path), text, scheme, path, name, _rerun_version(path))


def _is_sortingview(query: str) -> bool:
    """A figurl URL whose view (`v=npm://@fi-sci/figurl-sortingview@12/dist`, or a
    `gs://figurl/...sortingview...` bundle) is the sortingview package."""
    for view in parse_qs(query).get("v", []):
        package = urlsplit(view).netloc + urlsplit(view).path
        if any(segment.split("@")[0].endswith("sortingview") for segment in package.split("/") if segment):
            return True
    return False


def _name(path: str) -> str:
    return PurePosixPath(path).name if path else ""


def _is_zarr(path: str) -> bool:
    return any(segment.lower().endswith(".zarr") for segment in path.split("/"))


def _rerun_version(path: str) -> str | None:
    match = _RERUN_VERSION.search(_name(path))
    return match.group(1) if match else None


def _kind_by_path(path: str) -> str:
    """The kind a file path implies, by the extension of its last segment."""
    if _is_zarr(path):
        return ZARR
    name = _name(path).lower()
    suffix = PurePosixPath(name).suffix
    if suffix in _IMAGE_EXT:
        return IMAGE
    if suffix == ".svg":
        return SVG
    if suffix == ".pdf":
        return PDF
    if suffix in _VIDEO_EXT:
        return VIDEO
    if suffix == ".rrd":
        return RERUN
    if suffix == ".json":
        if name.endswith(_VEGA_SUFFIXES):
            return VEGA
        if name.endswith(_PLOTLY_SUFFIXES):
            return PLOTLY
        return JSON
    return FILE
