"""The catalog's bugs graded in process once per run (and across runs while the sources stay the
same): what ``python -m autograder.verify.points`` computes, in a fresh process as that command
runs, kept under pytest's cache folder keyed by the sources. ``tests/test_feedback.py`` (each bug
charged its idea, docs/points.md current) and ``tests/test_hidden.py`` (each bug fails its own
question only) read the same results instead of grading the catalog again.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sys
from importlib.metadata import version
from pathlib import Path

from checkout import run_checked

from autograder.paths import ROOT
from autograder.verify.inprocess import Quick

SOURCES = ("autograder", "assignments", "reference")
"""the folders whose Python files shape the results (with otter_config.json)"""
GRADE = """
import dataclasses, json, sys
from autograder.hidden import hidden_tests
from autograder.verify import points
from autograder.verify.inprocess import run_catalog

tests = hidden_tests(points.EXAMPLES, shrink=False)
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump([dataclasses.asdict(r) for r in run_catalog(tests)], f)
"""


def sources_key() -> str:
    """A digest of every file that shapes the results, and of the versions that draw inputs."""
    digest = hashlib.sha256(f"{sys.version} numpy {version('numpy')} hypothesis "
                            f"{version('hypothesis')}".encode())
    files = sorted(p for folder in SOURCES for p in (ROOT / folder).rglob("*.py"))
    for path in [*files, ROOT / "otter_config.json"]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def graded_catalog(folder: Path) -> list[Quick]:
    """The catalog's results, graded by the first process of the run that asks (the others, a
    pytest-xdist worker among them, wait for it) and kept in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"catalog-{sources_key()}.json"
    with open(folder / "catalog.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not path.is_file():
            for old in folder.glob("catalog-*.json"):  # an earlier version of the sources
                old.unlink()
            partial = path.with_suffix(".partial")
            run_checked([sys.executable, "-c", GRADE, str(partial)], cwd=ROOT,
                        env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=1800)
            partial.replace(path)
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [Quick(**{**row, "direct": tuple(row["direct"])}) for row in rows]
