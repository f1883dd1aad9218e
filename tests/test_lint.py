"""`ruff check .` lints every Python file git tracks (a folder's name, such as autograder/build/,
must not hide it: ruff follows git's ignores) and finds nothing."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.paths import ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def tracked() -> set[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing says which files are tracked")
    listed = _run("git", "ls-files", "*.py")
    assert listed.returncode == 0, f"expected git ls-files to list files, got {listed.stderr}"
    return {line for line in listed.stdout.splitlines() if (ROOT / line).is_file()}


def test_ruff_lints_every_tracked_python_file(tracked):
    shown = _run(sys.executable, "-m", "ruff", "check", "--show-files", ".")
    assert shown.returncode == 0, f"expected ruff to list its files, got {shown.stderr}"
    linted = {Path(line.strip()) for line in shown.stdout.splitlines() if line.strip()}
    linted = {(p.relative_to(ROOT) if p.is_absolute() else p).as_posix() for p in linted}
    skipped = sorted(tracked - linted)
    assert not skipped, (f"expected `ruff check .` to lint every tracked Python file, got "
                         f"{len(skipped)} skipped: {skipped[:10]}; the fix: see [tool.ruff] in "
                         "pyproject.toml (exclude, extend-exclude, respect-gitignore)")


def test_ruff_finds_nothing():
    checked = _run(sys.executable, "-m", "ruff", "check", ".")
    assert checked.returncode == 0, ("expected `ruff check .` to pass, got:\n"
                                     + checked.stdout[-3000:] + checked.stderr[-1000:])
