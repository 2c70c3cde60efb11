"""Resolving references to URLs the browser can load, one resolver per storage kind.

A relative reference is relative to the asset's *location*: a local folder in the
embedded default (`LocalFolderResolver`, served by the `/references` route), an
`s3://bucket/prefix` in production. Absolute references pick their resolver by
scheme (`s3://`, `sha1://` for kachery); `http(s)://` URLs are used as they are.

Every resolver implements `Resolver.resolve(asset, path) -> ResolvedReference`; the
S3 and kachery resolvers plug into `ReferenceResolvers(by_location=..., by_scheme=...)`
without touching the callers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote, unquote, urlsplit

from portal.errors import InvalidInput, NotFound
from portal.references.parse import ZARR, Reference

if TYPE_CHECKING:
    from portal.references.roots import AssetRoots

ROUTE = "/references"


@dataclass(frozen=True)
class AssetLocation:
    """What relative references are resolved against: the asset's name (the segment
    used in `/references/<asset>/...` URLs) and its location (folder or URL)."""

    key: str
    location: str | None


@dataclass(frozen=True)
class ResolvedReference:
    """A URL to load the reference from, or why there is none.

    `url` is absolute (`https://...`) or app-relative (starting with "/": prefix it
    with `dash.get_relative_path`); `error` is a short message shown in place of the
    viewer (e.g. "reference not found: qc/a.png").
    """

    url: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when there is a URL."""
        return self.url is not None


class Resolver(Protocol):
    """Turns a path relative to (or a URI named by) an asset into a URL."""

    def resolve(self, asset: AssetLocation, path: str) -> ResolvedReference:
        """A URL for `path` of `asset`, or a ResolvedReference with `error` set."""


def local_folder(location: str | None) -> Path | None:
    """The local folder a location names (an absolute path or a `file://` URL), else None."""
    if not location or not isinstance(location, str):
        return None
    if location.startswith("file://"):
        location = unquote(urlsplit(location).path)
    elif "://" in location:
        return None
    path = Path(location)
    return path if path.is_absolute() else None


def checked_relative(path: str) -> PurePosixPath:
    """`path` as a relative POSIX path that cannot leave its folder; InvalidInput otherwise.

    Refuses empty paths, absolute paths, `..` segments, backslashes and NUL bytes
    (percent-decoding has already happened: `%2e%2e` arrives here as `..`).
    """
    if not path or "\x00" in path or "\\" in path:
        raise InvalidInput("invalid reference path")
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or path.startswith("~"):
        raise InvalidInput(f"reference path leaves the asset folder: {path}")
    return relative


# Shown (and answered with 404) for a folder outside the asset roots: no path, no hint.
OUTSIDE_ROOTS = "reference not served: the asset's folder is not under an asset root (QC_PORTAL_ASSET_ROOTS)"


class LocalFolderResolver:
    """References inside an asset's local folder, served by the `/references` route.

    With `roots` (portal.references.roots.AssetRoots; the app always sets them), a folder
    that does not lie under one is never read, whatever location the store holds.
    """

    def __init__(self, roots: AssetRoots | None = None):
        self.roots = roots

    def local_file(self, location: str | None, path: str, *, folders: bool = False) -> Path:
        """The file `path` names inside the folder `location`, symlinks resolved.

        Raises InvalidInput for a path that leaves the folder (also through a symlink)
        and NotFound for a missing file (or a folder, unless `folders`) and for a folder
        outside the asset roots.
        """
        folder = local_folder(location)
        if folder is None:
            raise NotFound("the asset has no local folder")
        relative = checked_relative(path)
        root = folder.resolve()
        if self.roots is not None and not self.roots.contains(root):
            raise NotFound(OUTSIDE_ROOTS)
        full = root.joinpath(*relative.parts).resolve()
        if not full.is_relative_to(root):
            raise InvalidInput(f"reference path leaves the asset folder: {path}")
        if not (full.is_file() or (folders and full.is_dir())):
            raise NotFound(f"reference not found: {path}")
        return full

    def resolve(self, asset: AssetLocation, path: str) -> ResolvedReference:
        """An app-relative `/references/<asset>/<path>` URL if the file exists."""
        folders = PurePosixPath(path).suffix.lower() == ".zarr"
        try:
            self.local_file(asset.location, path, folders=folders)
        except NotFound as exc:
            plain = exc.message.startswith(("reference not found", "reference not served"))
            message = exc.message if plain else f"{exc.message}: {path}"
            return ResolvedReference(None, message)
        except InvalidInput as exc:
            return ResolvedReference(None, exc.message)
        # Spaces and '#' (real paths have both) must be percent-encoded.
        return ResolvedReference(f"{ROUTE}/{quote(asset.key, safe='')}/{quote(path, safe='/')}")


@dataclass
class ReferenceResolvers:
    """Picks the resolver for each reference.

    `by_location`: resolvers of relative references keyed by the scheme of the
    asset's location ("" for a local folder, "s3", ...); `by_scheme`: resolvers of
    absolute references keyed by their scheme ("s3", "sha1", ...).
    """

    local: LocalFolderResolver = field(default_factory=LocalFolderResolver)
    by_location: dict[str, Resolver] = field(default_factory=dict)
    by_scheme: dict[str, Resolver] = field(default_factory=dict)

    def __post_init__(self):
        self.by_location.setdefault("", self.local)
        self.by_location.setdefault("file", self.local)

    def resolve(self, asset: AssetLocation, reference: Reference) -> ResolvedReference:
        """A URL for `reference` of `asset`, or the reason there is none."""
        if reference.problem:
            return ResolvedReference(None, reference.problem)
        if reference.web:
            return ResolvedReference(reference.target)
        if reference.relative:
            if not asset.location:
                return ResolvedReference(None, f"the asset has no location to find {reference.path}")
            scheme = _scheme(asset.location)
            resolver = self.by_location.get(scheme)
            if resolver is None:
                return ResolvedReference(None, f"no resolver for assets stored at {scheme}:// is configured")
            path = reference.path if reference.kind == ZARR else reference.target
            return resolver.resolve(asset, path)
        if reference.scheme == "file":
            # An absolute local path could name any file on the server: never served.
            return ResolvedReference(None, "file:// references are not served; use a path relative to the asset")
        resolver = self.by_scheme.get(reference.scheme)
        if resolver is None:
            return ResolvedReference(None, f"no resolver for {reference.scheme}:// references is configured")
        return resolver.resolve(asset, reference.target)


def _scheme(location: str | None) -> str:
    if not location or "://" not in location:
        return ""
    return location.split("://", 1)[0].lower()
