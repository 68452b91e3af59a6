"""The layer contract bites: an upward import fails `lint-imports` (part of `make lint`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ["config", "devtools", "web", "api", "cli", "jobs", "reserves", "chain", "attest"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_an_upward_import_breaks_the_contract(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(REPO / "pyproject.toml", tree)
    for package in PACKAGES:
        shutil.copytree(REPO / package, tree / package, ignore=shutil.ignore_patterns("__pycache__", "artifacts"))
    kept = _lint(tree)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    models = tree / "reserves" / "models.py"
    models.write_text(models.read_text() + "\nimport web.pages  # an upward import\n")
    broken = _lint(tree)
    assert broken.returncode != 0
    assert "reserves.models -> web.pages" in broken.stdout
