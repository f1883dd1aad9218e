"""What the measurements grade: the built release, the catalog's entries, and a copy of the
grading sources with another example budget.

``python -m autograder grade`` reads the example budget from the repository's
``otter_config.json``; to run the real command line at another budget without touching that
file, :func:`root_with_budget` copies the grading sources (``autograder/``, ``reference/``,
``assignments/``) into a temporary folder with their own ``otter_config.json``, and the command
runs there (``autograder.paths.ROOT`` follows the copy).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import OTTER_CONFIG, ROOT

GRADING_SOURCES = ("autograder", "reference", "assignments")


class BenchError(Exception):
    """A measurement could not be set up (one line, for BENCHMARKS.md)."""


@dataclass(frozen=True)
class Release:
    solutions_py: Path
    solutions_ipynb: Path
    otter_zip: Path


def build_release(out: Path) -> Release:
    """``python -m autograder build --out OUT --no-execute`` (the solutions notebook is the same
    code, not run end to end: faster)."""
    cmd = [sys.executable, "-m", "autograder", "build", "--out", str(out), "--no-execute"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BenchError(f"`python -m autograder build` failed: {tail[0]}")
    release = Release(out / "solutions" / "lm_training.py", out / "solutions" / "lecture16.ipynb",
                      out / "otter-autograder.zip")
    for path in (release.solutions_py, release.solutions_ipynb, release.otter_zip):
        if not path.exists():
            raise BenchError(f"expected the build to write {path}, found nothing")
    return release


def configured_budget() -> int:
    return int(json.loads(OTTER_CONFIG.read_text())["autograder"].get("examples_per_test", 40))


_ROOTS: dict[int, Path] = {}
"""the copy made for each budget in this process: the sections that grade at one budget share it"""


def root_with_budget(folder: Path, examples_per_test: int) -> Path:
    """A copy of the grading sources in ``folder`` whose otter_config.json has this budget (or
    the copy this process made for that budget already, while it exists)."""
    made = _ROOTS.get(int(examples_per_test))
    if made is not None and (made / "otter_config.json").is_file():
        return made
    folder.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in GRADING_SOURCES:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, folder / name, ignore=ignore, dirs_exist_ok=True)
    config = json.loads(OTTER_CONFIG.read_text())
    config.setdefault("autograder", {})["examples_per_test"] = int(examples_per_test)
    (folder / "otter_config.json").write_text(json.dumps(config, indent=2))
    draw_cases(folder)
    _ROOTS[int(examples_per_test)] = folder
    return folder


def draw_cases(root: Path) -> None:
    """Draw the hidden tests' inputs for ``root``'s budget now (a no-op when they are current)
    and compile the grader's modules, as Gradescope's setup.sh does, so that no timed grading
    includes either."""
    for command in (["-m", "autograder.hidden.draw"],
                    ["-m", "compileall", "-q", "autograder", "reference", "assignments"]):
        done = subprocess.run([sys.executable, *command], cwd=root, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise BenchError(f"{' '.join(command[1:])} failed: {done.stderr[-500:]}")


def catalog_entries(folder: Path, *, full: bool = True):
    """The entries ``verify`` grades (reference, template, bugs, correct), written to ``folder``.

    ``full``: each a whole submission (for a batch). Otherwise as ``verify`` writes them: a bug's
    file keeps only the functions that its affected tests need, and ``entry.graded`` names those
    tests (the ones calling a function that reaches the buggy one; every other test would run
    the reference's own code)."""
    try:
        from autograder.hidden import hidden_tests
        from autograder.verify.entries import write_entries

        return write_entries(folder, hidden_tests(examples_per_test=configured_budget()),
                             full=full)
    except Exception as e:  # the catalog is someone's work in progress: say what broke
        raise BenchError(f"could not write the verify catalog's entries: "
                         f"{type(e).__name__}: {e}") from e
