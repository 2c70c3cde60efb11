"""The image's pinned dependencies: `constraints.txt`, written from an installed environment.

    .venv/bin/python -m portal.ops.lock > constraints.txt

Walks qc-portal's requirements (with the `demo` extra) through the installed packages'
metadata, markers evaluated for this interpreter, and prints `name==version` for every
package of that closure, sorted. The Dockerfile installs with `pip install -c
constraints.txt`, so an image built today and one built next year get the same versions
(tests/test_deploy.py checks that the file covers every dependency and satisfies
pyproject.toml). Regenerate it after changing a dependency, in a virtualenv made with
`pip install -e ".[demo]"` on Python 3.11 (the image's).
"""

from __future__ import annotations

import sys
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "qc-portal"
EXTRAS = ("demo",)


def closure(project: str = PROJECT, extras: tuple[str, ...] = EXTRAS) -> dict[str, str]:
    """{canonical name: installed version} of `project`'s dependencies, transitively."""
    found: dict[str, str] = {}
    pending = [(project, set(extras))]
    seen: set[tuple[str, frozenset]] = set()
    while pending:
        name, wanted = pending.pop()
        key = (canonicalize_name(name), frozenset(wanted))
        if key in seen:
            continue
        seen.add(key)
        distribution = metadata.distribution(name)
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker and not any(
                    requirement.marker.evaluate({**default_environment(), "extra": extra})
                    for extra in (wanted or {""})):
                continue
            dependency = canonicalize_name(requirement.name)
            found[dependency] = metadata.version(requirement.name)
            pending.append((requirement.name, set(requirement.extras)))
    found.pop(canonicalize_name(project), None)
    return found


def main() -> None:
    """Print the constraints file."""
    python = ".".join(map(str, sys.version_info[:2]))
    lines = [f"# Pinned versions of qc-portal's dependencies (with [demo]) for Python {python}; the Dockerfile",
             "# installs with `pip install -c constraints.txt`.",
             "# Regenerate: python -m portal.ops.lock > constraints.txt"]
    lines += [f"{name}=={version}" for name, version in sorted(closure().items())]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
