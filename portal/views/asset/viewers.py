"""Reference viewers for the shown metrics: references resolved to URLs, grouped so
that metrics sharing a reference are shown together next to it.

Only the metrics on screen are resolved (a 500-metric asset costs what one node
costs). URLs come back app-relative from the local resolver; the caller passes
`app_url` (prefixing, e.g. `dash.get_relative_path`) and `absolute_url` (scheme and
host added to a prefixed path, for the external rerun viewer, which fetches the
recording itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from portal.references import AssetLocation, ReferenceResolvers
from portal.references.parse import IFRAME_KINDS, IMAGE, LINK, RERUN, RERUN_ORIGIN, SVG
from portal.security.urls import embeddable
from portal.settings import IFRAME_HOSTS
from portal.settings_rules import split_list
from portal.views.asset.model import MetricView

RERUN_APP = RERUN_ORIGIN + "/version/{version}/"  # its origin may fetch .rrd files (portal.references.route)
DEFAULT_FRAME_HOSTS = frozenset(split_list(IFRAME_HOSTS))
_SWIPE_KINDS = frozenset({IMAGE, SVG})


@dataclass(frozen=True)
class Viewer:
    """One reference ready to show: its kind, a URL (or the error instead) and a label."""

    kind: str
    key: str  # unique on the page (component ids of spec viewers)
    name: str
    target: str
    url: str | None
    error: str | None = None
    version: str | None = None  # rerun viewer version
    embed: str | None = None  # the iframe URL of an external viewer app, when its host may be embedded


@dataclass(frozen=True)
class ReferenceGroup:
    """Metrics sharing one reference string, with its viewers (none without a reference)."""

    reference: str | None
    viewers: tuple[Viewer, ...]
    metrics: tuple[MetricView, ...]

    @property
    def swipe(self) -> bool:
        """Two images (`a;b`) are compared with a swipe."""
        return len(self.viewers) == 2 and all(v.kind in _SWIPE_KINDS and v.url for v in self.viewers)


def _identity(url: str) -> str:
    return url


def reference_groups(
    asset: AssetLocation,
    metrics: Sequence[MetricView],
    resolvers: ReferenceResolvers,
    app_url: Callable[[str], str] = _identity,
    absolute_url: Callable[[str], str] = _identity,
    frame_hosts: frozenset[str] = DEFAULT_FRAME_HOSTS,
) -> list[ReferenceGroup]:
    """The shown metrics grouped by reference (first appearance order), viewers resolved.

    Metrics without a reference come last, in one group without viewers. `frame_hosts`
    are the hosts whose pages may be embedded (QC_PORTAL_IFRAME_HOSTS): an external
    viewer elsewhere gets no `embed` and is shown as a link.
    """
    grouped: dict[str, list[MetricView]] = {}
    bare: list[MetricView] = []
    for metric in metrics:
        text = (metric.reference or "").strip()
        if metric.references:
            grouped.setdefault(text, []).append(metric)
        else:
            bare.append(metric)
    groups = []
    for text, members in grouped.items():
        viewers = tuple(
            _viewer(asset, ref, resolvers, f"{members[0].index}-{part}", app_url, absolute_url, frame_hosts)
            for part, ref in enumerate(members[0].references)
        )
        groups.append(ReferenceGroup(text, viewers, tuple(members)))
    if bare:
        groups.append(ReferenceGroup(None, (), tuple(bare)))
    return groups


def _viewer(asset, ref, resolvers, key, app_url, absolute_url, frame_hosts) -> Viewer:
    resolved = resolvers.resolve(asset, ref)
    url = resolved.url
    if url is not None and url.startswith("/"):
        url = app_url(url)
    embed = None
    if ref.kind == RERUN and url is not None and ref.version:
        source = absolute_url(url) if url.startswith("/") else url
        embed = RERUN_APP.format(version=ref.version) + "?url=" + quote(source, safe="")
    elif ref.kind in IFRAME_KINDS or ref.kind == LINK:
        embed = url  # an external viewer app, or a link to a host allowed in iframes
    if embed is not None and not embeddable(embed, frame_hosts):
        embed = None
    return Viewer(ref.kind, key, ref.name or ref.target, ref.target, url, resolved.error, ref.version, embed)
