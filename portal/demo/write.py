"""Write the demo data set to disk: one folder per asset, as AIND pipelines leave them.

`write_demo(data_dir, n_assets, seed)` writes `<data_dir>/demo-assets/<asset name>/`
with `data_description.json`, `subject.json`, `acquisition.json`,
`quality_control.json` (absent for assets without QC) and every local file the QC
metrics reference (`qc/drift_map.png`, ...).

Design points:

- Reference files are made once into `demo-assets/.pool/` and hard-linked into the
  asset folders, so 100 000 assets cost directory entries, not copies. Hard links,
  never symlinks: the portal's file route refuses links that leave the folder.
- The data set is built in a staging folder and swapped in whole, with the manifest
  (`demo-manifest.json`) written last: a folder with a matching manifest is complete,
  so a second call returns at once, and a crash never leaves a half data set in place.
- A lock file serialises concurrent callers (e.g. several gunicorn workers starting).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from portal.demo import figures
from portal.demo.records import SHOWCASE_SIZE, build_records

DEMO_FOLDER = "demo-assets"
MANIFEST = "demo-manifest.json"
POOL_FOLDER = ".pool"
# Bump when records or files change shape, so an existing data set is rebuilt.
FORMAT = 1

_DOCUMENTS = (
    ("data_description.json", "data_description"),
    ("subject.json", "subject"),
    ("acquisition.json", "acquisition"),
    ("quality_control.json", "quality_control"),
)


def write_demo(
    data_dir: Path,
    n_assets: int = 300,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write (or keep) the demo data set under `data_dir` and return its `demo-assets` folder.

    Idempotent: when the folder already holds a complete data set for the same
    `(n_assets, seed)` it is returned untouched. Otherwise the folder is rebuilt
    (it belongs to the demo: anything else in it is replaced). `progress(k)` is called
    after the k-th asset is written.
    """
    data_dir = Path(data_dir)
    target = data_dir / DEMO_FOLDER
    wanted = {"format": FORMAT, "n_assets": n_assets, "seed": seed}
    if _is_complete(target, wanted):
        return target
    data_dir.mkdir(parents=True, exist_ok=True)
    with _locked(data_dir / f".{DEMO_FOLDER}.lock"):
        if _is_complete(target, wanted):  # another process finished it while we waited
            return target
        for stale in data_dir.glob(f".{DEMO_FOLDER}.partial-*"):  # left by a crashed run
            shutil.rmtree(stale, ignore_errors=True)
        staging = data_dir / f".{DEMO_FOLDER}.partial-{os.getpid()}"
        staging.mkdir()
        pool = _Pool(staging / POOL_FOLDER, previous=target / POOL_FOLDER)
        showcase: list[str] = []
        count = 0
        for count, rec in enumerate(build_records(n_assets, seed), start=1):
            _write_asset(staging, rec, pool, pretty=count <= SHOWCASE_SIZE)
            if count <= SHOWCASE_SIZE:
                showcase.append(rec["name"])
            if progress is not None:
                progress(count)
        manifest = {
            **wanted,
            "generator": "qc-portal demo (portal.demo)",
            "assets": count,
            "showcase": showcase,
            "written_at": datetime.now(UTC).isoformat(),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        _swap(staging, target)
    return target


def read_manifest(demo_folder: Path) -> dict | None:
    """The manifest of a complete demo data set, or None."""
    try:
        return json.loads((Path(demo_folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def local_references(quality_control: dict | None) -> Iterator[str]:
    """Every relative file path named by the metrics' references (1.x or 2.x layout).

    `a;b` references are split; URLs (`scheme://`) are skipped.
    """
    if not quality_control:
        return
    metrics = quality_control.get("metrics")
    if metrics is None:
        metrics = [m for ev in quality_control.get("evaluations") or [] for m in ev.get("metrics") or []]
    for m in metrics:
        ref = m.get("reference")
        if not ref:
            continue
        for part in ref.split(";"):
            part = part.strip()
            if part and "://" not in part:
                yield part


def _is_complete(target: Path, wanted: dict) -> bool:
    manifest = read_manifest(target)
    return manifest is not None and all(manifest.get(k) == v for k, v in wanted.items())


@contextlib.contextmanager
def _locked(path: Path):
    try:
        import fcntl
    except ImportError:  # not POSIX: no cross-process lock, the staging folder still protects us
        yield
        return
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _swap(staging: Path, target: Path) -> None:
    # rename() cannot replace a non-empty directory: move the old one aside first.
    trash = None
    if target.exists():
        trash = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, trash)
    os.rename(staging, target)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def _write_asset(root: Path, rec: dict, pool: _Pool, pretty: bool) -> None:
    name = rec["name"]
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"unsafe asset name {name!r}")
    folder = os.path.join(root, name)
    os.mkdir(folder)
    for filename, key in _DOCUMENTS:
        doc = rec.get(key)
        if doc is None:
            continue
        text = json.dumps(doc, indent=2) if pretty else json.dumps(doc, separators=(",", ":"))
        with open(os.path.join(folder, filename), "w", encoding="utf-8") as fh:
            fh.write(text)
    made: set[str] = set()
    for ref in local_references(rec.get("quality_control")):
        if ref in made:
            continue
        made.add(ref)
        rel = PurePosixPath(ref)
        if rel.is_absolute() or ".." in rel.parts:
            raise ValueError(f"reference {ref!r} of {name} leaves the asset folder")
        dest = os.path.join(folder, *rel.parts)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        pool.link(figures.pool_name(ref, name), dest)


class _Pool:
    """Reference files made once (or reused from the previous data set) and hard-linked out."""

    def __init__(self, folder: Path, previous: Path | None = None):
        self.folder = folder
        folder.mkdir()
        self.previous = previous if previous is not None and self._same_version(previous) else None
        (folder / "pool-version").write_text(str(figures.POOL_VERSION), encoding="utf-8")
        self._paths: dict[str, str] = {}
        self._copies = 0
        self.hard_links = True

    @staticmethod
    def _same_version(folder: Path) -> bool:
        try:
            return (folder / "pool-version").read_text(encoding="utf-8").strip() == str(figures.POOL_VERSION)
        except OSError:
            return False

    def path(self, name: str) -> str:
        """The pool file for `name`, made on first use."""
        found = self._paths.get(name)
        if found is not None:
            return found
        dest = self.folder / name
        old = self.previous / name if self.previous is not None else None
        if old is not None and old.is_file():
            try:
                os.link(old, dest)
            except OSError:
                shutil.copyfile(old, dest)
        else:
            figures.make(name, dest)
        self._paths[name] = str(dest)
        return str(dest)

    def link(self, name: str, dest: str) -> None:
        """Place pool file `name` at `dest`: a hard link, or a copy where links are impossible."""
        src = self.path(name)
        if not self.hard_links:
            shutil.copyfile(src, dest)
            return
        try:
            os.link(src, dest)
        except OSError as exc:
            if exc.errno == errno.EMLINK:
                # ext4 allows ~65 000 links per inode: start a fresh copy of the pool file.
                self._copies += 1
                fresh = self.folder / f"{name}.{self._copies}"
                shutil.copyfile(src, fresh)
                self._paths[name] = str(fresh)
                os.link(fresh, dest)
            else:  # e.g. a file system without hard links: copy from now on
                self.hard_links = False
                shutil.copyfile(src, dest)
