"""The engine is generic: it grades whatever assignment its entry points pass in. No module of
autograder/engine/ imports anything above it (the question table, the hidden tests, the build,
an assignment) or names a lecture."""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from checkout import run_checked
from autograder.paths import ROOT

ENGINE = ROOT / "autograder" / "engine"
ALLOWED = ("autograder.engine", "autograder.paths")
"""the engine's own modules, and where things live (a leaf: it imports nothing of ours)"""
OURS = ("autograder", "assignments", "reference")


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at any depth of its code (lazy imports too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the engine package
                found.append("autograder.engine" + (f".{node.module}" if node.module else ""))
            else:
                found.append(node.module)
    return found


def test_the_engine_imports_nothing_above_it():
    wrong = {}
    for path in sorted(ENGINE.glob("*.py")):
        above = [m for m in _imports(path) if m.split(".")[0] in OURS
                 and not m.startswith(ALLOWED)]
        if above:
            wrong[path.name] = above
    assert not wrong, f"expected the engine to import only {ALLOWED} of ours, got {wrong}"
    assert not [m for m in _imports(ROOT / "autograder" / "paths.py")
                if m.split(".")[0] in OURS]


def test_the_engine_names_no_lecture():
    named = {path.name: sorted(set(re.findall(r"lecture\s*\d+|lm_training|q\d_[a-z_]+",
                                              path.read_text(encoding="utf-8"))))
             for path in sorted(ENGINE.glob("*.py"))}
    assert {name: found for name, found in named.items() if found} == {}


def test_importing_the_engine_loads_no_assignment():
    code = ("import sys, autograder.engine.runner, autograder.engine.public, "
            "autograder.engine.feedback, autograder.engine.results; "
            "loaded = [m for m in sys.modules if m.startswith(('assignments', 'reference', "
            "'autograder.hidden', 'autograder.questions'))]; "
            "assert not loaded, loaded")
    run_checked([sys.executable, "-c", code], cwd=ROOT)
