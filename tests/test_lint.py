"""The code stays ruff-clean (including flake8-bandit's security rules) and free of
patterns the design rules out."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODE = [ROOT / "portal", ROOT / "components", ROOT / "callbacks"]


def _ruff() -> list[str]:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if exe is None:
        pytest.fail("ruff is not installed (it is in the `test` extra)")
    return [exe]


def test_ruff_is_clean():
    result = subprocess.run([*_ruff(), "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_level_dash_callbacks_or_raw_html():
    offenders = []
    for folder in CODE:
        for path in folder.rglob("*.py"):
            text = path.read_text()
            if re.search(r"^\s*@(dash\.)?callback\(", text, re.M) or "dangerously_allow_html=True" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders
